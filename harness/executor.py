"""Where a run's model work happens: one interface, two implementations.

The driver (``xling.runner``) plans the cells, looks every text up in the cache, writes
every result and commits every cache entry. An executor only computes:

* ``encode(job, shards)``: embeddings of the cache misses, in shards of (role, texts),
  yielded as each shard finishes, in any order (the driver commits each one as it comes);
* ``solve(job, cells)``: the cells whose solver calls the model itself (QA spans, NER tags,
  NLI heads, generation), yielded as ``(index in cells, Scored)`` in any order.

``LocalExecutor`` (the default, no Ray) does both in this process, in order: exactly what a
run always did. ``xling.executor_ray.RayExecutor`` (``ExecutorConfig(kind="ray")``, extra
``xling[ray]``) spreads them over model actors on a Ray cluster; Ray is imported there only.
``xling.execution`` opens the one a configuration names.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .cache import Shard
from .errors import XlingError

KINDS = ("local", "ray")


@dataclass(frozen=True)
class ExecutorConfig:
    """How and where model work runs: what ``--executor``, ``--ray-address``, ``--workers`` and
    ``--gpus-per-worker`` say.

    ``address``: None starts a private local Ray instance; ``auto`` joins the cluster this
    machine belongs to (``ray start``); ``ray://host:10001`` connects through Ray Client.
    ``workers``: model actors per model (default: as many as the cluster's CPUs, or GPUs when
    ``gpus_per_worker`` > 0, allow). ``shard_size``: texts per encode request.
    ``parallel_runs``: runs of one multi-run command in flight at once (Ray only)."""

    kind: str = "local"
    address: str | None = None
    workers: int | None = None
    gpus_per_worker: float = 0.0
    cpus_per_worker: float = 1.0
    shard_size: int = 256
    max_retries: int = 3  # times one shard or cell may lose its worker before the run stops
    parallel_runs: int = 8
    connect_timeout: float = 5.0  # seconds to reach a cluster's address before giving up

    @classmethod
    def from_flags(cls, executor: str | None = "local", ray_address: str | None = None, workers: int | None = None,
                   gpus_per_worker: float | None = None) -> "ExecutorConfig":
        """The configuration ``--executor``, ``--ray-address``, ``--workers`` and
        ``--gpus-per-worker`` ask for (flags not given: None)."""
        return cls(kind=executor or "local", address=ray_address, workers=workers,
                   gpus_per_worker=0.0 if gpus_per_worker is None else float(gpus_per_worker))

    def __post_init__(self):
        if self.kind not in KINDS:
            raise XlingError(f"--executor {self.kind!r}: expected one of {', '.join(KINDS)}")
        if self.kind == "local" and (self.address is not None or self.workers is not None or self.gpus_per_worker):
            raise XlingError("--ray-address, --workers and --gpus-per-worker apply to --executor ray only")
        for name, value, least in (("--workers", self.workers, 1), ("--gpus-per-worker", self.gpus_per_worker, 0),
                                   ("cpus_per_worker", self.cpus_per_worker, 0), ("shard_size", self.shard_size, 1),
                                   ("parallel_runs", self.parallel_runs, 1), ("max_retries", self.max_retries, 0)):
            if value is not None and value < least:
                raise XlingError(f"{name} must be at least {least}, got {value}")
        if self.address is not None and not str(self.address).strip():
            raise XlingError("--ray-address is empty: give auto, host:port or ray://host:10001")


@dataclass(frozen=True)
class ModelRef:
    """How a worker builds the run's model: its spec and backend options (``plugins.load_model``),
    or, for a model object made by hand, the object itself (sent to workers as is)."""

    name: str
    spec: str | None = None
    options: Mapping = field(default_factory=dict)
    obj: object = field(default=None, compare=False, repr=False)

    def load(self, **overrides):
        if self.spec is None:
            return self.obj
        from . import plugins

        return plugins.load_model(self.spec, **{**self.options, **overrides})


def model_ref(model) -> ModelRef:
    """The ModelRef of a loaded model (``plugins.load_model`` records its spec and options)."""
    from . import plugins

    spec = plugins.spec_of(model)
    if spec is None:
        return ModelRef(model.name, obj=model)
    return ModelRef(model.name, spec[0], dict(spec[1]))


class Executor(Protocol):
    kind: str

    def encode(self, job, shards: list[Shard]) -> Iterator[tuple[Shard, np.ndarray]]: ...

    def solve(self, job, cells: list) -> Iterator[tuple[int, object]]: ...

    def close(self) -> None: ...


class LocalExecutor:
    """Everything in this process, in order: the behaviour of a run without an executor."""

    kind = "local"
    sort_by_length = False  # shards in the texts' own order, as runs have always encoded them

    def __init__(self, config: ExecutorConfig | None = None):
        self.config = config or ExecutorConfig()

    def shard_size(self, batch_size: int) -> int:
        return batch_size  # one model call per shard, as the embedding cache always batched

    def encode(self, job, shards: Iterable[Shard]) -> Iterator[tuple[Shard, np.ndarray]]:
        for shard in shards:
            yield shard, job.model.encode(list(shard.texts), shard.role)

    def solve(self, job, cells: list) -> Iterator[tuple[int, object]]:
        from . import solve

        for i, cell in enumerate(cells):
            yield i, solve.solve(job.task, job.cached, cell, job.ctx)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


LOCAL = LocalExecutor()
