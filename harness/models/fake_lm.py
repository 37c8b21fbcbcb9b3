"""A deterministic, dependency-free LanguageModel for tests: log-probabilities from hashing.

Tokens are characters. The log-probability of character i of a continuation is
-(0.05 + 4 * u) nats, with u in [0, 1) hashed from the 16 characters before it (context
included) and the character itself, so it depends on both context and continuation; the
continuation is 'greedy' when every one of its characters hashes below 0.3. ``window``
(characters) cuts the context from the left as a real model cuts tokens, and counts it in
``truncated``. ``calls`` counts requests computed (all three kinds).
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ..errors import XlingError
from . import Backend

SCALE = 2 ** 64


def _u(text: str) -> float:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little") / SCALE


class FakeLM:
    """``fake-lm[:window=CHARS]``."""

    def __init__(self, window: int = 0):
        self.window = window
        self.name = "fake-lm" + (f":window={window}" if window else "")
        self.calls = 0
        self.truncated = 0

    def _score(self, context: str, continuation: str) -> tuple[float, bool]:
        if self.window and len(context) + len(continuation) > self.window:
            self.truncated += 1
            context = context[max(0, len(context) + len(continuation) - self.window):]
        text = context + continuation
        total, greedy = 0.0, True
        for i in range(len(context), len(text)):
            u = _u(text[max(0, i - 16):i + 1])
            total -= 0.05 + 4.0 * u
            greedy = greedy and u < 0.3
        return total, greedy

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        self.calls += len(requests)
        return [self._score(c, x) for c, x in requests]

    def loglikelihood_rolling(self, texts: Sequence[str]) -> list[tuple[float, int]]:
        self.calls += len(texts)
        return [(self._score("", t)[0], len(t)) for t in texts]

    def generate(self, prompts: Sequence[str], until: Sequence[str] = (), max_tokens: int = 64) -> list[str]:
        self.calls += len(prompts)
        out = []
        for p in prompts:
            words = p.split()
            text = " ".join(reversed(words[-3:]))[:max_tokens]
            for stop in until:
                if stop and stop in text:
                    text = text[:text.index(stop)]
            out.append(text)
        return out


def make(arg: str = "", **_options) -> FakeLM:
    window = 0
    for part in filter(None, arg.split(":")):
        key, _, value = part.partition("=")
        if key != "window" or not value.isdigit():
            raise XlingError(f"model spec 'fake-lm:{arg}': expected fake-lm[:window=CHARS]")
        window = int(value)
    return FakeLM(window)


BACKEND = Backend("fake-lm", make, ("LanguageModel",), offline=True, usage="fake-lm[:window=CHARS]",
                  summary="deterministic hashed log-probabilities over characters, for tests")
