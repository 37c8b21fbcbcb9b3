"""The Ray executor: model work spread over a pool of model actors per model.

``RayExecutor(config)`` connects to a cluster (or starts a private local Ray instance) and,
per model a run needs, starts ``config.workers`` actors (``xling.worker.ModelWorker``, each
holding ``cpus_per_worker`` CPUs and ``gpus_per_worker`` GPUs; it loads the model once).
Work streams: each actor has at most ``DEPTH`` requests queued, results come back through
``ray.wait`` as they finish, and the driver commits each one before it asks for more.

Faults: an actor that dies (killed, out of memory, its node lost) fails the requests it
held: each goes back in the queue (at most ``max_retries`` times) and a new actor takes the
dead one's place. A request is only the shard or cell in flight, so a death costs at most
that. An address where no Ray server answers is a one-line ``XlingError`` within
``connect_timeout`` seconds (a TCP, then gRPC, probe before Ray's own, much longer, retries).

Ray is imported here only (``xling.execution.open_executor`` imports this module for
``--executor ray``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ray

from .errors import XlingError
from .cache import Shard
from .executor import ExecutorConfig, ModelRef
from .remote_store import TABLES, DriverCache
from .worker import COUNTERS, ModelWorker, RemoteJob

DEPTH = 2  # requests queued per actor: the next is waiting when one finishes
POLL = 0.1  # seconds between looks for a free actor while requests wait for one
LOST = (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError, ray.exceptions.OutOfMemoryError,
        ray.exceptions.NodeDiedError, ray.exceptions.ObjectLostError, ray.exceptions.LocalRayletDiedError)


def _probe(address: str, timeout: float) -> None:
    """Fail fast (one line) when nothing answers at a cluster's address."""
    target = address
    if address == "auto":
        try:
            from ray._private import services

            target = services.canonicalize_bootstrap_address("auto")
        except Exception as e:  # ConnectionError: no running cluster found
            raise XlingError(f"--ray-address auto: no running Ray cluster found ({e}); start one with "
                             "'ray start --head' or omit --ray-address for a local Ray instance") from None
        if target is None:
            raise XlingError("--ray-address auto: no running Ray cluster found; start one with 'ray start --head'")
    host, _, port = target.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise XlingError(f"--ray-address {address!r}: expected auto, host:port or ray://host:port")
    where = address if target == address else f"{address} ({target})"
    hint = "is it running ('ray start --head')? omit --ray-address for a local Ray instance"
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        raise XlingError(f"cannot reach the Ray cluster at {where}: {e.strerror or e}; {hint}") from None
    if not _speaks_grpc(f"{host}:{port}", timeout):  # Ray's servers (GCS, Ray Client) are gRPC servers
        raise XlingError(f"cannot reach the Ray cluster at {where}: no Ray server answered within {timeout:g} s; "
                         f"{hint}")


def _speaks_grpc(target: str, timeout: float) -> bool:
    """Whether an HTTP/2 (gRPC) server answers at ``target``: a port that accepts TCP but is
    not Ray's would otherwise hold ``ray.init`` in its retries for half a minute."""
    try:
        import grpc
    except ImportError:  # Ray itself will say what is missing
        return True
    if os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
        return True  # a TLS server does not answer a plain channel; leave it to Ray
    channel = grpc.insecure_channel(target)
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
        return True
    except grpc.FutureTimeoutError:
        return False
    finally:
        channel.close()


def connect(config: ExecutorConfig) -> bool:
    """Join (or start) Ray; True if this call started it (and so ``close`` shuts it down)."""
    if config.address is not None:
        _probe(config.address, config.connect_timeout)
    if ray.is_initialized():  # this process already joined a cluster (a notebook, the tests): use it
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    kw = dict(log_to_driver=False, logging_level=logging.WARNING)
    if config.address is None:
        kw.update(address="local", include_dashboard=False)
    else:
        kw.update(address=config.address)
    try:
        ray.init(**kw)
    except (ConnectionError, ValueError, RuntimeError, TimeoutError) as e:
        raise XlingError(_why(config.address, e)) from None
    return True


