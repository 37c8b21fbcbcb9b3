"""Classify x Encoder: a logistic-regression probe on sentence embeddings, trained on the
full labelled training split of the train language(s) and tested on each target language
(seeded).

The training split is ``task.probe_split(source)``: ``train`` normally; ``dev`` where the
task has no train split (AmericasNLI) or the local mirror lacks it (MasakhaNEWS); the rows
say which (``train_split``). Where a language uses only a subset of the task's labels
(MasakhaNEWS), predictions are restricted to the test language's labels, the chance
baseline is 1/(its number of labels), and macro-F1 averages over the labels present in gold
or prediction (as scikit-learn's), so labels a language lacks never count.

A model may add its own feature step fitted inside the probe (``probe_features()``, an
unfitted scikit-learn transformer): charngram's IDF weighting.
"""
from __future__ import annotations

import numpy as np

from .. import centring
from ..core import Prediction, Scored
from ..errors import XlingError
from ..metrics import classification as cls
from ..metrics.uncertainty import bootstrap_ci
from ..models import Encoder
from . import base

needs = (Encoder,)
fewshot = True  # --setting fewshot: the probe also sees k target-language training examples


def trains(model=None) -> bool:
    return True  # a probe is trained on the train language(s)


def settings(task):
    return base.task_settings(task, trains(None), fewshot)


ROLE = "query"  # e5's card: 'query: ' for embeddings used as features


def train_split(task, ctx) -> str:
    return task.probe_split(ctx.source)


def texts(task, ctx, cell):
    out = [(ROLE, [e.text for e in ctx.examples(task, cell.test_lang, task.test_split, limit=True)])]
    for lang in cell.train_lang.split("+"):
        out.append((ROLE, [e.text for e in ctx.examples(task, lang, train_split(task, ctx))]))
    if cell.shots:
        out.append((ROLE, [e.text for e in shots(task, ctx, cell)]))
    return out


def shots(task, ctx, cell) -> list:
    """The ``cell.shots`` target-language training examples a fewshot cell adds: the first k of a
    permutation of the target's training split seeded by ``cell.seed`` (so for one seed, the
    8 examples are among the 32, and, the SIB-200 splits being parallel, every target gets the
    same sentences)."""
    if not cell.shots:
        return []
    ex = ctx.examples(task, cell.test_lang, train_split(task, ctx))
    if cell.shots > len(ex):
        raise XlingError(f"--shots {cell.shots} exceeds the {len(ex)} training examples of {cell.test_lang} "
                         f"({task.name} {train_split(task, ctx)} split)")
    order = np.random.default_rng(cell.seed or 0).permutation(len(ex))
    return [ex[i] for i in order[:cell.shots]]


