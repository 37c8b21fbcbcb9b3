"""The only module that touches data files and the `datasets` library.

Two doors:

* ``Local(root)``: a directory holding each dataset in its original published format
  (the tests and CI use ``../shared/data``). Reading it sets the Hugging Face offline
  flags so nothing waits on a network.
* ``Hub(load_dataset=...)``: the Hugging Face hub through ``datasets.load_dataset`` at a
  pinned revision (a task's ``hub_revision``, a 40-hex commit; ``None`` means not pinned
  yet, and the door refuses). ``load_dataset`` is injectable so the mapping can be tested
  offline.

Readers here turn every file problem (missing, empty, truncated, bad quoting, invalid
UTF-8, wrong columns) into a one-line ``DataError`` naming the file and line.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import netcheck
from .core import Example
from .errors import DataError, XlingError

DATA_ENV = "XLING_DATA"


def data_dir(arg: str | os.PathLike | None = None) -> Path | None:
    """The local mirror chosen by ``--data-dir`` or ``XLING_DATA``; None means the hub."""
    value = arg if arg not in (None, "") else os.environ.get(DATA_ENV) or None
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise XlingError(f"data directory {str(path)!r} does not exist (from --data-dir or {DATA_ENV})")
    return path


def source_for(arg: str | os.PathLike | None = None):
    """Local mirror if one is configured, else the hub."""
    root = data_dir(arg)
    return Local(root) if root is not None else Hub()


def set_offline() -> None:
    """A local mirror is in use: make `datasets`/`huggingface_hub` never touch the network."""
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ[var] = "1"


_HASHES: dict[tuple[str, int, int], str] = {}


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes (memoised on path, size and mtime)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


@dataclass(frozen=True)
class Local:
    root: Path

    def paths(self, task, lang: str, split: str) -> tuple[Path, ...]:
        rels = task.local_files(task.native(lang), split)
        paths = tuple(self.root / r for r in rels)
        for r, p in zip(rels, paths):
            if not p.is_file():
                raise DataError(p, f"missing data file for {task.name} {lang} {split}{self._too_deep(r)}")
        return paths

    def _too_deep(self, rel) -> str:
        """A hint when the mirror is one level up (``--data-dir ../shared/data/sib-200``): the
        given directory is the dataset's own folder, or its parent holds the file."""
        top = Path(rel).parts[0]
        if self.root.name == top or (self.root.parent / rel).is_file():
            return f"; did you mean --data-dir {self.root.parent}?"
        return ""

    def load(self, task, lang: str, split: str) -> list[Example]:
        set_offline()
        paths = self.paths(task, lang, split)
        examples = list(task.read_local(paths, lang, split))
        if not examples:
            raise DataError(paths[0], f"no examples for {task.name} {lang} {split}")
        return unique_ids(examples)

    def signature(self, task, lang: str, split: str) -> str:
        h = hashlib.sha256()
        for p in self.paths(task, lang, split):
            h.update(file_hash(p).encode())
        return "sha256:" + h.hexdigest()[:16]


def _hf_load_dataset(*args, **kwargs):
    """``datasets.load_dataset``, offline at once (local cache only) where the hub cannot be reached."""
    online = netcheck.ensure_or_offline()
    try:
        import datasets
    except ImportError as e:  # pragma: no cover - datasets is a core dependency
        raise XlingError("the hub door needs the `datasets` package: pip install datasets") from e
    try:
        return datasets.load_dataset(*args, **kwargs)
    except Exception as e:
        if online:
            raise
        host = netcheck.endpoint()[0]
        raise XlingError(f"cannot reach the Hugging Face hub ({host}) and {args[0]} is not in the local datasets "
                         f"cache; set --data-dir or {DATA_ENV} to a local mirror") from e


def _hf_download(repo: str, filename: str, revision: str) -> str:
    from huggingface_hub import hf_hub_download

    return hf_hub_download(repo, filename, repo_type="dataset", revision=revision)


@dataclass(frozen=True)
class Hub:
    load_dataset: Callable = field(default=_hf_load_dataset)
    download: Callable = field(default=_hf_download)  # (repo, file, revision) -> local path: hub_files tasks

    def rows(self, task, lang: str, split: str):
        config, hub_split = task.hub_config(task.native(lang), split)
        _check_pinned(task)
        try:
            return self.load_dataset(task.hub_id, config, split=hub_split, revision=task.hub_revision)
        except XlingError:
            raise
        except Exception as e:  # network down, unknown config...: one line, no traceback
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise XlingError(
                f"could not load {task.hub_id} config {config!r} split {hub_split!r} from the hub "
                f"({msg}); set --data-dir or {DATA_ENV} to a local mirror"
            ) from e

    def files(self, task, lang: str, split: str) -> tuple[Path, ...]:
        """The upstream files ``task.hub_files`` names, downloaded at the pinned revision."""
        paths = []
        for name in task.hub_files(task.native(lang), split):
            try:
                paths.append(Path(self.download(task.hub_id, name, task.hub_revision)))
            except XlingError:
                raise
            except Exception as e:  # network down, file missing ...: one line
                msg = str(e).splitlines()[0] if str(e) else type(e).__name__
                raise XlingError(f"could not download {name} of {task.hub_id}@{task.hub_revision} ({msg}); "
                                 f"set --data-dir or {DATA_ENV} to a local mirror") from e
        return tuple(paths)

    def load(self, task, lang: str, split: str) -> list[Example]:
        if getattr(task, "hub_files", None) is not None:  # raw upstream files: the local reader reads them
            examples = list(task.read_local(self.files(task, lang, split), lang, split))
            if not examples:
                raise XlingError(f"{task.hub_id}: no examples for {task.name} {lang} {split}")
            return unique_ids(examples)
        examples = list(task.read_hub(self.rows(task, lang, split), lang, split))
        if not examples:
            raise XlingError(f"{task.hub_id}: no examples for {task.name} {lang} {split}")
        return unique_ids(examples)

    def signature(self, task, lang: str, split: str) -> str:
        task.hub_config(task.native(lang), split)  # a door that refuses says so before any signature
        _check_pinned(task)
        return f"hf:{task.hub_id}@{task.hub_revision}"


