"""Which cells of a run directory are really done, so that a rerun scores exactly the others.

A cell is done when results.jsonl holds all its rows (the metrics manifest.json recorded for
it), its samples file is there, and no data file it may have read has changed since: the
signature of every (language, split) of the cell's languages (and the task's pivot) is
recorded in manifest.json and compared at the next run. Anything else is computed again, and
one line on stderr says how many cells and why. A run directory written before manifest.json
existed is trusted where its rows have their samples, as before.
"""
from __future__ import annotations

import sys
from collections import defaultdict

from .core import Cell
from .errors import XlingError
from .rundir import RunDir, cell_key


def key(cell: Cell) -> tuple:
    return (cell.train_lang, cell.test_lang, cell.query_lang) + ((cell.shots, cell.seed) if cell.shots is not None else ())


def row_key(r: dict) -> tuple:
    return (r["train_lang"], r["test_lang"], r.get("query_lang", "")) \
        + ((int(r["shots"]), int(r["seed"])) if r.get("shots") not in (None, "") else ())


def _name(r: dict) -> str:
    return cell_key(r["train_lang"], r["test_lang"], r.get("query_lang", ""), r.get("shots"), r.get("seed"))


def _langs(cell: Cell, task) -> set[str]:
    out = {lang for lang in (cell.train_lang or "").split("+") if lang} | {cell.test_lang}
    out |= {cell.query_lang} if cell.query_lang else set()
    pivot = getattr(task, "pivot", None)
    return out | ({pivot} if pivot else set())


def data_signatures(task, ctx, cells: list[Cell]) -> dict[str, str]:
    """'lang|split' -> the data signature of every split of every language the cells read."""
    out = {}
    for lang in sorted(set().union(*(_langs(c, task) for c in cells)) if cells else ()):
        for split in task.splits:
            try:
                out[f"{lang}|{split}"] = ctx.data_sig(task, lang, split)
            except XlingError:  # a split this language does not have
                continue
    return out


def plan(rd: RunDir, task, cells: list[Cell], data_now: dict[str, str]) -> tuple[list[dict], list[Cell]]:
    """(rows to keep, in their order; cells to score)."""
    rows, man = rd.rows(), rd.manifest()
    changed = {k.split("|")[0] for k, v in data_now.items() if man["data"].get(k, v) != v}
    by_cell: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        by_cell[row_key(r)].append(r)
    todo, redo, why = [], set(), {"stale": 0, "incomplete": 0}
    for c in cells:
        got = by_cell.get(key(c))
        if not got:
            todo.append(c)
            continue
        want = man["cells"].get(_name(got[0]))
        if _langs(c, task) & changed:
            why["stale"] += 1
        elif (want is not None and sorted(r["metric"] for r in got) != sorted(want)) or not rd.sample_path(c).exists():
            why["incomplete"] += 1
        else:
            continue
        todo.append(c)
        redo.add(key(c))
    _say(why)
    return [r for r in rows if row_key(r) not in redo], todo


def _say(why: dict) -> None:
    parts = [f"{why['stale']} stale (a data file changed since they were scored)"] if why["stale"] else []
    parts += [f"{why['incomplete']} incomplete (rows or samples missing)"] if why["incomplete"] else []
    if parts:
        print(f"xling: resume: {' and '.join(parts)} cells are computed again", file=sys.stderr)


def save(rd: RunDir, rows: list[dict], data: dict[str, str]) -> None:
    """results.jsonl, then manifest.json: each finished cell's metrics and the data signatures."""
    rd.write_rows(rows)
    cells: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        cells[_name(r)].append(r["metric"])
    old = rd.manifest()["data"]
    rd.write_manifest({"cells": {k: sorted(v) for k, v in cells.items()}, "data": {**old, **data}})
