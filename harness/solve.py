"""The one place where a task kind meets a model capability.

``plan`` lists the (train language, test language) cells a setting asks for; ``texts``
lists what each cell needs encoded (so the runner can do one pass over all of it); and
``solve`` scores one cell. Unsupported pairs raise one clear error.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .core import Example, Prediction
from .errors import XlingError
from .metrics import bitext as bitext_metrics
from .metrics import classification as cls
from .metrics.uncertainty import bootstrap_ci, mean_ci
from .models import Encoder
from .task import Bitext, Classify, Task

SETTINGS = ("in_language", "zero_shot", "bitext")


@dataclass(frozen=True)
class Cell:
    train_lang: str  # '' when nothing is trained; 'a+b' for a probe pooled over languages
    test_lang: str


@dataclass
class Scored:
    cell: Cell
    split: str
    train_split: str
    predictions: list[Prediction]
    metrics: dict[str, tuple[float, float, float, int]]  # name -> (value, ci_low, ci_high, n)
    data: str  # data signature of everything read for this cell
    query_lang: str = ""


@dataclass
class Context:
    """What solving needs besides the task and model; memoises loaded data and probes."""

    source: object
    seed: int = 0
    limit: int | None = None
    _examples: dict = field(default_factory=dict)
    _probes: dict = field(default_factory=dict)

    def examples(self, task: Task, lang: str, split: str, limit: bool = False) -> list[Example]:
        k = (task.name, lang, split)
        if k not in self._examples:
            self._examples[k] = task.load(lang, split, self.source)
        ex = self._examples[k]
        return ex[: self.limit] if (limit and self.limit) else ex

    def data_sig(self, task: Task, lang: str, split: str) -> str:
        return task.data_signature(lang, split, self.source)


def default_setting(task: Task) -> str:
    return task.settings[0]


def plan(task: Task, setting: str, test_langs: list[str], train_langs: list[str]) -> list[Cell]:
    if setting not in task.settings:
        raise XlingError(f"setting {setting!r} does not apply to task {task.name!r} (it has: {', '.join(task.settings)})")
    if setting == "in_language":
        if train_langs:
            raise XlingError("--train-lang conflicts with --setting in_language (each language trains on itself); "
                             "use --setting zero_shot")
        return [Cell(lang, lang) for lang in test_langs]
    if setting == "zero_shot":
        if not train_langs:
            raise XlingError("--setting zero_shot needs --train-lang (e.g. --train-lang eng_Latn)")
        missing = [lang for lang in train_langs if lang not in task.langs]
        if missing:
            raise XlingError(f"--train-lang {', '.join(missing)} is not a language of task {task.name!r}")
        return [Cell("+".join(train_langs), lang) for lang in test_langs]
    if setting == "bitext":
        if train_langs:
            raise XlingError(f"--train-lang does not apply to task {task.name!r}: it trains nothing")
        return [Cell("", lang) for lang in test_langs]
    raise XlingError(f"unknown setting {setting!r} (known: {', '.join(SETTINGS)})")


def _capable(task: Task, model) -> None:
    if isinstance(task, (Classify, Bitext)) and isinstance(model, Encoder):
        return
    raise XlingError(f"model {getattr(model, 'name', model)!r} cannot do task {task.name!r} "
                     f"({type(task).__name__} needs an Encoder)")


def texts(task: Task, ctx: Context, cell: Cell) -> list[tuple[str, list[str]]]:
    """(role, texts) groups that ``solve`` will encode for this cell."""
    if isinstance(task, Classify):
        out = [("query", [e.text for e in ctx.examples(task, cell.test_lang, task.test_split, limit=True)])]
        for lang in cell.train_lang.split("+"):
            out.append(("query", [e.text for e in ctx.examples(task, lang, task.train_split)]))
        return out
    if isinstance(task, Bitext):
        ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
        return [("query", [e.text for e in ex] + [e.text_pair for e in ex])]
    raise XlingError(f"task kind {type(task).__name__} is not supported yet")


def solve(task: Task, model, cell: Cell, ctx: Context) -> Scored:
    _capable(task, model)
    if isinstance(task, Classify):
        return _classify(task, model, cell, ctx)
    if isinstance(task, Bitext):
        return _bitext(task, model, cell, ctx)
    raise XlingError(f"task kind {type(task).__name__} is not supported yet")


# --------------------------------------------------------------------- Classify x Encoder


def _probe(task: Classify, model, train_lang: str, ctx: Context):
    key = (task.name, model.name, train_lang)
    if key not in ctx._probes:
        from sklearn.linear_model import LogisticRegression

        X, y = [], []
        for lang in train_lang.split("+"):
            ex = ctx.examples(task, lang, task.train_split)
            X.append(model.encode([e.text for e in ex], "query"))
            y.extend(task.labels.index(e.label) for e in ex)
        clf = LogisticRegression(max_iter=2000, random_state=ctx.seed)
        clf.fit(np.concatenate(X), np.asarray(y))
        ctx._probes[key] = (clf, np.asarray(y))
    return ctx._probes[key]


def _classify(task: Classify, model, cell: Cell, ctx: Context) -> Scored:
    clf, y_train = _probe(task, model, cell.train_lang, ctx)
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    X = model.encode([e.text for e in ex], "query")
    pred = clf.predict(X)
    gold = np.asarray([task.labels.index(e.label) for e in ex])
    k = len(task.labels)
    seed = ctx.seed
    acc = cls.accuracy(gold, pred)
    f1 = cls.macro_f1(gold, pred, k)
    metrics = {
        "acc": (acc, *bootstrap_ci(lambda i: cls.accuracy(gold[i], pred[i]), len(gold), seed), len(gold)),
        "macro_f1": (f1, *bootstrap_ci(lambda i: cls.macro_f1(gold[i], pred[i], k), len(gold), seed), len(gold)),
    }
    majority = cls.majority_baseline(y_train, gold)
    metrics["baseline_majority_acc"] = (majority, majority, majority, len(gold))
    metrics["baseline_chance_acc"] = (1.0 / k, 1.0 / k, 1.0 / k, len(gold))
    preds = [Prediction(e.id, e.lang, e.label, task.labels[p], float(e.label == task.labels[p])) for e, p in zip(ex, pred)]
    data = "+".join([ctx.data_sig(task, cell.test_lang, task.test_split)]
                    + [ctx.data_sig(task, lang, task.train_split) for lang in cell.train_lang.split("+")])
    return Scored(cell, task.test_split, task.train_split, preds, metrics, data)


# ---------------------------------------------------------------------- Bitext x Encoder


def _bitext(task: Bitext, model, cell: Cell, ctx: Context) -> Scored:
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    n = len(ex)
    both = model.encode([e.text for e in ex] + [e.text_pair for e in ex], "query")
    src, tgt = both[:n], both[n:]
    nn_fwd, ok_fwd = bitext_metrics.retrieval_correct(src, tgt)
    nn_bwd, ok_bwd = bitext_metrics.retrieval_correct(tgt, src)
    metrics = {
        "acc_xx2en": (float(ok_fwd.mean()), *mean_ci(ok_fwd, ctx.seed), n),
        "acc_en2xx": (float(ok_bwd.mean()), *mean_ci(ok_bwd, ctx.seed), n),
    }
    preds = [Prediction(e.id, e.lang, i, {"xx2en": int(f), "en2xx": int(b)}, float(of))
             for i, (e, f, b, of) in enumerate(zip(ex, nn_fwd, nn_bwd, ok_fwd))]
    return Scored(cell, task.test_split, "", preds, metrics, ctx.data_sig(task, cell.test_lang, task.test_split))


ProgressFn = Callable[[int], None]
