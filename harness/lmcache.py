"""Every language-model request, cached content-addressed: ``CachedLanguageModel`` wraps a
``LanguageModel`` and answers each request from the text cache (``textcache.TextStore``, the
SQLite file of the embedding cache) where it can, sending only the misses to the model, in
chunks committed as soon as they are computed: a rerun makes zero model calls, a killed run
resumes where it stopped.

Key = sha256(model name with revision, request kind with the model's ``cache_params`` (its
protocol, dtype and window for ``hf-causal``; so two protocols never share an entry), the
request). Values are JSON: ``[logprob, is_greedy, truncated]``, ``[logprob, n_tokens]``,
``[text, truncated]``. ``model_calls`` and ``hits`` count requests sent to the model and
answered by the cache (on ``counter``: the wrapper itself, or the model the runner reports on);
``truncated`` counts requests (cached or not) that lost tokens on the left to fit the model's
window.

Truncation flags: a backend's ``loglikelihood_flags`` gives them per request (``hf-causal``,
``openai``); a model that only counts them in an integer ``truncated`` attribute has a chunk
whose count rises asked again one request at a time to learn which were cut; a model with
neither gets ``None`` (unknown). Non-finite log-likelihoods and wrong answer counts are refused.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence

from . import textcache
from .errors import Partial, XlingError
from .textcache import TextStore

COUNTER = "truncated"


def _count(model) -> int | None:
    value = getattr(model, COUNTER, None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _counted_flags(model, part: list[tuple[str, str]]) -> list[tuple[float, bool, bool | None]]:
    """Log-likelihoods of ``part`` with flags learnt from the model's truncation counter."""
    before = _count(model)
    out = list(model.loglikelihood(part))
    _check(model, out, len(part))
    if before is None:
        return [(lp, g, None) for lp, g in out]
    delta = _count(model) - before
    if delta == 0 or len(part) == 1:
        return [(lp, g, delta > 0) for lp, g in out]
    flags = []
    for request in part:
        start = _count(model)
        model.loglikelihood([request])
        flags.append(_count(model) > start)
    return [(lp, g, f) for (lp, g), f in zip(out, flags)]


def _check(model, out, n: int) -> None:
    if len(out) != n:
        raise XlingError(f"model {model.name} returned {len(out)} log-likelihoods for {n} requests")
    bad = next((i for i, row in enumerate(out) if not math.isfinite(float(row[0]))), None)
    if bad is not None:
        raise XlingError(f"model {model.name} returned log-likelihood {out[bad][0]} for request {bad}")


class CachedLanguageModel:
    def __init__(self, model, store: TextStore, chunk: int = 2048, counter=None):
        self.model, self.store, self.chunk = model, store, int(chunk)
        self.counter = self if counter is None else counter  # where model_calls and hits are tallied
        self.name = model.name
        self.cache_params = getattr(model, "cache_params", "")
        self.model_calls = 0
        self.hits = 0
        self.truncated = 0

    def __getattr__(self, attr):  # the wrapped model's other attributes (window, tokenizer ...)
        if attr == "model":
            raise AttributeError(attr)
        return getattr(self.model, attr)

    def _kind(self, what: str) -> str:
        return f"{what}|{self.cache_params}"

    def loglikelihood_flags(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool, bool | None]]:
        """(log-likelihood, is greedy, was truncated: None if the model cannot say) per request."""
        reqs = [(str(c), str(x)) for c, x in requests]
        flags = getattr(self.model, "loglikelihood_flags", None)

        def row(lp, g, t) -> str:
            return json.dumps([float(lp), bool(g), None if t is None else bool(t)])

        def compute(idx: list[int]) -> list[str]:
            part = [reqs[i] for i in idx]
            try:
                got = list(flags(part)) if flags else _counted_flags(self.model, part)
            except Partial as e:  # keep what was received (checked as a full answer is)
                _check(self.model, list(e.done.values()), len(e.done))
                if flags is None and _count(self.model) is not None:
                    raise e.cause from None  # which answers were truncated is unknown: keep none
                raise e.map(lambda _, v: row(v[0], v[1], v[2] if flags else None)) from None
            _check(self.model, got, len(part))
            return [row(lp, g, t) for lp, g, t in got]

        payloads = [json.dumps([c, x], ensure_ascii=False) for c, x in reqs]
        out = [tuple(json.loads(v)) for v in textcache.cached(self.store, self.counter, self._kind("loglikelihood"),
                                                                payloads, compute, self.chunk)]
        self.truncated += sum(bool(t) for _, _, t in out)
        return out  # type: ignore[return-value]

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        return [(lp, g) for lp, g, _ in self.loglikelihood_flags(requests)]

    def loglikelihood_rolling(self, texts: Sequence[str]) -> list[tuple[float, int]]:
        texts = [str(t) for t in texts]

        def compute(idx: list[int]) -> list[str]:
            try:
                got = list(self.model.loglikelihood_rolling([texts[i] for i in idx]))
            except Partial as e:
                _check(self.model, list(e.done.values()), len(e.done))
                raise e.map(lambda _, v: json.dumps([float(v[0]), int(v[1])])) from None
            _check(self.model, got, len(idx))
            return [json.dumps([float(lp), int(n)]) for lp, n in got]

        vals = textcache.cached(self.store, self.counter, self._kind("loglikelihood_rolling"), texts, compute,
                                self.chunk)
        return [tuple(json.loads(v)) for v in vals]  # type: ignore[misc]

    def generate(self, prompts: Sequence[str], until: Sequence[str] = (), max_tokens: int = 64) -> list[str]:
        prompts, until = [str(p) for p in prompts], [str(u) for u in until]
        flags = getattr(self.model, "generate_flags", None)

        def compute(idx: list[int]) -> list[str]:
            part = [prompts[i] for i in idx]
            try:
                got = flags(part, until, max_tokens) if flags else [
                    (t, False) for t in self.model.generate(part, until=until, max_tokens=max_tokens)]
            except Partial as e:
                raise e.map(lambda _, t: json.dumps([str(t), False], ensure_ascii=False)) from None
            return [json.dumps([str(t), bool(c)], ensure_ascii=False) for t, c in got]

        kind = self._kind(f"generate_until|max_tokens={int(max_tokens)}|until={json.dumps(until, ensure_ascii=False)}")
        out = [json.loads(v) for v in textcache.cached(self.store, self.counter, kind, prompts, compute, self.chunk)]
        self.truncated += sum(bool(c) for _, c in out)
        return [t for t, _ in out]
