"""Tag x Tagger: a token-classification model tags each test sentence's words; entity-level
micro precision/recall/F1 and per-type F1 as conlleval computes them (xling.metrics.ner).

A ``Tagger`` (a fine-tuned checkpoint) is trained elsewhere: nothing is trained here, and
``--setting zero_shot --train-lang L`` records the language it was fine-tuned on, so a
checkpoint fine-tuned in one language and tested in others is read as zero-shot transfer.
A ``TrainableTagger`` (the CRF) is trained here on the training split of the cell's train
language(s) (``in_language``: each language on its own; ``zero_shot``/``matrix``: the source's
tagger tested on every target), seeded by ``--seed``, memoised per train language for the run
and never stored on disk; the rows then say ``train_split``.

The model's tag set must equal the task's (``O`` plus ``B-``/``I-`` of each entity type, in
any order); anything else is refused rather than mapped (a trained tagger knows the tags of
its training split, which must be among the task's). Predicted tags of a checkpoint are cached
per sentence in ``ctx.store`` (keyed by the model's name and the sentence's tokens), so a rerun
makes no model calls; a trained tagger's are not (its name does not say what it was trained
on, and it tags fast). Bootstrap CIs resample sentences. Every sentence's prediction is kept
(gold and predicted tags, and its words as the input); its ``score`` is the sentence's additive
share of the micro F1 (``contributions``), so scores average to the ``f1`` row.
"""
from __future__ import annotations

import numpy as np

from ..cache import key as cache_key
from ..core import Prediction, Scored
from ..errors import XlingError
from ..metrics import ner
from ..metrics.uncertainty import bootstrap_ci
from ..models import Tagger, TrainableTagger
from . import base

needs = (Tagger, TrainableTagger)
fewshot = False


def trains(model=None) -> bool:
    """A TrainableTagger is trained here (``None``: some model is); a Tagger was fine-tuned elsewhere."""
    return model is None or isinstance(model, TrainableTagger)


def settings(task):
    return base.task_settings(task, trains(None), fewshot)


ROLE = "tag"  # cache role of predicted tag ids

texts = base.no_texts


def check_labels(task, model) -> None:
    """Refuse a model whose tag set is not exactly the task's (names, any order)."""
    want = {"O"} | {f"{p}-{t}" for t in task.labels for p in ("B", "I")}
    have = list(getattr(model, "labels", ()))
    if len(set(have)) != len(have):
        raise XlingError(f"model {model.name} has duplicate tags in its label set: {', '.join(have)}")
    if set(have) != want:
        missing, extra = sorted(want - set(have)), sorted(set(have) - want)
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"extra {', '.join(extra)}"] if extra else [])
        raise XlingError(f"model {model.name} tags ({', '.join(have)}) do not match task {task.name!r} "
                         f"({'; '.join(parts)}); no label mapping is guessed: use a checkpoint fine-tuned on "
                         f"IOB2 tags of {', '.join(task.labels)}")


def predict(model, token_lists, store=None) -> list[list[str]]:
    """Tags per sentence, through the cache when a store is given; checks every answer."""
    labels = list(model.labels)
    index = {t: i for i, t in enumerate(labels)}
    keys = [cache_key(model.name, ROLE, "\x1f".join(toks)) for toks in token_lists]
    found = store.get(keys) if store is not None else {}
    firsts: dict[bytes, int] = {}  # each distinct uncached sentence once
    for i, k in enumerate(keys):
        if k not in found:
            firsts.setdefault(k, i)
    todo = list(firsts.values())
    if hasattr(model, "hits"):  # reported by the runner as cache hits
        model.hits += sum(1 for k in keys if k not in firsts)
    if todo:
        out = model.tag([list(token_lists[i]) for i in todo])
        if len(out) != len(todo):
            raise XlingError(f"model {model.name} returned {len(out)} tag sequences for {len(todo)} sentences")
        vecs = []
        for i, tags in zip(todo, out):
            if len(tags) != len(token_lists[i]) or any(t not in index for t in tags):
                raise XlingError(f"model {model.name} returned {len(tags)} tags (or tags outside its label set) "
                                 f"for a sentence of {len(token_lists[i])} words: {' '.join(token_lists[i])[:60]!r}")
            vecs.append(np.asarray([index[t] for t in tags], dtype=np.float32))
        new = {keys[i]: v for i, v in zip(todo, vecs)}
        if store is not None:
            store.put(list(new), list(new.values()))
        found = {**found, **new}
    return [[labels[int(j)] for j in found[k]] for k in keys]