def _why(address: str | None, error: Exception) -> str:
    """One line for a failed ``ray.init``; a token refused (Ray's token authentication) says so."""
    where = address or "a local Ray instance"
    chain, cause = [], error
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    refused = any(isinstance(c, ray.exceptions.AuthenticationError) or "InvalidAuthToken" in str(c) for c in chain)
    first = str(error).splitlines()
    line = f"cannot start or join {where}: {first[0] if first else type(error).__name__}"
    if refused:
        return line + ("; the cluster refused this driver's token: set RAY_AUTH_MODE=token and the cluster's "
                       "token (RAY_AUTH_TOKEN or ~/.ray/auth_token)")
    if (address or "").startswith("ray://"):
        return line + "; a cluster with token authentication needs RAY_AUTH_MODE=token and its token here too"
    return line


@dataclass(eq=False)
class _Item:
    """One request: a shard or a cell, with its attempts and (cells) the driver's cache answers."""

    index: int
    payload: object
    attempts: int = 0
    prefer: object = None  # the actor to send it to next (a cell continuing where its data is loaded)
    entries: dict = field(default_factory=lambda: {t: {} for t in TABLES})
    absent: dict = field(default_factory=lambda: {t: set() for t in TABLES})


class _Pool:
    """The actors of one model: started lazily, replaced when they die, killed when unused."""

    def __init__(self, ref: ModelRef, config: ExecutorConfig, size: int):
        self.ref, self.config, self.size = ref, config, size
        self.lock = threading.Lock()
        self.ready: dict[object, int] = {}  # actor -> requests queued on it
        self.starting: dict[object, object] = {}  # ready() ref -> actor
        self.users = 0
        self.lost = 0
        self.closed = False
        self._ids = itertools.count()
        self._cls = ray.remote(ModelWorker)

    def _options(self) -> dict:
        opts = {}
        if "threads" not in self.ref.options:
            opts["threads"] = max(1, int(self.config.cpus_per_worker))
        if self.config.gpus_per_worker and "device" not in self.ref.options:
            opts["device"] = "cuda"  # the GPU Ray gave this actor (CUDA_VISIBLE_DEVICES)
        return opts

    def fill(self) -> None:
        """Start actors up to the pool's size (they load the model in the background)."""
        with self.lock:
            if self.closed:
                raise XlingError("the Ray executor was closed while a run was using it")
            missing = self.size - len(self.ready) - len(self.starting)
            for _ in range(missing):
                name = f"xling-worker-{uuid.uuid4().hex[:8]}-{next(self._ids)}"
                actor = self._cls.options(
                    name=name, num_cpus=self.config.cpus_per_worker, num_gpus=self.config.gpus_per_worker,
                    max_restarts=0, max_task_retries=0).remote(self.ref, self._options())
                self.starting[actor.ready.remote()] = actor

    def started(self, ready_ref) -> None:
        """An actor's ``ready()`` came back: it is usable, or it could not load the model."""
        with self.lock:
            actor = self.starting.pop(ready_ref, None)
        if actor is None:
            return
        try:
            status, name = ray.get(ready_ref)
        except LOST as e:
            if getattr(e, "actor_init_failed", False):  # the model's constructor crashed: no retry helps
                why = [line for line in str(e).splitlines() if line.strip()][-1]
                raise XlingError(f"a worker could not load model {self.ref.name}: {why}") from None
            with self.lock:
                self.starting[ready_ref] = actor  # so that died() counts and replaces it
            self.died(actor)  # killed while loading
            return
        if status == "error":
            raise XlingError(f"a worker could not load model {self.ref.name}: {name}")
        if name != self.ref.name:
            raise XlingError(f"a worker loaded model {name}, the driver {self.ref.name}: install the same xling and "
                             "model package versions on every node")
        with self.lock:
            self.ready[actor] = 0

    def pick(self, prefer=None):
        """A ready actor with room in its queue (``prefer`` if it is still alive), or None."""
        with self.lock:
            if prefer is not None and prefer in self.ready:
                choice = prefer
            else:
                free = [a for a, n in self.ready.items() if n < DEPTH]
                choice = min(free, key=self.ready.get) if free else None
            if choice is not None:
                self.ready[choice] += 1
            return choice

    def done(self, actor) -> None:
        with self.lock:
            if actor in self.ready:
                self.ready[actor] -= 1

    def died(self, actor) -> int:
        """Forget a dead actor; a new one takes its place unless too many have died. Returns 1
        the first time an actor is reported dead, 0 after."""
        with self.lock:
            if self.ready.pop(actor, None) is None and actor not in self.starting.values():
                return 0  # already counted
            self.starting = {r: a for r, a in self.starting.items() if a is not actor}
            self.lost += 1
            lost, limit = self.lost, (self.config.max_retries + 1) * self.size
        if lost > limit:
            raise XlingError(f"{lost} workers of model {self.ref.name} died (out of memory?); giving up")
        self.fill()
        return 1

    def waiting(self) -> list:
        with self.lock:
            return list(self.starting)

    def kill(self) -> None:
        with self.lock:
            actors = list(self.ready) + list(self.starting.values())
            self.ready, self.starting, self.closed = {}, {}, True
        for actor in actors:
            ray.kill(actor, no_restart=True)


