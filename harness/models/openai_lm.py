"""Log-likelihoods from an OpenAI-compatible completions endpoint, the way
lm-evaluation-harness scores a vLLM server: each prompt is posted with ``echo=true,
logprobs=1, max_tokens=1, temperature=0`` and the answer's per-token log-probabilities of
the prompt itself are read back.

With a tokenizer (``--tokenizer``: the served model's), prompts are token ids built by
``xling.lmreq`` exactly as ``hf-causal`` builds them (same trailing-space move, empty-context
prefix token, left truncation to the window, rolling windows), and the continuation is the
last ``len(continuation)`` prompt tokens: the numbers equal ``hf-causal``'s on the same
checkpoint. A prompt holds up to ``window + 1`` tokens and the server generates one more, so
the window defaults to the model's (``config.json`` beside the tokenizer) minus 2: requests
that fit it score exactly as in ``hf-causal``; pass ``max_length`` (the window) to change it.

Without a tokenizer, prompts are text (``context + continuation``, trailing spaces moved) and
the continuation is the tokens whose ``text_offset`` lies in it: the server's own tokenizer
decides the boundary (equal to the token-id way where the boundary falls between tokens, as
for ``" choice"`` continuations), nothing is truncated client-side, and empty contexts and
rolling log-likelihoods are refused (they need the tokenizer's prefix token and windows).

``is_greedy`` follows lm-eval: every continuation token's log-prob equals the best one in
``top_logprobs``. A server that returns no prompt log-probabilities (no ``echo`` support, as
llama.cpp's server) is a one-line error, never a silent number.
"""
from __future__ import annotations

import json

from .. import lmreq
from ..errors import Partial, XlingError
from .hf_tokens import HFTokens, load_tokenizer, tokenizer_id, window_of
from .httpfail import Retry

DEFAULT_WINDOW = 2048  # lm-eval's API models' default max_length


class EchoScorer:
    def __init__(self, client, config):
        self.client = client
        self.proto = lmreq.protocol(config.protocol)
        self.tokens: HFTokens | None = None
        tid = "server"
        window = config.max_length
        if config.tokenizer:
            tok = load_tokenizer(config.tokenizer)
            self.tokens = HFTokens(tok)
            tid = tokenizer_id(config.tokenizer)
            # the prompt holds window + 1 tokens and the server generates one: 2 below the model's window
            window = window or window_of(config.tokenizer, tok, DEFAULT_WINDOW + 2) - 2
        self.window = int(window or DEFAULT_WINDOW)
        self.cache_params = f"protocol={self.proto.name};tokens={tid};window={self.window}"

    # ------------------------------------------------------------------ one prompt

    def _body(self, prompt) -> dict:
        return {"model": self.client.model, "prompt": prompt, "max_tokens": 1, "temperature": 0, "logprobs": 1,
                "echo": True}

    def _echo(self, prompt) -> dict:
        url = f"{self.client.base_url}/completions"
        return self.client.call(url, self._body(prompt), lambda raw: parse_echo(raw, url))

    def _score_ids(self, job: tuple[list[int], int]) -> tuple[float, bool]:
        ids, ctxlen = job
        lp = self._echo(ids)
        if len(lp["token_logprobs"]) < len(ids):
            raise XlingError(no_logprobs(f"{self.client.base_url}/completions", "did not echo the prompt"))
        return score_span(lp, ctxlen, len(ids))

    def _score_text(self, req: tuple[str, str]) -> tuple[float, bool]:
        ctx, cont = lmreq.move_spaces(*req)
        if not ctx:
            raise XlingError(f"log-likelihood of {req[1][:30]!r} after an empty context through {self.client.name} "
                             "needs the model's tokenizer (the prefix token): pass --tokenizer DIR")
        prompt = ctx + cont
        lp = self._echo(prompt)
        offsets = lp.get("text_offset")
        if not isinstance(offsets, list) or len(offsets) != len(lp["token_logprobs"]):
            raise XlingError(f"{self.client.base_url}/completions returned no text_offset for the prompt tokens: "
                             "scoring text prompts needs them; pass --tokenizer for token-id prompts")
        span = [i for i, o in enumerate(offsets) if len(ctx) <= o < len(prompt)]
        if not span:
            raise XlingError(f"no token of the server's tokenization starts inside the continuation "
                             f"{req[1][:30]!r} of {req[0][-30:]!r}; pass --tokenizer DIR for token-id prompts")
        return score_span(lp, span[0], span[-1] + 1)

    # ------------------------------------------------------------------ the LanguageModel requests

    def loglikelihood(self, requests: list[tuple[str, str]]) -> list[tuple[float, bool, bool]]:
        if self.tokens is None:
            fn, jobs, cut = self._score_text, requests, [False] * len(requests)
        else:
            prepared = lmreq.prepare(self.tokens, requests, self.window)
            fn, cut = self._score_ids, [p.truncated for p in prepared]
            jobs = [(list(p.context) + list(p.continuation), len(p.context)) for p in prepared]
        try:
            got = self.client.map(fn, jobs, "loglikelihood")
        except Partial as e:  # the answers received are kept by the cache
            raise e.map(lambda i, v: (v[0], v[1], cut[i])) from None
        return [(lp, g, t) for (lp, g), t in zip(got, cut)]

    def loglikelihood_rolling(self, texts: list[str]) -> list[tuple[float, int]]:
        if self.tokens is None:
            raise XlingError(f"rolling log-likelihoods through {self.client.name} need the model's tokenizer: "
                             "pass --tokenizer DIR")
        per_text = lmreq.rolling(self.tokens, self.proto, texts, self.window)
        jobs = [(list(w.context) + list(w.continuation), len(w.context)) for wins in per_text for w in wins]
        try:
            scores = self.client.map(self._score_ids, jobs, "loglikelihood_rolling")
        except Partial as e:  # a text whose every window was answered is kept by the cache
            raise Partial(e.cause, _rolling_totals(per_text, e.done)) from None
        return list(_rolling_totals(per_text, dict(enumerate(scores))).values())


