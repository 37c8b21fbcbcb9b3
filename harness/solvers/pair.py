"""PairClassify (NLI) x PairClassifier or Encoder.

* PairClassifier (``hf:<checkpoint>`` with a ForSequenceClassification head): the model
  predicts each (premise, hypothesis) directly; nothing trains here, so ``--setting
  zero_shot --train-lang L`` only records the language it was fine-tuned on and the rows
  carry ``train_split = ''`` and no majority baseline.
* Encoder: a logistic-regression probe on the pair features [u, v, |u-v|, u*v] of the
  premise (u) and hypothesis (v) embeddings (InferSent/SentEval), trained on the labelled
  split of the train language(s) (``task.probe_split``: AmericasNLI has only dev), seeded,
  scored like ``solvers/classify.py`` (accuracy, macro-F1, majority and chance baselines).
  A model's own ``probe_features()`` step (charngram: IDF) is fitted on the training
  premises and hypotheses and applied to u and v before they are combined.
"""
from __future__ import annotations

import numpy as np

from ..core import Prediction, Scored
from ..errors import XlingError
from ..models import Encoder, PairClassifier
from . import base, classify

needs = (PairClassifier, Encoder)
fewshot = False
ROLE = classify.ROLE


def trains(model=None) -> bool:
    """A probe is trained for Encoders (``None``: some model trains one); a PairClassifier was
    fine-tuned elsewhere."""
    return not isinstance(model, PairClassifier)


def settings(task):
    return base.task_settings(task, trains(None), fewshot)


def texts(task, ctx, cell):
    """Premises and hypotheses the Encoder probe encodes (the runner asks only for cached encoders)."""
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    out = [(ROLE, [e.text for e in ex] + [e.text_pair for e in ex])]
    for lang in cell.train_lang.split("+"):
        tr = ctx.examples(task, lang, classify.train_split(task, ctx))
        out.append((ROLE, [e.text for e in tr] + [e.text_pair for e in tr]))
    return out


def _encode(model, ex):
    return model.encode([e.text for e in ex], ROLE), model.encode([e.text_pair for e in ex], ROLE)


def features(U, V, head=None):
    """[u, v, |u-v|, u*v] per pair (sparse when a fitted ``head`` gives sparse rows)."""
    if head is None:
        return np.hstack([U, V, np.abs(U - V), U * V])
    import scipy.sparse as sp

    U, V = sp.csr_matrix(head.transform(U)), sp.csr_matrix(head.transform(V))
    return sp.hstack([U, V, abs(U - V), U.multiply(V)], format="csr")


def probe(task, model, train_lang: str, ctx):
    """((feature head or None, fitted LogisticRegression), training label indices), memoised."""

    def fit():
        split = classify.train_split(task, ctx)
        Us, Vs, y = [], [], []
        for lang in train_lang.split("+"):
            ex = ctx.examples(task, lang, split)
            u, v = _encode(model, ex)
            Us.append(u)
            Vs.append(v)
            y.extend(task.labels.index(e.label) for e in ex)
        U, V, y = np.concatenate(Us), np.concatenate(Vs), np.asarray(y)
        make_head = getattr(model, "probe_features", None)
        head = make_head().fit(np.concatenate([U, V])) if make_head is not None else None
        return (head, classify.fit_probe(None, features(U, V, head), y, ctx.seed)), y

    return ctx.memo(("pair-probe", task.name, model.name, train_lang), fit)


def _solve_probe(task, model, cell, ctx, ex):
    (head, clf), y_train = probe(task, model, cell.train_lang, ctx)
    U, V = _encode(model, ex)
    pred = classify.predict(clf, features(U, V, head), classify.allowed(task, cell.test_lang))
    split = classify.train_split(task, ctx)
    data = [ctx.data_sig(task, lang, split) for lang in cell.train_lang.split("+")]
    return pred, y_train, split, data


def _solve_head(task, model, ex):
    if set(model.labels) != set(task.labels):
        raise XlingError(f"model {model.name} predicts {', '.join(model.labels)}; task {task.name} needs "
                         f"{', '.join(task.labels)}")
    out = model.classify([e.text for e in ex], [e.text_pair for e in ex])
    if len(out) != len(ex) or any(p not in task.labels for p in out):
        raise XlingError(f"model {model.name} returned {len(out)} labels for {len(ex)} pairs, or a label outside "
                         f"{', '.join(task.labels)}")
    return np.asarray([task.labels.index(p) for p in out])


def solve(task, model, cell, ctx):
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    if isinstance(model, PairClassifier):
        pred, y_train, split, data = _solve_head(task, model, ex), None, "", []
    else:
        pred, y_train, split, data = _solve_probe(task, model, cell, ctx, ex)
    gold = np.asarray([task.labels.index(e.label) for e in ex])
    preds = [Prediction(e.id, e.lang, e.label, task.labels[p], float(e.label == task.labels[p]),
                        {"premise": e.text, "hypothesis": e.text_pair}) for e, p in zip(ex, pred)]
    metrics = classify.score(task, gold, pred, y_train, ctx.seed, cell.test_lang)
    sig = "+".join([ctx.data_sig(task, cell.test_lang, task.test_split)] + data)
    return Scored(cell, task.test_split, split, preds, metrics, sig)
