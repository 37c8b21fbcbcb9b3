"""LanguageModel requests through the cache: the one place the multiple-choice, prompted and
language-modelling solvers ask a LanguageModel for log-likelihoods. Every request goes through
``xling.lmcache.CachedLanguageModel`` (content-addressed in the run's text cache, truncation
flags kept beside each answer); calls and hits are tallied on the model the runner reports on.
"""
from __future__ import annotations

from collections.abc import Sequence

from .. import textcache
from ..errors import XlingError
from ..lmcache import CachedLanguageModel


def store(ctx):
    """The run's text store (the SQLite file of the embedding cache)."""
    if ctx.store is None:
        raise XlingError("language-model scoring needs a cache store (ctx.store)")
    return ctx.memo(("textstore", str(ctx.store.path)), lambda: textcache.TextStore.beside(ctx.store))


CHUNK = 256  # requests per model call, committed to the cache together


def cached(ctx, model) -> CachedLanguageModel:
    """``model`` through the cache, in chunks of ``CHUNK`` requests, or fewer where the model
    asks for smaller commits (``commit_batch``: an HTTP backend, whose answers arrive one by
    one, so that an interrupted run loses at most one small batch)."""
    chunk = min(CHUNK, int(getattr(model, "commit_batch", None) or CHUNK))
    return ctx.memo(("lmcache", id(model)), lambda: CachedLanguageModel(model, store(ctx), chunk=chunk, counter=model))


def loglikelihood(ctx, model, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool, bool | None]]:
    """(log-likelihood, is greedy, was truncated or None) of each (context, continuation)."""
    return cached(ctx, model).loglikelihood_flags(requests)


def loglikelihood_rolling(ctx, model, texts: Sequence[str]) -> list[tuple[float, int]]:
    """(total log-likelihood, tokens scored) of each text."""
    return [(ll, int(n)) for ll, n in cached(ctx, model).loglikelihood_rolling(texts)]
