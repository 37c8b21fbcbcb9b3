"""``replay:<file>``: a Generator that answers from a file of completions, so that anyone can
score an API's, a colleague's or a paper's outputs offline, exactly as xling scores its own.

Two layouts:

* the Language Confusion Benchmark's ``outputs/*.csv``: columns ``id,model,completion,task,
  source,language``; the file's ``task`` is the LCB setting (``monolingual`` or
  ``crosslingual``) and the xling task is ``lcb``;
* JSON lines (``.jsonl``), one object per completion: ``task``, ``setting``, ``source``,
  ``language``, ``id``, ``completion`` (and optionally ``model``).

Matching: such files carry no prompt, so a completion answers the item with the same key
(task, setting, source, language, id), where ``source`` and ``language`` are the values the
test set's own file holds (LCB: ``aya_human_annotated``, ``ar``) and ``id`` is the item's
0-based row in its test-set file (verified on the LCB outputs: in every (task, source,
language) group of the 8 complete files the ids are exactly 0..n-1 for the n rows of the
test-set file, in order). The solver passes these keys (``generate_items``); ``generate(prompts)``
alone is refused.

A requested item with no completion is a one-line error naming the file, the item and how
many of the cell's items are missing. ``replay:<file>?allow-missing`` instead leaves them out
of the scores (as upstream's script does: it scores what the file holds) and says how many;
the option is part of the model's ``cache_params`` and so of every row's signature.

The model's name carries the file's content hash: ``replay:<model>@sha256:<8 hex>``, with
``<model>`` the file's ``model`` column (one value per file) or else the file's stem.
"""
from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from pathlib import Path

from ..data import read_jsonl
from ..errors import DataError, XlingError
from . import Backend

ALLOW_MISSING = "allow-missing"
CSV_COLUMNS = {"id", "model", "completion", "task", "source", "language"}
JSON_KEYS = ("task", "setting", "source", "language", "id", "completion")
Key = tuple[str, str, str, str, str]


def _read_csv(path: Path) -> tuple[dict[Key, str], set[str]]:
    table, models = {}, set()
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not CSV_COLUMNS <= set(reader.fieldnames):
            raise DataError(path, f"expected the LCB columns {', '.join(sorted(CSV_COLUMNS))}; got {reader.fieldnames}", 1)
        for row in reader:
            key = ("lcb", row["task"], row["source"], row["language"], str(row["id"]).strip())
            _put(table, key, row["completion"], path, reader.line_num)
            models.add(row["model"])
    return table, models


def _read_jsonl(path: Path) -> tuple[dict[Key, str], set[str]]:
    table, models = {}, set()
    for n, obj in read_jsonl(path):  # the data doors' reader: blank lines skipped, one line per bad one
        lacking = [k for k in JSON_KEYS if k not in obj]
        if lacking or not isinstance(obj["completion"], str):
            raise DataError(path, f"a completion needs {', '.join(JSON_KEYS)} (completion a string); "
                                  f"lacking: {', '.join(lacking) or 'a string completion'}", n)
        key = tuple(str(obj[k]) for k in JSON_KEYS[:5])
        _put(table, key, obj["completion"], path, n)
        if obj.get("model"):
            models.add(str(obj["model"]))
    return table, models


def _put(table: dict, key: Key, completion: str, path: Path, line: int) -> None:
    if key in table:
        raise DataError(path, f"a second completion for {' '.join(key[:4])} item {key[4]}", line)
    table[key] = completion


class Replay:
    """Completions read from a file, answered by item key."""

    commit_batch = 1 << 30

    def __init__(self, path: Path, allow_missing: bool = False):
        self.path = path
        if not path.is_file():
            raise XlingError(f"replay: no such file {path}")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        self.table, models = (_read_jsonl if path.suffix == ".jsonl" else _read_csv)(path)
        if len(models) > 1:
            raise DataError(path, f"completions of several models ({', '.join(sorted(models))}): one file per model")
        self.model = next(iter(models)) if models else path.stem
        self.name = f"replay:{self.model}@sha256:{digest[:8]}"
        self.sha256 = digest
        self.allow_missing = allow_missing
        self.cache_params = ALLOW_MISSING if allow_missing else ""

    def generate(self, prompts: Sequence[str], max_tokens: int = 64, **_) -> list[str]:
        raise XlingError(f"{self.name} answers items, not prompts: it replays {self.path}, whose completions are "
                         "matched by (task, setting, source, language, id); use it on a task whose solver passes "
                         "item keys (lcb)")

    def generate_items(self, keys: Sequence[Key], prompts: Sequence[str] = ()) -> list[str | None]:
        out = [self.table.get(tuple(k)) for k in keys]
        missing = [k for k, o in zip(keys, out) if o is None]
        if missing and not self.allow_missing:
            k = missing[0]
            raise XlingError(f"{self.path}: no completion for {k[0]} {k[1]} source {k[2]} language {k[3]} item {k[4]}"
                             f" ({len(missing)} of the {len(keys)} items of this cell have none); "
                             f"replay:{self.path}?{ALLOW_MISSING} leaves missing items out of the scores")
        return out


def make(arg: str, threads=None, device=None, batch_size=None, **_options) -> Replay:
    """``replay:<file>[?allow-missing]``."""
    path, _, flag = arg.partition("?")
    if flag not in ("", ALLOW_MISSING):
        raise XlingError(f"replay:{arg}: unknown option {flag!r} (known: ?{ALLOW_MISSING})")
    if not path:
        raise XlingError("replay needs a file: replay:<completions.csv|.jsonl>[?allow-missing]")
    return Replay(Path(path).expanduser(), allow_missing=bool(flag))


BACKEND = Backend("replay", make, ("Generator",), offline=True,
                  usage="replay:<completions.csv|.jsonl>[?allow-missing]",
                  summary="answers from a file of completions (the LCB outputs/*.csv layout, or JSON lines)")
