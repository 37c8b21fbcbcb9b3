"""Atomic writes and safe names: a reader never sees a half-written file."""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from .errors import XlingError

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+=-]{0,199}$")


def safe_name(value: str, what: str = "name") -> str:
    """A single path component made only of safe characters (no '/', no '..')."""
    if not _SAFE.match(value) or value in (".", ".."):
        raise XlingError(f"invalid {what} {value!r}: use letters, digits and . _ + = - (no path separators)")
    return value


def slug(value: str) -> str:
    """Turn any string (a model spec, say) into a safe path component."""
    s = re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._+=-]+", "-", value)).strip("-.") or "x"
    return s[:120]


def write_atomic(path: Path, text: str) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise XlingError(f"cannot write {str(path)!r}: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise XlingError(f"cannot write {str(path)!r}: {e.strerror or e}; earlier results are untouched") from e


def write_jsonl(path: Path, rows) -> None:
    write_atomic(path, "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise XlingError(f"{path}:{i}: not valid JSON ({e.msg})") from None
    return rows
