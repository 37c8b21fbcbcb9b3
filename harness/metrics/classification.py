"""Accuracy and macro-F1 on label indices. Both also take 2-D arrays (one bootstrap
resample per row, items on the last axis) so confidence intervals stay vectorised."""
from __future__ import annotations

import numpy as np


def accuracy(gold, pred):
    """Share of items whose prediction equals the gold label: a float for 1-D input,
    one value per row for 2-D input."""
    value = (np.asarray(gold) == np.asarray(pred)).mean(axis=-1)
    return float(value) if np.ndim(value) == 0 else value


def macro_f1(gold, pred, n_labels: int):
    """Unweighted mean of per-label F1 over the labels present in gold or prediction,
    as scikit-learn's ``f1_score(average='macro')`` computes it."""
    gold, pred = np.asarray(gold), np.asarray(pred)
    one = gold.ndim == 1
    gold, pred = np.atleast_2d(gold), np.atleast_2d(pred)
    rows = gold.shape[0]
    offs = (np.arange(rows) * n_labels)[:, None]
    size = rows * n_labels
    tp = np.bincount((gold + offs)[gold == pred], minlength=size).reshape(rows, n_labels)
    g = np.bincount((gold + offs).ravel(), minlength=size).reshape(rows, n_labels)
    p = np.bincount((pred + offs).ravel(), minlength=size).reshape(rows, n_labels)
    denom = g + p
    present = denom > 0
    f1 = np.where(present, 2 * tp / np.maximum(denom, 1), 0.0)
    value = f1.sum(axis=1) / np.maximum(present.sum(axis=1), 1)
    return float(value[0]) if one else value


def majority_baseline(train_labels, test_labels) -> float:
    """Accuracy of always predicting the most frequent training label (ties: lowest index)."""
    train, test = np.asarray(train_labels), np.asarray(test_labels)
    majority = np.bincount(train).argmax()
    return float((test == majority).mean())
