"""xling: a multilingual evaluation harness.

``xling.evaluate(task, model, **options)`` runs an evaluation and returns a report whose
``frame()`` is the tidy results table; ``load_model``, ``get_task`` and ``list_tasks`` are
the rest of the small public API (``xling.api``). Nothing heavy is imported until used.
"""

from .version import __version__
__all__ = ["evaluate", "load_model", "get_task", "list_tasks", "__version__"]


def __getattr__(name):
    if name in ("evaluate", "load_model", "get_task", "list_tasks"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'xling' has no attribute {name!r}")