def _stream(pool: _Pool, queue: deque, submit, max_retries: int,
            stats: Counter) -> Iterator[tuple[_Item, object, object]]:
    """Send queued items to the pool's actors, ``DEPTH`` per actor, and yield (item, result,
    actor) as results arrive. An item whose actor died goes back to the front of the queue.
    The caller may append items to ``queue`` between results (a cell asking for cache entries).
    ``stats`` counts requests sent, ``retried`` and ``lost_workers``."""
    inflight: dict[object, tuple[_Item, object]] = {}
    while queue or inflight:
        while queue:
            actor = pool.pick(queue[0].prefer)
            if actor is None:
                break
            item = queue.popleft()
            inflight[submit(actor, item.payload, item)] = (item, actor)
            stats["requests"] += 1
        waitable = list(inflight) + pool.waiting()
        if not waitable:  # every actor is busy with other runs' requests: look again shortly
            pool.fill()
            time.sleep(POLL)
            continue
        # with work queued, wake up now and then: another run may have freed an actor, or
        # made one ready whose start this run was not the one to see
        done, _ = ray.wait(waitable, num_returns=1, timeout=POLL if queue else None)
        for ref in done:
            if ref not in inflight:
                pool.started(ref)
                continue
            item, actor = inflight.pop(ref)
            pool.done(actor)
            try:
                result = ray.get(ref)
            except LOST:
                stats["lost_workers"] += pool.died(actor)
                stats["retried"] += 1
                item.attempts, item.prefer = item.attempts + 1, None
                if item.attempts > max_retries:
                    raise XlingError(f"a request of model {pool.ref.name} lost its worker {item.attempts} times "
                                     "(out of memory?); giving up") from None
                queue.appendleft(item)
                continue
            except ray.exceptions.RayTaskError as e:
                cause = e.cause if isinstance(e.cause, Exception) else e
                if type(cause).__name__ == "OutOfMemoryError":  # torch's CUDA OOM: the same shard fails anywhere
                    raise XlingError(f"model {pool.ref.name} ran out of GPU memory on a request of {_size_of(item)}: "
                                     f"{str(cause).splitlines()[0]}; try a smaller --batch-size") from None
                raise cause from None
            if result[0] == "error" and len(result) == 2:  # a failed cell (with its writes) goes to solve()
                raise XlingError(result[1])
            yield item, result, actor


def _size_of(item: _Item) -> str:
    texts = getattr(item.payload, "texts", None)
    return f"{len(texts)} texts" if texts is not None else "one cell"


