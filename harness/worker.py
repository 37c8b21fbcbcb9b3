"""A model worker: what runs inside each Ray actor of ``xling.executor_ray`` (plain Python,
no Ray import: the executor wraps it with ``ray.remote``).

It loads the model once from its ``ModelRef`` (spec and options, pinned to the actor's GPU
by Ray's ``CUDA_VISIBLE_DEVICES``) and then, as often as asked:

* ``encode(role, texts, batch_size)``: one shard of cache misses -> float32 rows;
* ``solve(job, cell, entries, absent)``: one cell whose solver calls the model itself,
  with ``ctx.store`` a ``remote_store.WorkerStore`` (never the SQLite file): returns
  ``("done", scored, writes, counts)``, or ``("need", table, keys)`` when the solver
  asked the cache for keys the driver has not answered yet (see ``xling.remote_store``).

Bad model output or data (``XlingError``) comes back as ``("error", message)``: a one-line
error the driver raises as is (exceptions with extra constructor arguments do not always
survive pickling); from ``solve``, with the cell's new cache entries as a third item (the
answers an HTTP model received before a request failed for good), which the driver commits
first. Anything else is a crash and propagates.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .errors import XlingError
from .remote_store import NeedEntries, WorkerStore

COUNTERS = ("model_calls", "hits")  # tallies the runner reports; a worker sends its deltas back
KEEP_JOBS = 4  # contexts (loaded data) a worker keeps for runs it may serve again


@dataclass(frozen=True)
class RemoteJob:
    """What a worker needs to solve a run's cells besides the model: the task, the data door
    as the driver resolved it, and the run's seed, item limit and solver options."""

    key: str  # unique per run: the worker's context (memoised data) is kept per key
    task: object
    source: object
    seed: int = 0
    limit: int | None = None
    options: dict = field(default_factory=dict)


class ModelWorker:
    def __init__(self, ref, overrides: dict | None = None):
        self.model, self.error = None, None
        try:
            self.model = ref.load(**(overrides or {}))
        except XlingError as e:  # reported by ready(): one line, not a dead actor's traceback
            self.error = str(e)
        self._jobs: OrderedDict[str, tuple[object, WorkerStore]] = OrderedDict()

    def ready(self) -> tuple[str, str]:
        """("done", the loaded model's name) (the driver checks it is its own: same versions
        everywhere), or ("error", why the model did not load)."""
        return ("error", self.error) if self.error is not None else ("done", self.model.name)

    def encode(self, role: str, texts, batch_size: int):
        from .models import check_output

        texts = list(texts)
        out = []
        try:
            for i in range(0, len(texts), batch_size):
                part = texts[i:i + batch_size]
                out.append(check_output(self.model.name, part, self.model.encode(part, role)))
        except XlingError as e:
            return ("error", str(e))
        return ("done", np.concatenate(out) if out else np.zeros((0, 0), np.float32))

    def solve(self, job: RemoteJob, cell, entries: dict, absent: dict):
        from . import solve

        ctx, store = self._context(job)
        store.begin(entries, absent)
        before = {c: getattr(self.model, c, 0) for c in COUNTERS}
        try:
            scored = solve.solve(job.task, self.model, cell, ctx)
        except NeedEntries as need:
            return ("need", need.table, need.keys)
        except XlingError as e:  # with the answers the model gave before it failed: the driver keeps them
            return ("error", str(e), store.writes)
        counts = {c: getattr(self.model, c, 0) - before[c] for c in COUNTERS if hasattr(self.model, c)}
        return ("done", scored, store.writes, counts)

    def _context(self, job: RemoteJob):
        from .solvers.base import Context

        if job.key not in self._jobs:
            store = WorkerStore(f"driver cache of run {job.key}")
            ctx = Context(source=job.source, seed=job.seed, limit=job.limit, store=store, options=dict(job.options))
            self._jobs[job.key] = (ctx, store)
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
        self._jobs.move_to_end(job.key)
        return self._jobs[job.key]
