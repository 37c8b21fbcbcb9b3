"""Runs -> one tidy long pandas DataFrame (the table leaderboards and analyses read), and
per-item predictions beside it."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from .errors import XlingError
from .io import read_jsonl
from .rundir import COLUMNS, RunDir, cell_key, result_files, run_dirs


def frame(*paths) -> pd.DataFrame:
    """Rows of one or more runs (a run dir, a directory of runs, or results.jsonl files)."""
    rows: list[dict] = []
    for p in paths or ("runs",):
        for f in result_files(p):
            got = read_jsonl(f, torn_ok=True)
            warn_incomplete(f, got)
            rows.extend(got)
    df = pd.DataFrame(rows, columns=list(COLUMNS)) if rows else pd.DataFrame(columns=list(COLUMNS))
    for col in ("value", "ci_low", "ci_high"):
        df[col] = pd.to_numeric(df[col])
    return df


def warn_incomplete(path, rows: list[dict]) -> None:
    """One line on stderr where ``rows`` (of results.jsonl ``path``) lack metrics its run's
    manifest.json lists for a cell (a row deleted, a torn line): a board would otherwise show
    one language fewer, silently. Rerunning the run's command computes those cells again."""
    want = RunDir(Path(path).parent).manifest()["cells"]
    got: dict[str, set] = {}
    for r in rows:
        got.setdefault(cell_key(r.get("train_lang", ""), r.get("test_lang", ""), r.get("query_lang", ""),
                                r.get("shots"), r.get("seed")), set()).add(r.get("metric"))
    lacking = {k: sorted(set(m) - got.get(k, set())) for k, m in want.items()}
    lacking = {k: m for k, m in lacking.items() if m}
    if lacking:
        n = len(lacking)
        name = lambda k: "→".join(p for p in k.split("|") if p not in ("", "-"))  # noqa: E731 (train→test)
        shown = "; ".join(f"{name(k)}: {', '.join(m)} missing" for k, m in list(lacking.items())[:3])
        print(f"xling: warning: {path}: {n} cell{'s' if n > 1 else ''} incomplete ({shown}{'; ...' if n > 3 else ''}); "
              f"rerun the run's command to compute {'them' if n > 1 else 'it'} again", file=sys.stderr)


SAMPLE_COLUMNS = ("run_id", "model", "task", "setting", "train_lang", "test_lang", "query_lang", "shots", "seed", "id",
                  "score", "gold", "pred", "input")


def samples(*paths) -> pd.DataFrame:
    """Per-item predictions of one or more runs (same arguments as ``frame``): one row per
    (run, cell, item) with the item's contribution to the task's main metric (``score``), its
    gold and predicted values and its input where the run kept it. Fewshot cells carry their
    ``shots`` and ``seed``. Model, task and setting come from each run's config.json."""
    parts = [part for rd in run_dirs(*(paths or ("runs",))) for part in _run_samples(rd)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=list(SAMPLE_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(SAMPLE_COLUMNS)]


def _run_samples(rd: RunDir) -> list[pd.DataFrame]:
    cfg = rd.config()
    if cfg is None:
        return []  # a results.jsonl outside a run directory: no per-item scores
    out = []
    for cell, sf in rd.samples():
        items = read_jsonl(sf)
        for i, r in enumerate(items, 1):
            if not isinstance(r, dict) or "id" not in r or not isinstance(r.get("score"), (int, float)):
                raise XlingError(f"{sf}:{i}: a sample needs an 'id' and a numeric 'score'")
        out.append(pd.DataFrame({
            "run_id": rd.path.name, "model": cfg.get("model", ""), "task": cfg.get("task", ""),
            "setting": cfg.get("setting", ""), "train_lang": cell.train_lang, "test_lang": cell.test_lang,
            "query_lang": cell.query_lang, "shots": "" if cell.shots is None else cell.shots,
            "seed": "" if cell.seed is None else cell.seed, "id": [str(r["id"]) for r in items],
            "score": [float(r["score"]) for r in items], "gold": [_plain(r.get("gold")) for r in items],
            "pred": [_plain(r.get("pred")) for r in items], "input": [_plain(r.get("input")) for r in items]}))
    return out


def _plain(value):
    """Scalars as they are; lists and dicts (QA spans, NER tags) as compact JSON text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, ensure_ascii=False)


def task_info(*paths) -> dict[str, tuple[str, str]]:
    """task -> (main metric, 'higher'|'lower'), from the runs' config.json (runs written before
    configs recorded them are left out: the reader falls back to the metric registry)."""
    out: dict[str, tuple[str, str]] = {}
    for rd in run_dirs(*(paths or ("runs",))):
        cfg = rd.config() or {}
        if cfg.get("task") and cfg.get("main_metric"):
            out.setdefault(cfg["task"], (cfg["main_metric"], cfg.get("better", "higher")))
    return out
