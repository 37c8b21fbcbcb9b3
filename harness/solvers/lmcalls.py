"""LanguageModel requests through the cache: the one place the multiple-choice, prompted and
language-modelling solvers ask a LanguageModel for log-likelihoods.

Each request is a row of the text cache (``xling.textcache``), keyed by the model's name (with
its revision) and the request, its value JSON; a rerun makes zero model calls and an
interrupted run keeps every finished chunk. (A request cache inside the model backends can
replace these two functions.)

Left-truncated contexts: a model that counts them in an integer attribute ``truncated`` has
each request's flag cached beside its log-likelihood. A chunk whose count rises by k > 0 over
more than one request is asked again one request at a time to learn which ones were cut (the
log-likelihoods are the chunk's); a model without the counter gets ``None`` flags.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence

from .. import textcache
from ..errors import XlingError

COUNTER = "truncated"


def store(ctx):
    """The run's text store (the SQLite file of the embedding cache)."""
    if ctx.store is None:
        raise XlingError("language-model scoring needs a cache store (ctx.store)")
    return ctx.memo(("textstore", str(ctx.store.path)), lambda: textcache.TextStore.beside(ctx.store))


def _count(model):
    value = getattr(model, COUNTER, None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _flags(model, part: list[tuple[str, str]], before) -> list:
    """Which requests of ``part`` (just scored) the model left-truncated."""
    if before is None:
        return [None] * len(part)
    delta = _count(model) - before
    if delta == 0 or len(part) == 1:
        return [delta > 0] * len(part)
    flags = []
    for request in part:
        start = _count(model)
        model.loglikelihood([request])
        flags.append(_count(model) > start)
    return flags


def loglikelihood(ctx, model, requests: Sequence[tuple[str, str]], chunk: int = 256) -> list[tuple[float, bool, bool | None]]:
    """(log-likelihood, is greedy, was truncated or None) of each (context, continuation)."""
    requests = [(str(c), str(x)) for c, x in requests]
    payloads = [json.dumps(r, ensure_ascii=False) for r in requests]

    def compute(idx):
        part = [requests[i] for i in idx]
        before = _count(model)
        out = list(model.loglikelihood(part))
        if len(out) != len(part):
            raise XlingError(f"model {model.name} returned {len(out)} log-likelihoods for {len(part)} requests")
        flags = _flags(model, part, before)
        bad = next((i for i, (ll, _) in enumerate(out) if not math.isfinite(float(ll))), None)
        if bad is not None:
            raise XlingError(f"model {model.name} returned log-likelihood {out[bad][0]} for {part[bad]!r:.80}")
        return [json.dumps([float(ll), bool(greedy), flag]) for (ll, greedy), flag in zip(out, flags)]

    kind = f"loglikelihood|{getattr(model, 'cache_params', '')}"
    return [tuple(json.loads(v)) for v in textcache.cached(store(ctx), model, kind, payloads, compute, chunk)]


def loglikelihood_rolling(ctx, model, texts: Sequence[str], chunk: int = 256) -> list[tuple[float, int]]:
    """(total log-likelihood, tokens scored) of each text."""
    texts = [str(t) for t in texts]

    def compute(idx):
        out = list(model.loglikelihood_rolling([texts[i] for i in idx]))
        if len(out) != len(idx):
            raise XlingError(f"model {model.name} returned {len(out)} rolling log-likelihoods for {len(idx)} texts")
        bad = next((j for j, (ll, _) in enumerate(out) if not math.isfinite(float(ll))), None)
        if bad is not None:
            raise XlingError(f"model {model.name} returned log-likelihood {out[bad][0]} for {texts[idx[bad]]!r:.80}")
        return [json.dumps([float(ll), int(n)]) for ll, n in out]

    kind = f"loglikelihood_rolling|{getattr(model, 'cache_params', '')}"
    return [(ll, int(n)) for ll, n in (json.loads(v) for v in textcache.cached(store(ctx), model, kind, texts, compute, chunk))]
