"""Runs -> one tidy long pandas DataFrame (the table leaderboards and analyses read)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import XlingError
from .io import read_jsonl
from .runner import COLUMNS


def _result_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if (path / "results.jsonl").is_file():
        return [path / "results.jsonl"]
    if path.is_dir():
        return sorted(path.glob("*/results.jsonl"))
    raise XlingError(f"no results at {str(path)!r} (expected a run directory, a runs/ directory or results.jsonl)")


def frame(*paths) -> pd.DataFrame:
    """Rows of one or more runs (a run dir, a directory of runs, or results.jsonl files)."""
    rows: list[dict] = []
    for p in paths or ("runs",):
        for f in _result_files(Path(p)):
            rows.extend(read_jsonl(f))
    df = pd.DataFrame(rows, columns=list(COLUMNS)) if rows else pd.DataFrame(columns=list(COLUMNS))
    for col in ("value", "ci_low", "ci_high"):
        df[col] = pd.to_numeric(df[col])
    return df


SAMPLE_COLUMNS = ("run_id", "model", "task", "setting", "train_lang", "test_lang", "query_lang", "id", "score")


def samples(*paths) -> pd.DataFrame:
    """Per-item scores of one or more runs (same arguments as ``frame``): one row per
    (run, cell, item) with the item's contribution to the task's main metric. Cells are
    read from ``samples/<train>__<test>[__q-<query>].jsonl``; model, task and setting
    from the run's ``config.json``."""
    import json

    parts: list[pd.DataFrame] = []
    for p in paths or ("runs",):
        for f in _result_files(Path(p)):
            run = f.parent
            try:
                cfg = json.loads((run / "config.json").read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue  # a results.jsonl outside a run directory: no per-item scores
            for sf in sorted((run / "samples").glob("*.jsonl")):
                train, _, rest = sf.stem.partition("__")
                test, _, query = rest.partition("__q-")
                items = read_jsonl(sf)
                for i, r in enumerate(items, 1):
                    if not isinstance(r, dict) or "id" not in r or not isinstance(r.get("score"), (int, float)):
                        raise XlingError(f"{sf}:{i}: a sample needs an 'id' and a numeric 'score'")
                parts.append(pd.DataFrame({
                    "run_id": run.name, "model": cfg.get("model", ""), "task": cfg.get("task", ""),
                    "setting": cfg.get("setting", ""), "train_lang": "" if train == "-" else train,
                    "test_lang": test, "query_lang": query, "id": [str(r["id"]) for r in items],
                    "score": [float(r["score"]) for r in items]}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=list(SAMPLE_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(SAMPLE_COLUMNS)]