def fit_probe(model, X: np.ndarray, y: np.ndarray, seed: int):
    """LogisticRegression on X (after the model's own ``probe_features()`` step, if any)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=2000, random_state=seed)
    make_head = getattr(model, "probe_features", None)
    if make_head is not None:
        from sklearn.pipeline import make_pipeline

        clf = make_pipeline(make_head(), clf)
    return clf.fit(X, y)


def predict(clf, X: np.ndarray, allowed: list[int]) -> np.ndarray:
    """Label indices; restricted to ``allowed`` (the test language's labels) where the probe
    learnt labels the test language does not use."""
    classes = np.asarray(clf.classes_)
    if set(classes.tolist()) <= set(allowed):
        return clf.predict(X)
    mask = np.isin(classes, allowed)
    if not mask.any():
        raise XlingError("the train language(s) share no label with the test language")
    scores = np.asarray(clf.decision_function(X), dtype=np.float64)
    if scores.ndim == 1:  # binary probe: the score of classes[1]
        scores = np.stack([-scores, scores], axis=1)
    scores[:, ~mask] = -np.inf
    return classes[scores.argmax(axis=1)]


def probe(task, model, train_lang: str, ctx, cell=None):
    """(fitted probe, training label indices), memoised per train language (and, for a fewshot
    cell, per target language, number of shots and seed)."""
    extra = shots(task, ctx, cell) if cell is not None and cell.shots else []

    centred = bool(ctx.options.get("centre"))

    def fit():
        split = train_split(task, ctx)
        X, y = [], []
        for lang in train_lang.split("+"):
            ex = ctx.examples(task, lang, split)
            X.append(_centre(model.encode([e.text for e in ex], ROLE), centred))
            y.extend(task.labels.index(e.label) for e in ex)
        if extra:  # the target's shots, centred by the target's mean (its test texts, as at test time)
            mean = target_mean(task, model, cell, ctx) if centred else None
            X.append(_centre(model.encode([e.text for e in extra], ROLE), centred, mean))
            y.extend(task.labels.index(e.label) for e in extra)
        y = np.asarray(y)
        return fit_probe(model, np.concatenate(X), y, ctx.seed), y

    few = (cell.test_lang, cell.shots, cell.seed) if extra else ()
    return ctx.memo(("probe", task.name, model.name, train_lang, centred) + few, fit)


def _centre(X: np.ndarray, on: bool, mean=None) -> np.ndarray:
    """``--centre``: each language's embeddings minus that language's mean (``xling.centring``:
    removes the language offset; label-free, so legitimate in zero-shot transfer)."""
    return centring.centre(X, mean) if on else X


def target_mean(task, model, cell, ctx):
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    return centring.language_mean(model.encode([e.text for e in ex], ROLE))


def score(task, gold: np.ndarray, pred: np.ndarray, y_train: np.ndarray | None, seed: int, lang: str | None = None) -> dict:
    """acc and macro-F1 with bootstrap CIs, and the majority and chance baselines (chance
    over the test language's own labels)."""
    k = len(task.labels)  # index space; macro-F1 counts only labels present in gold or pred
    k_lang = len(task.labels_of(lang)) if lang else k
    n = len(gold)
    metrics = {
        "acc": (cls.accuracy(gold, pred), *bootstrap_ci(lambda i: cls.accuracy(gold[i], pred[i]), n, seed), n),
        "macro_f1": (cls.macro_f1(gold, pred, k), *bootstrap_ci(lambda i: cls.macro_f1(gold[i], pred[i], k), n, seed), n),
    }
    if y_train is not None:  # None: nothing trained here (a fine-tuned head), no majority baseline
        majority = cls.majority_baseline(y_train, gold)
        metrics["baseline_majority_acc"] = (majority, majority, majority, n)
    metrics["baseline_chance_acc"] = (1.0 / k_lang, 1.0 / k_lang, 1.0 / k_lang, n)
    return metrics


def allowed(task, lang: str) -> list[int]:
    return [task.labels.index(label) for label in task.labels_of(lang)]


def solve(task, model, cell, ctx):
    clf, y_train = probe(task, model, cell.train_lang, ctx, cell)
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    centred = bool(ctx.options.get("centre"))
    pred = predict(clf, _centre(model.encode([e.text for e in ex], ROLE), centred), allowed(task, cell.test_lang))
    gold = np.asarray([task.labels.index(e.label) for e in ex])
    preds = [Prediction(e.id, e.lang, e.label, task.labels[p], float(e.label == task.labels[p]), e.text)
             for e, p in zip(ex, pred)]
    split = train_split(task, ctx)
    data = "+".join([ctx.data_sig(task, cell.test_lang, task.test_split)]
                    + [ctx.data_sig(task, lang, split) for lang in cell.train_lang.split("+")]
                    + ([ctx.data_sig(task, cell.test_lang, split)] if cell.shots else []))
    return Scored(cell, task.test_split, split, preds, score(task, gold, pred, y_train, ctx.seed, cell.test_lang), data,
                  prompt="centred" if centred else "none")
