"""Tokenization x Tokenizer: tokenizer fairness on a parallel corpus (flores_tokens).

For each language: tokens per sentence, per word (lm-evaluation-harness's whitespace words: a
script without spaces has one 'word' per sentence) and per NFC character, and the token
premium against the task's pivot (English) on the same sentence ids: sum of the language's
tokens / sum of the pivot's tokens (Petrov et al., NeurIPS 2023; a corpus ratio, not a mean of
per-sentence ratios). Bootstrap intervals over sentences. Token counts go through the text
cache (a rerun tokenizes nothing). A sample's ``score`` is its tokens times sentences / the
pivot's tokens, so the scores' mean is the premium. Nothing is trained: setting ``in_language``.

Where the tokenizer counts its unknown tokens too (``count_tokens_and_unknown``: [UNK], <unk>;
one tokenization gives both counts), the cell also has ``unknown_rate``, unknown tokens /
tokens: a vocabulary that cannot spell a script turns whole words into one unknown token, so
its premium there looks low for the wrong reason (the board notes such cells: the registry's
``unreliable_when`` of ``token_premium``).
"""
from __future__ import annotations

import json

import numpy as np

from .. import textcache
from ..core import Prediction, Scored, Setting
from ..metrics import lm as lmm
from ..models import Tokenizer
from . import base, lm, lmcalls

needs = (Tokenizer,)
fewshot = False

trains = base.never_trains
settings = base.only(Setting.IN_LANGUAGE)

texts = base.no_texts


def count(ctx, model, texts: list[str]) -> np.ndarray:
    """Token counts per text through the text cache: a (texts, 2) array of tokens and unknown
    tokens where the model counts both (``count_tokens_and_unknown``), else (texts, 1)."""
    both = hasattr(model, "count_tokens_and_unknown")
    method = "count_tokens_and_unknown" if both else "count_tokens"

    def compute(idx):  # int(): a plugin's counts may be numpy integers
        return [json.dumps([int(x) for x in n] if both else int(n))
                for n in getattr(model, method)([texts[i] for i in idx])]

    values = [json.loads(v) for v in textcache.cached(lmcalls.store(ctx), model, method, texts, compute, chunk=2048)]
    return np.asarray(values, dtype=np.float64).reshape(len(texts), -1)


def solve(task, model, cell, ctx):
    split = task.test_split
    ex = ctx.examples(task, cell.test_lang, split, limit=True)
    counted = count(ctx, model, [e.text for e in ex])
    tokens = counted[:, 0]
    words = np.array([lmm.nwords(e.text) for e in ex], dtype=np.float64)
    chars = np.array([lmm.nchars(e.text) for e in ex], dtype=np.float64)
    pivot = lm.pivot_aligned(task, ctx, ex, lambda p: count(ctx, model, [e.text for e in p])[:, 0])
    seed = ctx.seed
    metrics = {
        "tokens_per_sentence": lm.corpus_metric(lmm.per_sentence, (tokens,), seed),
        "tokens_per_word": lm.corpus_metric(lmm.ratio, (tokens, words), seed),
        "tokens_per_char": lm.corpus_metric(lmm.ratio, (tokens, chars), seed),
        "token_premium": lm.corpus_metric(lmm.ratio, (tokens, pivot), seed),
    }
    counts = {"tokens": tokens, "words": words, "chars": chars}
    if counted.shape[1] == 2:
        counts["unknown"] = counted[:, 1]
        metrics["unknown_rate"] = lm.corpus_metric(lmm.ratio, (counts["unknown"], tokens), seed)
    share = len(ex) / pivot.sum()  # score: the sentence's tokens scaled so that their mean is the premium
    preds = [Prediction(e.id, e.lang, None, {k: int(v[i]) for k, v in counts.items()}, float(tokens[i] * share))
             for i, e in enumerate(ex)]
    data = ctx.data_sig(task, cell.test_lang, split)
    if cell.test_lang != task.pivot:
        data += "+" + ctx.data_sig(task, task.pivot, split)
    return Scored(cell, split, "", preds, metrics, data, prompt="tokens")
