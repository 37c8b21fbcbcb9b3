"""Cached model outputs that are text: generated completions, translations and extracted answer spans.

They live in the same SQLite file as the embeddings (``cache.EmbeddingStore.path``), in a
table of their own, keyed by sha256(model name with revision, what was asked and its
parameters, input). The key never contains a server address: the same model served from
another URL hits the same entries. Each chunk of outputs is committed as soon as it is
computed, so an interrupted run keeps what it finished; a rerun makes no model calls.

Every entry carries a checksum (``cache.checksum`` of key and value, column ``h``) checked on
read; a damaged entry is a miss, computed again and overwritten (one warning line with the
count). Entries written before checksums are checked for non-finite numbers only (``_finite``).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from .cache import checksum, checksum_ok, open_db, select, warn_damaged, write
from .errors import Partial, XlingError


def key(model: str, kind: str, payload: str) -> bytes:
    return hashlib.sha256(f"{model}\x00{kind}\x00{payload}".encode()).digest()


class _NotFinite(ValueError):
    pass


def _not_finite(constant: str):
    raise _NotFinite(constant)


def _finite(v: str) -> bool:
    """What is checked of an entry written before checksums: a JSON value holding NaN or
    Infinity (a log-likelihood, a count) is damaged; anything else, plain text included, is
    taken as it is (a plain text that is exactly ``NaN`` is computed again, once)."""
    if "NaN" not in v and "Infinity" not in v:
        return True
    try:
        json.loads(v, parse_constant=_not_finite)
    except _NotFinite:
        return False
    except ValueError:
        return True  # not JSON: a translation or a completion that mentions them
    return True


class TextStore:
    """(key -> text) rows in table ``texts`` of the embedding cache's SQLite file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = open_db(self.path, "texts", "k BLOB PRIMARY KEY, model TEXT NOT NULL, v TEXT NOT NULL")
        self.damaged = 0  # entries read back damaged (then treated as misses)

    @classmethod
    def beside(cls, store) -> "TextStore":
        """The text store in the same file as an ``EmbeddingStore`` (a store that brings its
        own, as a worker's ``remote_store.WorkerStore`` does, gives that one)."""
        own = getattr(store, "text_store", None)
        return own() if own is not None else cls(store.path)

    def get(self, keys: Sequence[bytes]) -> dict[bytes, str]:
        found: dict[bytes, str] = {}
        bad = 0
        for rows in select(self._db, self.path, "SELECT k, v, h FROM texts WHERE k IN ({marks})", keys):
            for k, v, h in rows:
                if checksum_ok(k, v.encode(), h) if h is not None else _finite(v):
                    found[k] = v
                else:
                    bad += 1
        self.damaged += bad
        warn_damaged(self.path, bad)
        return found

    def put(self, model: str, items: Sequence[tuple[bytes, str]]) -> None:
        rows = [(k, model, v, checksum(k, v.encode())) for k, v in items]
        write(self._db, self.path, "INSERT OR REPLACE INTO texts (k, model, v, h) VALUES (?, ?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()


def _count(model, calls: int, hits: int) -> None:
    """Tally model calls and cache hits on the model (the runner reports them)."""
    model.model_calls = getattr(model, "model_calls", 0) + calls
    model.hits = getattr(model, "hits", 0) + hits


def _cached(store: TextStore, model, kind: str, payloads: Sequence[str], compute: Callable[[list[int]], list[str]],
            chunk: int) -> list[str]:
    keys = [key(model.name, kind, p) for p in payloads]
    found = store.get(keys)
    todo: dict[bytes, int] = {}
    for i, k in enumerate(keys):
        if k not in found and k not in todo:
            todo[k] = i
    _count(model, 0, len(keys) - len(todo))
    items = list(todo.items())
    for j in range(0, len(items), chunk):
        part = items[j:j + chunk]
        try:
            out = compute([i for _, i in part])
        except Partial as e:
            need = len(set(keys))
            _keep(store, model, part, e, have=need - len(items) + j, need=need)
        if len(out) != len(part):
            raise XlingError(f"model {model.name} returned {len(out)} outputs for {len(part)} inputs")
        store.put(model.name, [(k, v) for (k, _), v in zip(part, out)])
        found.update((k, v) for (k, _), v in zip(part, out))
        _count(model, len(part), 0)
    return [found[k] for k in keys]


def _keep(store: TextStore, model, part: list, failure: Partial, have: int, need: int) -> None:
    """Store the outputs a failed chunk did receive, then raise its cause with how many of the
    ``need`` answers asked for are now in the cache (``have`` were before this chunk)."""
    got = [(part[i][0], v) for i, v in sorted(failure.done.items())]
    if got:
        store.put(model.name, got)
        _count(model, len(got), 0)
    raise XlingError(f"{failure.cause} ({have + len(got)} of the {need} answers asked for are in the cache: rerun "
                     "the same command to resume; it sends only the requests not answered yet)") from None


def generate(store: TextStore, model, prompts: Sequence[str], max_tokens: int = 64, chunk: int = 64,
             until: Sequence[str] = ()) -> list[str]:
    """``model.generate`` through the cache. The key holds the model's name, its
    ``cache_params`` (API flavour, sampling settings), ``max_tokens``, the stop strings
    ``until`` (passed only when given: a ``LanguageModel`` stops at them) and the prompt."""
    kind = f"generate|{getattr(model, 'cache_params', '')}|max_tokens={max_tokens}"
    extra = {}
    if until:
        kind += f"|until={json.dumps(list(until), ensure_ascii=False)}"
        extra["until"] = list(until)
    prompts = list(prompts)
    return _cached(store, model, kind, prompts,
                   lambda idx: list(model.generate([prompts[i] for i in idx], max_tokens=max_tokens, **extra)), chunk)


def translate(store: TextStore, model, texts: Sequence[str], src: str, tgt: str, chunk: int = 64) -> list[str]:
    """``model.translate(texts, src, tgt)`` through the cache (a ``Translator``). The key holds
    the model's name, its ``cache_params`` (decoding settings), the direction and the text."""
    kind = f"translate|{getattr(model, 'cache_params', '')}|{src}>{tgt}"
    texts = list(texts)
    return _cached(store, model, kind, texts, lambda idx: list(model.translate([texts[i] for i in idx], src, tgt)),
                   chunk)


def extract(store: TextStore, model, questions: Sequence[str], contexts: Sequence[str],
            chunk: int = 256) -> list[tuple[str, int]]:
    """``model.extract`` through the cache: (answer text, start character) per item."""
    qs, cs = list(questions), list(contexts)
    payloads = [json.dumps([q, c], ensure_ascii=False) for q, c in zip(qs, cs)]

    def compute(idx):
        spans = model.extract([qs[i] for i in idx], [cs[i] for i in idx])
        return [json.dumps([str(t), int(s)], ensure_ascii=False) for t, s in spans]

    out = _cached(store, model, f"extract|{getattr(model, 'cache_params', '')}", payloads, compute, chunk)
    return [tuple(json.loads(v)) for v in out]


def cached(store: TextStore, model, kind: str, payloads: Sequence[str], compute: Callable[[list[int]], list[str]],
           chunk: int = 256) -> list[str]:
    """Any model output that is text (JSON), through the cache: ``compute(indices)`` returns the
    outputs of ``payloads[i]`` for those indices; only payloads not cached are computed."""
    return _cached(store, model, kind, list(payloads), compute, chunk)