def _rolling_totals(per_text, scores: dict) -> dict:
    """text position -> (total log-likelihood, tokens scored), for the texts whose windows
    (numbered in order over all texts) all have a score in ``scores``."""
    out, j = {}, 0
    for t, wins in enumerate(per_text):
        idx = range(j, j + len(wins))
        j += len(wins)
        if all(i in scores for i in idx):
            out[t] = (sum(scores[i][0] for i in idx), sum(len(w.continuation) for w in wins))
    return out


def no_logprobs(url: str, why: str) -> str:
    return (f"{url} {why}: the server cannot score log-likelihoods (needs echo=true with logprobs on the "
            "completions endpoint, as vLLM's OpenAI server has)")


def parse_echo(raw: bytes, url: str) -> dict:
    """The ``logprobs`` object of the first choice; malformed JSON is worth a retry, a valid
    answer without prompt log-probabilities is a one-line error."""
    try:
        data = json.loads(raw.decode("utf-8"))
        choice = data["choices"][0]
    except (UnicodeDecodeError, ValueError, KeyError, IndexError, TypeError) as e:
        raise Retry(f"malformed response ({type(e).__name__}: {str(e)[:80]})") from None
    lp = choice.get("logprobs") if isinstance(choice, dict) else None
    if not isinstance(lp, dict) or not isinstance(lp.get("token_logprobs"), list) or not lp["token_logprobs"]:
        raise XlingError(no_logprobs(url, "returned no log-probabilities"))
    if not isinstance(lp.get("top_logprobs"), list):
        raise XlingError(no_logprobs(url, "returned no top_logprobs"))
    return lp


def score_span(lp: dict, start: int, end: int) -> tuple[float, bool]:
    """Sum of the token log-probs in [start, end) and lm-eval's greedy test on them."""
    toks, tops = lp["token_logprobs"][start:end], lp["top_logprobs"][start:end]
    if any(t is None for t in toks) or len(tops) != len(toks) or any(not isinstance(t, dict) or not t for t in tops):
        raise XlingError("the server's log-probabilities have gaps in the scored tokens (a None or an empty "
                         "top_logprobs entry)")
    return float(sum(toks)), all(t == max(top.values()) for t, top in zip(toks, tops))
