"""Classify x Encoder: a logistic-regression probe on sentence embeddings, trained on the
full train split of the train language(s) and tested on each target language (seeded)."""
from __future__ import annotations

import numpy as np

from ..core import Prediction
from ..metrics import classification as cls
from ..metrics.uncertainty import bootstrap_ci
from ..models import Encoder

NEEDS = "an Encoder (sentence embeddings)"
ROLE = "query"  # e5's card: 'query: ' for embeddings used as features


def capable(model) -> bool:
    return isinstance(model, Encoder)


def texts(task, ctx, cell):
    out = [(ROLE, [e.text for e in ctx.examples(task, cell.test_lang, task.test_split, limit=True)])]
    for lang in cell.train_lang.split("+"):
        out.append((ROLE, [e.text for e in ctx.examples(task, lang, task.train_split)]))
    return out


def probe(task, model, train_lang: str, ctx):
    """(fitted LogisticRegression, training label indices), memoised per train language."""

    def fit():
        from sklearn.linear_model import LogisticRegression

        X, y = [], []
        for lang in train_lang.split("+"):
            ex = ctx.examples(task, lang, task.train_split)
            X.append(model.encode([e.text for e in ex], ROLE))
            y.extend(task.labels.index(e.label) for e in ex)
        clf = LogisticRegression(max_iter=2000, random_state=ctx.seed)
        clf.fit(np.concatenate(X), np.asarray(y))
        return clf, np.asarray(y)

    return ctx.memo(("probe", task.name, model.name, train_lang), fit)


def score(task, gold: np.ndarray, pred: np.ndarray, y_train: np.ndarray, seed: int) -> dict:
    """acc and macro-F1 with bootstrap CIs, and the majority and chance baselines."""
    k = len(task.labels)
    n = len(gold)
    metrics = {
        "acc": (cls.accuracy(gold, pred), *bootstrap_ci(lambda i: cls.accuracy(gold[i], pred[i]), n, seed), n),
        "macro_f1": (cls.macro_f1(gold, pred, k), *bootstrap_ci(lambda i: cls.macro_f1(gold[i], pred[i], k), n, seed), n),
    }
    majority = cls.majority_baseline(y_train, gold)
    metrics["baseline_majority_acc"] = (majority, majority, majority, n)
    metrics["baseline_chance_acc"] = (1.0 / k, 1.0 / k, 1.0 / k, n)
    return metrics


def solve(task, model, cell, ctx):
    from ..solve import Scored

    clf, y_train = probe(task, model, cell.train_lang, ctx)
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    pred = clf.predict(model.encode([e.text for e in ex], ROLE))
    gold = np.asarray([task.labels.index(e.label) for e in ex])
    preds = [Prediction(e.id, e.lang, e.label, task.labels[p], float(e.label == task.labels[p])) for e, p in zip(ex, pred)]
    data = "+".join([ctx.data_sig(task, cell.test_lang, task.test_split)]
                    + [ctx.data_sig(task, lang, task.train_split) for lang in cell.train_lang.split("+")])
    return Scored(cell, task.test_split, task.train_split, preds, score(task, gold, pred, y_train, ctx.seed), data)
