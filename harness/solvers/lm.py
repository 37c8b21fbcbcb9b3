"""LanguageModelling x LanguageModel: the log-likelihood of every sentence of a corpus
(``loglikelihood_rolling``), per language.

Per sentence the samples keep the log-likelihood (nats), the tokens the model scored, UTF-8
bytes, NFC characters and words (lm-evaluation-harness's whitespace split). The cell's
metrics are corpus ratios (``xling.metrics.lm``: bits per byte, per character, per sentence,
token perplexity) and, against the task's pivot language (English) on the same sentence ids,
information parity; each with a bootstrap interval over sentences of the same corpus
statistic. A sample's ``score`` is its sentence's bits times sentences / corpus bytes, so the
scores' mean is the cell's bits per byte (what boards' paired tests compare). Nothing is
trained: one cell per language (setting ``prompted``).
"""
from __future__ import annotations

import numpy as np

from ..core import Prediction, Scored, Setting
from ..errors import XlingError
from ..metrics import lm as lmm
from ..models import LanguageModel
from . import base, lmcalls

needs = (LanguageModel,)
fewshot = False

trains = base.never_trains
settings = base.only(Setting.IN_LANGUAGE)

texts = base.no_texts


def corpus_metric(stat, arrays, seed: int) -> tuple[float, float, float, int]:
    """``stat(*arrays, idx)`` on all sentences (idx None) with its bootstrap interval over sentences."""
    n = len(arrays[0])
    full = float(stat(*arrays, None))
    return base.statistic(lambda idx: stat(*arrays, idx), full, n, seed)


def pivot_aligned(task, ctx, examples, values_of) -> np.ndarray:
    """``values_of(pivot examples)`` in the order of ``examples``' ids (the corpus is parallel)."""
    pivot = {e.id: e for e in ctx.examples(task, task.pivot, task.test_split)}
    missing = [e.id for e in examples if e.id not in pivot]
    if missing:
        raise XlingError(f"{task.name}: {len(missing)} sentences of {examples[0].lang} have no {task.pivot} "
                         f"counterpart (e.g. id {missing[0]}); the pivot statistic needs parallel ids")
    return np.asarray(values_of([pivot[e.id] for e in examples]), dtype=np.float64)


def solve(task, model, cell, ctx):
    split = task.test_split
    ex = ctx.examples(task, cell.test_lang, split, limit=True)
    out = lmcalls.loglikelihood_rolling(ctx, model, [e.text for e in ex])
    ll = np.array([v for v, _ in out], dtype=np.float64)
    tokens = np.array([n for _, n in out], dtype=np.float64)
    nbytes = np.array([lmm.nbytes(e.text) for e in ex], dtype=np.float64)
    chars = np.array([lmm.nchars(e.text) for e in ex], dtype=np.float64)
    words = np.array([lmm.nwords(e.text) for e in ex], dtype=np.float64)
    seed = ctx.seed
    metrics = {
        "bits_per_byte": corpus_metric(lmm.bits_per_unit, (ll, nbytes), seed),
        "bits_per_char": corpus_metric(lmm.bits_per_unit, (ll, chars), seed),
        "bits_per_sentence": corpus_metric(lmm.bits_per_sentence, (ll,), seed),
        "token_perplexity": corpus_metric(lmm.token_perplexity, (ll, tokens), seed),
    }
    pivot_ll = pivot_aligned(task, ctx, ex, lambda p: [v for v, _ in lmcalls.loglikelihood_rolling(
        ctx, model, [e.text for e in p])])
    metrics["information_parity"] = corpus_metric(lmm.information_parity, (pivot_ll, ll), seed)
    # score: the sentence's share of the main metric, scaled so that their mean is bits per byte
    share = len(ex) / nbytes.sum()
    preds = [Prediction(e.id, e.lang, None, {"ll": float(a), "tokens": int(t), "bytes": int(b), "chars": int(c),
                                             "words": int(w)}, float(-a / lmm.LN2 * share))
             for e, a, t, b, c, w in zip(ex, ll, tokens, nbytes, chars, words)]
    data = ctx.data_sig(task, cell.test_lang, split)
    if cell.test_lang != task.pivot:
        data += "+" + ctx.data_sig(task, task.pivot, split)
    return Scored(cell, split, "", preds, metrics, data, prompt="rolling")
