"""Corpus statistics of language modelling (log-likelihoods in nats, summed per sentence).

Every one is a ratio of corpus sums, never a mean of per-sentence ratios, as
lm-evaluation-harness 0.4.13 aggregates ``bits_per_byte``, ``byte_perplexity`` and
``word_perplexity`` (``weighted_mean``: sum of log-likelihoods / sum of units):

* ``bits_per_byte``: -sum(ll) / sum(UTF-8 bytes) / ln 2 (lm-eval's ``bits_per_byte``);
* ``bits_per_char``: -sum(ll) / sum(NFC characters) / ln 2;
* ``bits_per_sentence``: -sum(ll) / sentences / ln 2;
* ``token_perplexity``: exp(-sum(ll) / sum(tokens)) (depends on the tokenizer: diagnostic);
* ``information_parity``: sum(ll of the pivot's sentences) / sum(ll of their translations)
  over the same ids (Tsvetkov & Kipnis 2024: bits of English / bits of the language).

Each takes arrays and, for the bootstrap, a (n_boot, n) index array ``idx`` (None: all).
"""
from __future__ import annotations

import math
import re
import unicodedata

import numpy as np

LN2 = math.log(2)


def total(x, idx=None):
    """sum(x), or one sum per row of the (n_boot, n) resampled indices ``idx``."""
    x = np.asarray(x, dtype=np.float64)
    return x.sum() if idx is None else x[idx].sum(axis=1)


def ratio(num, den, idx=None):
    """sum(num) / sum(den): a corpus ratio (tokens per word, a token premium ...)."""
    return total(num, idx) / total(den, idx)


def per_sentence(x, idx=None):
    """sum(x) / sentences."""
    return total(x, idx) / (len(x) if idx is None else idx.shape[1])


def bits_per_unit(ll, units, idx=None):
    """-sum(ll) / sum(units) / ln 2: bits per byte, per character, per word ..."""
    return -ratio(ll, units, idx) / LN2


def bits_per_sentence(ll, idx=None):
    return -per_sentence(ll, idx) / LN2


def token_perplexity(ll, tokens, idx=None):
    return np.exp(-ratio(ll, tokens, idx))


def information_parity(ll_pivot, ll_lang, idx=None):
    """sum(ll of the pivot's sentences) / sum(ll of the translations), the same ids in order."""
    return ratio(ll_pivot, ll_lang, idx)


def nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def nchars(text: str) -> int:
    """Characters after NFC normalisation (code points)."""
    return len(unicodedata.normalize("NFC", text))


def nwords(text: str) -> int:
    """Words as lm-evaluation-harness's ``count_words`` counts them: ``len(re.split(r'\\s+', text))``."""
    return len(re.split(r"\s+", text))
