"""The cache as a worker sees it: entries the driver sent, never the SQLite file.

Solvers whose model is not an Encoder (QA spans, NER tags) cache what the model computes
through ``ctx.store``: ``get(keys)`` first, the model for the misses, ``put`` of the new
entries (``solvers/tag.py``; ``textcache`` for texts). On a worker, ``ctx.store`` is a
``WorkerStore``: a read-through, write-back proxy of the driver's cache, so that only the
driver ever opens the SQLite file (one writer; no SQLite over a network file system).

The protocol, one cell at a time:

1. The driver sends the cell with the entries it already looked up for it (none at first).
2. The solver's ``get`` asks for keys: those the driver sent, or said it does not have,
   are answered here; any other key stops the cell with ``NeedEntries(table, keys)``
   (before the model is called: solvers look up before they compute).
3. The driver looks those keys up in its cache and sends the cell again with the found
   entries (and the rest marked absent); the worker's memoised data make the retry cheap.
4. ``put`` keeps the new entries in memory; they go back with the cell's result and the
   driver commits them (one transaction) before it writes the cell's samples and rows.

A worker that dies mid-cell loses only that cell's new entries; a rerun recomputes them.
Two tables, as in the SQLite file: ``emb`` (``cache.EmbeddingStore``: key -> float32
vector) and ``texts`` (``textcache.TextStore``: key -> text, with the model's name).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

TABLES = ("emb", "texts")


class NeedEntries(Exception):
    """A solver asked for cache keys the driver has not answered yet."""

    def __init__(self, table: str, keys: list[bytes]):
        super().__init__(f"{len(keys)} {table} keys")
        self.table, self.keys = table, keys


@dataclass
class Writes:
    """New entries a cell computed: committed by the driver."""

    emb: list[tuple[bytes, np.ndarray]] = field(default_factory=list)
    texts: list[tuple[str, bytes, str]] = field(default_factory=list)  # (model name, key, text)

    def __len__(self) -> int:
        return len(self.emb) + len(self.texts)


class WorkerStore:
    """``EmbeddingStore``'s ``get``/``put`` over entries the driver sent; ``text_store()``
    gives ``TextStore``'s over the same (``textcache.TextStore.beside`` asks for it)."""

    def __init__(self, label: str = "driver"):
        self.path = f"<{label}>"  # what solvers memoise a store by; never opened
        self.known: dict[str, dict[bytes, object]] = {t: {} for t in TABLES}
        self.absent: dict[str, set[bytes]] = {t: set() for t in TABLES}
        self.writes = Writes()
        self._texts = _TextView(self)

    def begin(self, entries: dict[str, dict], absent: dict[str, set]) -> None:
        """Start (or restart) a cell with the driver's answers; new entries start empty."""
        for t in TABLES:
            self.known[t].update(entries.get(t, {}))
            self.absent[t] = set(absent.get(t, ())) - set(self.known[t])
        self.writes = Writes()

    def lookup(self, table: str, keys: Sequence[bytes]) -> dict:
        known, absent = self.known[table], self.absent[table]
        ask = [k for k in dict.fromkeys(keys) if k not in known and k not in absent]
        if ask:
            raise NeedEntries(table, ask)
        return {k: known[k] for k in keys if k in known}

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        return self.lookup("emb", keys)

    def put(self, keys: Sequence[bytes], vectors) -> None:
        for k, v in zip(keys, vectors):
            v = np.ascontiguousarray(v, dtype=np.float32)
            self.known["emb"][k] = v
            self.writes.emb.append((k, v))

    def text_store(self) -> "_TextView":
        return self._texts


class _TextView:
    """``TextStore``'s interface on a ``WorkerStore``."""

    def __init__(self, owner: WorkerStore):
        self.owner, self.path = owner, owner.path

    def get(self, keys: Sequence[bytes]) -> dict[bytes, str]:
        return self.owner.lookup("texts", keys)

    def put(self, model: str, items: Sequence[tuple[bytes, str]]) -> None:
        for k, v in items:
            self.owner.known["texts"][k] = v
            self.owner.writes.texts.append((model, k, v))

    def close(self) -> None:
        pass


class DriverCache:
    """The driver's side: answers a worker's ``NeedEntries`` from the SQLite cache and commits
    a cell's ``Writes`` (the driver is the cache's only writer)."""

    def __init__(self, store):
        self.store = store  # cache.EmbeddingStore
        self._texts = None

    def texts(self):
        if self._texts is None:
            from .textcache import TextStore

            self._texts = TextStore.beside(self.store)
        return self._texts

    def answer(self, table: str, keys: list[bytes]) -> tuple[dict, set]:
        """(found entries, keys the cache does not hold)."""
        found = (self.store if table == "emb" else self.texts()).get(keys)
        return found, set(keys) - set(found)

    def commit(self, writes: Writes) -> None:
        if writes.emb:
            keys, vecs = zip(*writes.emb)
            self.store.put(list(keys), list(vecs))  # tag vectors differ in length: a list, not a matrix
        by_model: dict[str, list] = {}
        for model, k, v in writes.texts:
            by_model.setdefault(model, []).append((k, v))
        for model, items in by_model.items():
            self.texts().put(model, items)
