"""Tasks and model backends, found through entry points: one door for built-ins and plugins.

A package adds tasks or backends without touching xling by declaring, in its pyproject.toml:

```toml
[project.entry-points."xling.tasks"]
mytask = "mypkg.mytask:TASK"          # a Task, or a callable returning several

[project.entry-points."xling.models"]
mybackend = "mypkg.backend:BACKEND"   # an xling.models.Backend, or a callable returning several
```

xling's own tasks and backends come through the same door (its pyproject declares
``builtin = "xling.tasks:builtin"`` and ``builtin = "xling.models:builtin"``); those two
callables collect every ``TASK`` in ``xling/tasks/*.py`` and every ``BACKEND`` in
``xling/models/*.py``, so a new built-in task or backend is one file.
"""
from __future__ import annotations

import difflib
import functools
from importlib import metadata

from .errors import XlingError
from .models import Backend
from .task import Task

TASKS_GROUP, MODELS_GROUP = "xling.tasks", "xling.models"


def _provided(group: str, kind: type) -> list:
    """Everything the entry points of ``group`` provide: objects of ``kind``, or callables
    returning an iterable of them."""
    out = []
    for ep in sorted(metadata.entry_points(group=group), key=lambda e: (e.name != "builtin", e.name)):
        try:
            obj = ep.load()
        except Exception as e:  # a broken plugin must not break xling: say which
            raise XlingError(f"entry point {ep.name!r} ({ep.value}) in group {group} does not load: "
                             f"{type(e).__name__}: {e}") from e
        try:
            items = [obj] if isinstance(obj, kind) else list(obj()) if callable(obj) else None
        except Exception as e:
            raise XlingError(f"entry point {ep.name!r} ({ep.value}) in group {group} failed: "
                             f"{type(e).__name__}: {e}") from e
        if items is None or not all(isinstance(i, kind) for i in items):
            raise XlingError(f"entry point {ep.name!r} ({ep.value}) in group {group} gives no {kind.__name__}")
        out.extend(items)
    return out


@functools.cache
def tasks() -> dict[str, Task]:
    """Every task by name (built-ins first; a plugin cannot replace a built-in's name)."""
    out: dict[str, Task] = {}
    for t in _provided(TASKS_GROUP, Task):
        out.setdefault(t.name, t)
    return out


@functools.cache
def backends() -> dict[str, Backend]:
    out: dict[str, Backend] = {}
    for b in _provided(MODELS_GROUP, Backend):
        out.setdefault(b.name, b)
    return out


def task_names() -> list[str]:
    return sorted(tasks())


def get_task(name: str) -> Task:
    """The task called ``name`` (any case; '-' and '_' ignored), or a one-line error with suggestions."""
    known = tasks()
    if name in known:
        return known[name]

    def fold(s: str) -> str:
        return str(s).lower().replace("-", "").replace("_", "")

    folded = {fold(k): k for k in known}
    key = fold(name)
    if key in folded:
        return known[folded[key]]
    close = difflib.get_close_matches(key, list(folded), n=3)
    hint = f"; did you mean {', '.join(folded[c] for c in close)}?" if close else ""
    raise XlingError(f"unknown task {name!r}{hint} (known: {', '.join(sorted(known))})")


def backend(spec: str) -> Backend:
    kind = spec.partition(":")[0]
    found = backends()
    if kind not in found:
        usage = ", ".join(found[k].usage for k in sorted(found))
        close = difflib.get_close_matches(kind.lower(), list(found), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise XlingError(f"unknown model {spec!r}{hint} (known: {usage})")
    return found[kind]


# resource hints every backend may ignore; any other option a backend's factory does not name
# (num_beams, dtype, base_url ...) is refused rather than silently dropped
HINTS = ("threads", "device", "batch_size", "max_input_tokens", "token_budget")


def load_model(spec: str, **options):
    """Build the model a spec names (``<backend>[:<arg>]``): ``options`` are the backend's
    (threads, device, batch_size, dtype, trust_remote_code, base_url ...)."""
    import inspect

    kind, _, arg = spec.partition(":")
    b = backend(spec)
    params = inspect.signature(b.make).parameters
    swallow = [p for p in params.values() if p.kind is inspect.Parameter.VAR_KEYWORD and p.name.startswith("_")]
    if swallow:  # the factory drops what it does not name: say so instead
        unknown = sorted(k for k, v in options.items() if v is not None and k not in params and k not in HINTS)
        if unknown:
            flags = ", ".join("--" + k.replace("_", "-") for k in unknown)
            raise XlingError(f"model {spec} does not take {flags} (see: xling list models)")
    model = b.make(arg, **options)
    try:  # remembered so an executor's workers can build the same model (xling.executor)
        model._xling_spec = (spec, dict(options))
    except AttributeError:  # a model that takes no attributes is sent to workers as an object
        pass
    return model


def spec_of(model) -> tuple[str, dict] | None:
    """(spec, options) a model was loaded with by ``load_model``; None for one made by hand."""
    return getattr(model, "_xling_spec", None)