def score(task, counts: np.ndarray, seed: int) -> dict:
    """f1 (main), precision, recall and f1_<TYPE> per entity type present in gold or
    prediction, each with a percentile-bootstrap CI over sentences (the ratio recomputed
    on every resample); n = sentences. ``counts`` is ``ner.sentence_counts(...)``."""
    n = counts.shape[0]
    total = counts.sum(axis=1)  # (sentences, [correct, gold, predicted])

    def metric(c: np.ndarray, which: int):
        value = ner.prf(*c.sum(axis=0))[which]
        lo, hi = bootstrap_ci(lambda idx: ner.prf(*(c[idx].sum(axis=1).T))[which], n, seed)
        return float(value), lo, hi, n

    out = {"f1": metric(total, 2), "precision": metric(total, 0), "recall": metric(total, 1)}
    for k, t in enumerate(task.labels):
        if counts[:, k, 1:].sum():
            out[f"f1_{t}"] = metric(counts[:, k, :], 2)
    return out


def contributions(counts: np.ndarray) -> np.ndarray:
    """Each sentence's additive share of micro F1 = 2C / (G + P): n * 2 c_i / (G + P), so
    that the mean over sentences is exactly the corpus F1 (what ``Prediction.score`` means
    and what paired tests between systems compare). Micro F1 is not a mean of sentence
    F1s; these shares hold the corpus denominator fixed (a first-order linearisation)."""
    total = counts.sum(axis=1)
    denom = total[:, 1].sum() + total[:, 2].sum()
    n = counts.shape[0]
    return n * 2.0 * total[:, 0] / denom if denom else np.zeros(n)


def fitted(task, model, train_lang: str, ctx):
    """The TrainableTagger fitted on the training split of ``train_lang`` ('a+b': pooled),
    memoised for the run."""

    def fit():
        token_lists, tag_lists = [], []
        for lang in train_lang.split("+"):
            for e in ctx.examples(task, lang, task.train_split):
                token_lists.append(list(e.tokens))
                tag_lists.append(list(e.tags))
        tagger = model.fit(token_lists, tag_lists, seed=ctx.seed)
        known = {"O"} | {f"{p}-{t}" for t in task.labels for p in ("B", "I")}
        extra = sorted(set(tagger.labels) - known)
        if extra:
            raise XlingError(f"model {model.name} learnt tags outside task {task.name!r}: {', '.join(extra)}")
        return tagger

    return ctx.memo(("tagger", task.name, model.name, train_lang, ctx.seed), fit)


def solve(task, model, cell, ctx):
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    token_lists = [list(e.tokens) for e in ex]
    data = [ctx.data_sig(task, cell.test_lang, task.test_split)]
    if isinstance(model, TrainableTagger):
        if not cell.train_lang:
            raise XlingError(f"model {model.name} is trained here: it needs a train language (in_language, zero_shot "
                             "--train-lang L or matrix)")
        pred = predict(fitted(task, model, cell.train_lang, ctx), token_lists)
        split = task.train_split
        data += [ctx.data_sig(task, lang, split) for lang in cell.train_lang.split("+")]
    else:
        check_labels(task, model)
        pred, split = predict(model, token_lists, getattr(ctx, "store", None)), ""
    gold = [list(e.tags) for e in ex]
    counts = ner.sentence_counts(gold, pred, list(task.labels))  # (sentences, types, [correct, gold, pred])
    preds = [Prediction(e.id, e.lang, g, p, float(c), list(e.tokens))
             for e, g, p, c in zip(ex, gold, pred, contributions(counts))]
    return Scored(cell, task.test_split, split, preds, score(task, counts, ctx.seed), "+".join(data))
