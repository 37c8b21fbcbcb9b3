"""Classify x LanguageModel: prompted classification, the labels scored as choices.

Each test text is rendered by the task's template (``xling.prompts.classify_template``: one
place per task); every label of the test language is a continuation and the model's
log-likelihoods pick one (``acc``, ``acc_norm``, ``acc_bytes`` as for multiple choice, via
``xling.solvers.choice.score``). Nothing is trained: setting ``prompted``, one cell per
language, offered where the task lists ``prompted`` among its settings. Listed after the probe
solver in ``solve.SOLVERS``, so encoders keep their probes and language models get this.
"""
from __future__ import annotations

from dataclasses import replace

from .. import prompts
from ..core import Scored, Setting
from ..errors import XlingError
from ..models import LanguageModel
from . import base, choice

needs = (LanguageModel,)
fewshot = False

trains = base.never_trains
settings = base.only(Setting.PROMPTED)

texts = base.no_texts


def as_choice(task, example):
    """The example with the test language's labels as its choices and its label's index as gold."""
    labels = task.labels_of(example.lang)
    if example.label not in labels:
        raise XlingError(f"{example.source or example.id}: label {example.label!r} is not one of {task.name}'s labels")
    return replace(example, choices=tuple(labels), gold=labels.index(example.label))


def solve(task, model, cell, ctx):
    template = prompts.classify_template(task.name)
    split = task.test_split
    ex = [as_choice(task, e) for e in ctx.examples(task, cell.test_lang, split, limit=True)]
    preds, metrics = choice.score(template, ex, model, ctx)
    for p in preds:  # the label, not its index, as the probes record it
        p.pred["label"] = task.labels_of(p.lang)[p.pred["pred"]]
    return Scored(cell, split, "", preds, metrics, ctx.data_sig(task, cell.test_lang, split), prompt=template.signature)


