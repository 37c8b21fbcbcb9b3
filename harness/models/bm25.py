"""``bm25``: Okapi BM25 over the pool's own texts (``bm25s``), the official baseline of MIRACL
and Mr. TyDi, as a ``Retriever``.

Scoring is Lucene's BM25 (``bm25s`` method ``lucene``): idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
tf part tf / (tf + k1 (1 - b + b dl / avgdl)), a query term counted as often as it occurs.
k1 = 0.9 and b = 0.4 are Anserini's (Pyserini's) defaults, with which MIRACL and Mr. TyDi
report their BM25 baselines; ``bm25s``'s own defaults are k1 = 1.5, b = 0.75 (Robertson's
textbook values). Two differences from Lucene remain: Lucene stores each document's length
in one lossy byte, ``bm25s`` uses the exact length; and the tokenization below.

Tokenization (``bm25:script``, the default) is decided per script, not per language, so it
also works on a pool of every language at once (LAReQA's multilingual pool):

* text is NFKC-normalised (full-width forms folded, as Lucene's CJKWidthFilter) and
  case-folded; words are maximal runs of letters, marks and digits (Unicode categories L, M,
  N), so Devanagari or Thai vowel signs stay inside their word; everything else separates;
* inside a word, runs of characters of scripts written without spaces between words, Han,
  Hiragana, Katakana, Hangul, Thai, Lao, Khmer and Myanmar, become overlapping character
  bigrams (a run of one character stays a unigram), as Lucene's CJKAnalyzer does for Chinese,
  Japanese and Korean; the rest of the word is one token.

Anserini instead picks a Lucene analyzer per language: CJKAnalyzer (bigrams) for Chinese and
Korean as here, but Kuromoji morphological words for Japanese and ICU dictionary words for Thai
(here: bigrams), whitespace only for Swahili and Telugu, and for the other languages its
analyzers drop stopwords and stem (Porter for English, Snowball/light stemmers for others);
nothing is stemmed or dropped here. ``bm25:words`` skips the bigrams (every word whole, as a
whitespace tokenizer would): a Chinese or Thai sentence is then one or a few tokens, which is
why it is not the default. ``k1=`` and ``b=`` options override Anserini's values, e.g.
``bm25:words,k1=1.2,b=0.75``.

A pool is indexed once: the model keeps the index of the last pool it was given (keyed by a
digest of its ids and texts), so the solver may ask for a pool's queries in several batches.
"""
from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Sequence

import numpy as np

from ..errors import XlingError
from . import Backend

K1, B = 0.9, 0.4  # Anserini's BM25 defaults (SearchArgs: -bm25.k1 0.9 -bm25.b 0.4)
TOKENIZERS = ("script", "words")
VERSION = "1"  # of the tokenization: part of the model name, so changing it changes signatures

# scripts written without spaces between words: (first, last) code points
_UNSPACED = (
    (0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF),  # Hangul
    (0x3040, 0x309F), (0x30A0, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F),  # Hiragana, Katakana
    (0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3021, 0x3029), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),  # Han
    (0xF900, 0xFAFF), (0x20000, 0x3FFFF),
    (0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x1780, 0x17FF), (0x19E0, 0x19FF),  # Thai, Lao, Khmer
    (0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F),  # Myanmar
)


@functools.cache
def _patterns():
    """(word pattern, pattern of runs: group 1 unspaced-script characters, group 2 the rest)."""
    import regex

    cls = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _UNSPACED)
    return regex.compile(r"[\p{L}\p{M}\p{N}]+"), regex.compile(f"([{cls}]+)|([^{cls}]+)")


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]


def tokenize(text: str, how: str = "script") -> list[str]:
    """The BM25 terms of a text (see the module doc)."""
    word, runs = _patterns()
    words = word.findall(unicodedata.normalize("NFKC", text).casefold())
    if how == "words":
        return words
    out: list[str] = []
    for w in words:
        for unspaced, rest in runs.findall(w):
            out.extend(_bigrams(unspaced) if unspaced else [rest])
    return out


