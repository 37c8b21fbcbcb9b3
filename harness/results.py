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
