"""Task plugins: one module per task, each defining ``TASK``. ``REGISTRY`` lists them."""
from __future__ import annotations

import importlib

from xling.errors import XlingError

# name -> module; a new task is one file here plus one line in this table.
MODULES = {
    "sib200": "xling.tasks.sib200",
    "tatoeba": "xling.tasks.tatoeba",
    "americasnli": "xling.tasks.americasnli",
    "xnli": "xling.tasks.xnli",
    "masakhanews": "xling.tasks.masakhanews",
    "xquad": "xling.tasks.xquad",
    "masakhaner": "xling.tasks.masakhaner",
    "masakhaner1": "xling.tasks.masakhaner1",
    "wikiann": "xling.tasks.wikiann",
    "lareqa": "xling.tasks.lareqa",
    "miracl": "xling.tasks.miracl",
    "mrtydi": "xling.tasks.mrtydi",
}


def get(name: str):
    """The task called ``name`` (imported on demand)."""
    if name not in MODULES:
        import difflib

        close = difflib.get_close_matches(name, MODULES, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise XlingError(f"unknown task {name!r}{hint} (known: {', '.join(sorted(MODULES))})")
    return importlib.import_module(MODULES[name]).TASK


def names() -> list[str]:
    return sorted(MODULES)
