"""xling's built-in tasks: one module per task, each defining ``TASK``.

``builtin()`` collects them; the ``xling.tasks`` entry point ``builtin`` points here, and
``xling.plugins`` reads that group (plugins' tasks included). A new task is one file here.
"""
from __future__ import annotations


def builtin() -> list:
    """The ``TASK`` of every module in this package."""
    import importlib
    import pkgutil

    return [importlib.import_module(f"{__name__}.{info.name}").TASK for info in pkgutil.iter_modules(__path__)
            if not info.name.startswith("_")]
