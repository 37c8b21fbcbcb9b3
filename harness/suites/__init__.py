"""Named suites: lists of (task, setting[, train language]) in one small TOML file each, run
with ``xling run --suite NAME --model M``."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from ..errors import XlingError


@dataclass(frozen=True)
class Entry:
    task: str
    setting: str
    train_lang: str = ""


def names() -> list[str]:
    return sorted(p.name.removesuffix(".toml") for p in resources.files(__name__).iterdir()
                  if p.name.endswith(".toml"))


def load(name: str) -> tuple[str, list[Entry]]:
    """(description, entries) of the suite called ``name`` (a built-in one, or a path to a TOML file)."""
    path = resources.files(__name__) / f"{name}.toml"
    if not path.is_file():
        from pathlib import Path

        path = Path(name)
        if not path.is_file():
            raise XlingError(f"unknown suite {name!r} (known: {', '.join(names())}; or a path to a .toml file)")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        entries = [Entry(r["task"], r["setting"], r.get("train_lang", "")) for r in doc["run"]]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as e:
        raise XlingError(f"{path}: not a suite (a [[run]] list of task, setting, train_lang): {e}") from None
    return str(doc.get("description", name)), entries