def _check_pinned(task) -> None:
    """A task whose hub revision is not pinned yet (None) has no hub door."""
    if task.hub_revision is None:
        raise XlingError(f"{task.name}: the hub revision of {task.hub_id} is not pinned yet, so there is no hub "
                         f"door; set --data-dir or {DATA_ENV} to a local mirror")


def unique_ids(examples: list[Example]) -> list[Example]:
    """Refuse duplicate example ids: predictions and paired tests are matched by id."""
    seen: dict[str, str] = {}
    for e in examples:
        if e.id in seen:
            raise XlingError(f"{e.source}: duplicate id {e.id!r} (first seen at {seen[e.id]})")
        seen[e.id] = e.source
    return examples


# ---------------------------------------------------------------------------- readers


def _text(path: Path) -> str:
    """Whole file as text; invalid UTF-8 names the line; a BOM is dropped."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(path, f"cannot read: {e.strerror or e}") from e
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise DataError(path, f"broken gzip data ({e})") from e
    if not raw.strip():
        raise DataError(path, "file is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise DataError(path, f"invalid UTF-8 (byte {raw[e.start]:#04x})", line) from e


def read_tsv(path: Path, columns: tuple[str, ...], quoted: bool = True) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a tab-separated file with a header naming at least ``columns``.

    ``quoted`` reads CSV-style quoting (SIB-200, MasakhaNEWS); yields (line number, row).
    """
    text = _text(path)
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=quoting, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as e:
        raise DataError(path, f"no header line ({e})" if str(e) else "no header line", 1) from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(path, f"header lacks column(s) {', '.join(missing)} (found {', '.join(header)})", 1)
    idx = [header.index(c) for c in columns]
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            if "field larger than field limit" in str(e):  # csv's own words: a quote left open, say
                raise DataError(path, f"a field is larger than csv's limit of {csv.field_size_limit():,} characters "
                                      "(an unclosed quote, or not a text file?)", start) from None
            raise DataError(path, f"broken quoting ({e})", start) from None
        if not fields or fields == [""]:
            continue
        if len(fields) != len(header):
            raise DataError(path, f"expected {len(header)} tab-separated fields, found {len(fields)}", start)
        yield start, {c: fields[i] for c, i in zip(columns, idx)}


def read_lines(path: Path) -> list[str]:
    """Lines of a plain text file (no trailing newline characters, CRLF tolerated)."""
    text = _text(path)
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def check_labels(path: Path, line: int, label: str, allowed: Mapping | tuple) -> str:
    if label not in allowed:
        raise DataError(path, f"unknown label {label!r} (expected one of {', '.join(sorted(allowed))})", line)
    return label


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) of each non-blank line of a JSON Lines file (CRLF tolerated)."""
    import json

    for i, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(path, f"not valid JSON ({e.msg})", i) from None
        if not isinstance(obj, dict):
            raise DataError(path, f"expected a JSON object, found {type(obj).__name__}", i)
        yield i, obj


def field(path, line: int, row: Mapping, name: str):
    """``row[name]``, or a one-line DataError naming the file, line and missing field."""
    try:
        return row[name]
    except KeyError:
        raise DataError(path, f"missing field {name!r}", line) from None


def hub_field(where: str, row: Mapping):
    """A getter of a hub row's fields: a missing one is a one-line error naming ``where``
    (dataset, language, split and row), as ``field`` names the file and line."""
    def get(name: str):
        if name not in row:
            raise XlingError(f"{where}: missing field {name!r}")
        return row[name]
    return get


def read_parquet(path: Path) -> list[dict]:
    """The rows of a Parquet file (the hub's own layout) as dicts; a broken file is one line."""
    try:
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    except ImportError as e:  # pragma: no cover - pyarrow comes with datasets
        raise XlingError("reading Parquet needs pyarrow (pip install pyarrow)") from e
    except Exception as e:  # ArrowInvalid, OSError ...: name the file
        raise DataError(path, f"not a readable Parquet file ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