class _Index:
    """One pool's BM25 index and trec_eval's tie order (docid descending)."""

    def __init__(self, bm25, tie: np.ndarray):
        self.bm25, self.tie, self.n = bm25, tie, len(tie)

    def scores(self, terms: list[str]) -> np.ndarray:
        vocab = self.bm25.vocab_dict
        ids = [vocab[t] for t in terms if t in vocab]
        if not ids:
            return np.zeros(self.n, np.float32)
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)

    def top(self, s: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray]:
        if k is None or k >= self.n:
            cand = np.arange(self.n)
        else:
            part = np.argpartition(-s, k - 1)[:k]
            cand = np.flatnonzero(s >= s[part].min())  # every document tied at the boundary
        order = cand[np.lexsort((self.tie[cand], -s[cand]))][:k]
        return order, s[order]


class BM25Retriever:
    def __init__(self, tokenizer: str = "script", k1: float = K1, b: float = B):
        try:
            import bm25s
        except ImportError as e:
            raise XlingError("model bm25 needs the bm25s package: pip install bm25s==0.3.16") from e
        self._bm25s, self.tokenizer, self.k1, self.b = bm25s, tokenizer, k1, b
        self.name = f"bm25@bm25s-{bm25s.__version__}-{tokenizer}{VERSION}-k1={k1:g}-b={b:g}"
        self._last: tuple[str, _Index] | None = None

    def _index(self, doc_ids: Sequence[str], doc_texts: Sequence[str]) -> _Index:
        h = hashlib.sha256()
        for d, t in zip(doc_ids, doc_texts):
            h.update(f"{d}\x1f{t}\x1e".encode())
        digest = h.hexdigest()
        if self._last is None or self._last[0] != digest:
            bm25 = self._bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
            bm25.index([tokenize(t, self.tokenizer) for t in doc_texts], show_progress=False)
            order = sorted(range(len(doc_ids)), key=doc_ids.__getitem__, reverse=True)
            tie = np.empty(len(doc_ids), np.int64)
            tie[order] = np.arange(len(doc_ids))
            self._last = (digest, _Index(bm25, tie))
        return self._last[1]

    def retrieve(self, doc_ids: Sequence[str], doc_texts: Sequence[str], queries: Sequence[str],
                 k: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
        if len(doc_ids) != len(doc_texts) or not doc_ids:
            raise XlingError(f"model {self.name}: {len(doc_ids)} document ids for {len(doc_texts)} texts")
        if k is not None and k < 1:
            raise XlingError(f"model {self.name}: k must be at least 1, got {k}")
        index = self._index(list(doc_ids), list(doc_texts))
        return [index.top(index.scores(tokenize(q, self.tokenizer)), k) for q in queries]


def make(arg: str = "", **_options) -> BM25Retriever:
    """``bm25[:script|words][,k1=X][,b=Y]`` (any order)."""
    kw: dict = {}
    for part in filter(None, (p.strip() for p in arg.split(","))):
        key, eq, value = part.partition("=")
        try:
            if not eq and part in TOKENIZERS:
                kw["tokenizer"] = part
            elif key in ("k1", "b") and eq:
                kw[key] = float(value)
                if not (kw[key] >= 0 and (key == "k1" or kw[key] <= 1)):
                    raise ValueError
            else:
                raise ValueError
        except ValueError:
            raise XlingError(f"model spec 'bm25:{arg}': expected bm25[:script|words][,k1=X][,b=Y] "
                             "with k1 >= 0 and 0 <= b <= 1") from None
    return BM25Retriever(**kw)


BACKEND = Backend("bm25", make, ("Retriever",), offline=True, usage="bm25[:words][,k1=0.9][,b=0.4]",
                  summary="no model: BM25 (bm25s, Anserini's k1=0.9 b=0.4), character bigrams for CJK/Thai scripts")
