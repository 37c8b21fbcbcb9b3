"""MultipleChoice x LanguageModel: each choice's log-likelihood given its context, as
lm-evaluation-harness 0.4.13 scores ``output_type: multiple_choice`` tasks (zero-shot).

The task's ``template`` (``xling.prompts.ChoiceTemplate``) renders every item into its
(context, continuation) pairs; the model scores them (through the cache, ``lmcalls``); an
item is right under ``acc`` / ``acc_norm`` / ``acc_bytes`` as ``xling.metrics.choice`` says.
Each metric has a bootstrap interval over items; ``baseline_chance_acc`` is the mean of
1/choices. Where the model counts left-truncated contexts, a ``truncated`` row gives how many
requests of the cell were cut (n: the cell's requests). Samples keep, per item, the per-choice
log-likelihoods, the three predictions and the input the model read.

Nothing is trained: one cell per language (setting ``prompted``). ``score`` is shared with the
prompted Classify solver.
"""
from __future__ import annotations

from ..core import Prediction, Scored, Setting
from ..errors import XlingError
from ..metrics import choice as mc
from ..models import LanguageModel
from . import base, lmcalls

needs = (LanguageModel,)
fewshot = False

trains = base.never_trains
settings = base.only(Setting.PROMPTED)

texts = base.no_texts


def render(template, example):
    """The example's Rendered pairs; an item without choices or with its gold index out of range
    is a one-line error naming its file and line."""
    where = example.source or f"{example.lang} item {example.id}"
    try:
        r = template.render(example)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as e:
        raise XlingError(f"{where}: template {template.name!r} cannot render item {example.id!r} ({type(e).__name__}: {e})") from None
    if not r.continuations:
        raise XlingError(f"{where}: item {example.id!r} has no choices")
    if example.gold is None or not 0 <= example.gold < len(r.continuations):
        raise XlingError(f"{where}: item {example.id!r}: gold index {example.gold!r} is out of range "
                         f"for its {len(r.continuations)} choices")
    return r


def _sample(e, r, lls, preds) -> dict:
    shared = len(set(r.contexts)) == 1
    return {"pred": preds[0], "pred_norm": preds[1], "pred_bytes": preds[2], "lls": lls,
            **({"context": r.contexts[0]} if shared else {"contexts": list(r.contexts)}),
            "continuations": list(r.continuations)}


def score(template, examples, model, ctx):
    """(predictions, metrics) of ``examples`` under ``template``."""
    rendered = [render(template, e) for e in examples]
    requests = [(c, x) for r in rendered for c, x in zip(r.contexts, r.continuations)]
    out = lmcalls.loglikelihood(ctx, model, requests)
    per_item: dict[str, list[float]] = {"acc": [], "acc_norm": [], "acc_bytes": []}
    preds, chance, start = [], [], 0
    for e, r in zip(examples, rendered):
        k = len(r.continuations)
        lls = [ll for ll, _, _ in out[start:start + k]]
        start += k
        for name, value in mc.scores(lls, r.norms, e.gold).items():
            per_item[name].append(value)
        chance.append(1.0 / k)
        p = mc.predictions(lls, r.norms)
        preds.append(Prediction(e.id, e.lang, e.gold, _sample(e, r, lls, p), float(p[0] == e.gold)))
    metrics = base.summarize(per_item, ctx.seed)
    n = len(examples)
    metrics["baseline_chance_acc"] = (sum(chance) / n,) * 3 + (n,)
    flags = [t for _, _, t in out]
    if flags and all(t is not None for t in flags):
        cut = float(sum(flags))
        metrics["truncated"] = (cut, cut, cut, len(flags))
    return preds, metrics


def solve(task, model, cell, ctx):
    split = task.test_split
    ex = ctx.examples(task, cell.test_lang, split, limit=True)
    preds, metrics = score(task.template, ex, model, ctx)
    return Scored(cell, split, "", preds, metrics, ctx.data_sig(task, cell.test_lang, split),
                  prompt=task.template.signature)
