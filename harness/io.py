"""Atomic writes and safe names: a reader never sees a half-written file."""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

from .errors import XlingError

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+=-]*$")
MAX_NAME = 200  # characters of a name: a path component (255 bytes at most) with room for a temporary file's


def safe_name(value: str, what: str = "name") -> str:
    """A single path component made only of safe characters (no '/', no '..'), at most ``MAX_NAME`` long."""
    if not _SAFE.match(value) or value in (".", ".."):
        raise XlingError(f"invalid {what} {value!r}: use letters, digits and . _ + = - (no path separators)")
    if len(value) > MAX_NAME:
        raise XlingError(f"invalid {what} {value!r}: {len(value)} characters, at most {MAX_NAME}")
    return value


def slug(value: str) -> str:
    """Turn any string (a model spec, say) into a safe path component."""
    s = re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._+=-]+", "-", value)).strip("-.") or "x"
    return s[:120]


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file (0666 less the umask): mkstemp's 0600
    would leave results and the static site unreadable to a web server or a colleague."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (str as UTF-8, or bytes) to ``path`` through a temporary file in the same
    directory, fsync'd and renamed over it: readers see the old file or the new, never half."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise XlingError(f"cannot write {str(path)!r}: {e.strerror or e}") from e
    try:
        os.fchmod(fd, _file_mode())
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
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


def read_jsonl(path: Path, torn_ok: bool = False) -> list[dict]:
    """The rows of a JSON Lines file. A line that is not JSON is a one-line error naming it,
    except, where ``torn_ok``, the last line when it does not end with a newline: what a
    killed writer can leave. That line is dropped, with one warning line on stderr."""
    rows = []
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    for i, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                if torn_ok and i == len(lines) and not line.endswith("\n"):
                    print(f"xling: warning: {path}:{i}: a torn last line (an interrupted write) is left out; "
                          "its cell is computed again by a rerun", file=sys.stderr)
                    continue
                raise XlingError(f"{path}:{i}: not valid JSON ({e.msg})") from None
    return rows


def read_json(path: Path, kind: type = dict):
    """A JSON file that must hold a ``kind`` (an object by default): one line naming the file
    where it is damaged (truncated, not JSON) or holds something else."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise XlingError(f"{path} is damaged (not UTF-8: {e.reason})") from None
    except json.JSONDecodeError as e:
        raise XlingError(f"{path} is damaged or truncated ({e.msg} at line {e.lineno}); remove it, or the "
                         "run directory, and rerun") from None
    if not isinstance(value, kind):
        raise XlingError(f"{path} holds a JSON {type(value).__name__}, not the {kind.__name__} xling writes there; "
                         "remove it, or the run directory, and rerun")
    return value