class RayExecutor:
    """Model work on Ray actors (see the module docstring); one per command, shared by its runs."""

    kind = "ray"
    sort_by_length = True  # shards of similar lengths: little padding in each model batch

    def __init__(self, config: ExecutorConfig):
        self.config = config
        self._owns = connect(config)
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.stats: Counter = Counter()  # requests, retried, lost_workers: over the executor's life

    def shard_size(self, batch_size: int) -> int:
        return max(self.config.shard_size, batch_size)

    def _size(self) -> int:
        """Actors per model: ``--workers``, else what the cluster's resources hold."""
        res = ray.cluster_resources()
        gpw, cpw = self.config.gpus_per_worker, self.config.cpus_per_worker
        if gpw > res.get("GPU", 0) or cpw > res.get("CPU", 0):
            raise XlingError(f"the Ray cluster has {res.get('CPU', 0):g} CPUs and {res.get('GPU', 0):g} GPUs; a worker "
                             f"needs {cpw:g} CPUs and {gpw:g} GPUs (--gpus-per-worker)")
        if self.config.workers:
            return self.config.workers
        return max(1, int(res.get("GPU", 0) // gpw) if gpw else int(res.get("CPU", 0) // max(cpw, 1e-9)))

    @staticmethod
    def _key(ref: ModelRef) -> str:
        if ref.spec is None:
            return f"{ref.name}#{id(ref.obj)}"
        return json.dumps([ref.name, ref.spec, sorted(ref.options.items())], default=str)

    @contextlib.contextmanager
    def hold(self, ref: ModelRef):
        """Keep a model's actors alive across several uses (the runs of one model in a
        multi-run command); they start at first use and stop when the last holder leaves."""
        with self._lock:
            if self._closed:
                raise XlingError("the Ray executor is closed")
            key = self._key(ref)
            pool = self._pools.get(key) or self._pools.setdefault(key, _Pool(ref, self.config, self._size()))
            pool.users += 1
        try:
            yield pool
        finally:
            with self._lock:
                pool.users -= 1
                if pool.users == 0 and self._pools.get(key) is pool:
                    del self._pools[key]
                    pool.kill()

    def encode(self, job, shards: list[Shard]) -> Iterator[tuple[Shard, object]]:
        batch = job.run.batch_size
        with self.hold(job.ref) as pool:
            pool.fill()
            queue = deque(_Item(i, s) for i, s in enumerate(shards))
            submit = lambda actor, s, _item: actor.encode.remote(s.role, s.texts, batch)  # noqa: E731
            for item, result, _ in _stream(pool, queue, submit, self.config.max_retries, self.stats):
                yield item.payload, result[1]

    def solve(self, job, cells: list) -> Iterator[tuple[int, object]]:
        ctx = job.ctx
        source = ctx.source
        if isinstance(getattr(source, "root", None), Path):  # a local mirror: the same absolute path on every node
            source = dataclasses.replace(source, root=source.root.resolve())
        remote = ray.put(RemoteJob(uuid.uuid4().hex, job.task, source, ctx.seed, ctx.limit, dict(ctx.options)))
        cache = DriverCache(ctx.store)
        with self.hold(job.ref) as pool:
            pool.fill()
            queue = deque(_Item(i, c) for i, c in enumerate(cells))
            submit = lambda actor, cell, it: actor.solve.remote(remote, cell, it.entries, it.absent)  # noqa: E731
            for item, result, actor in _stream(pool, queue, submit, self.config.max_retries, self.stats):
                if result[0] == "need":
                    _answer(cache, item, result[1], result[2])
                    item.prefer = actor  # its data are loaded there
                    queue.appendleft(item)
                    continue
                if result[0] == "error":  # the answers the cell's model received before it failed are kept
                    cache.commit(result[2])
                    raise XlingError(result[1])
                _, scored, writes, counts = result
                cache.commit(writes)
                for name in COUNTERS:
                    if name in counts:
                        setattr(job.model, name, getattr(job.model, name, 0) + counts[name])
                yield item.index, scored

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.kill()
        if self._owns and ray.is_initialized():
            ray.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _answer(cache: DriverCache, item: _Item, table: str, keys: list) -> None:
    """Add the driver's cache entries for ``keys`` to a cell's request."""
    if all(k in item.entries[table] or k in item.absent[table] for k in keys):
        raise XlingError(f"a worker asked again for {len(keys)} cache keys it was given (table {table})")
    found, absent = cache.answer(table, keys)
    item.entries[table].update(found)
    item.absent[table] |= absent
