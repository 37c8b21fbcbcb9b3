"""Bitext x Encoder: nearest-neighbour retrieval of each sentence's translation, both ways."""
from __future__ import annotations

from ..core import Prediction, Scored
from ..metrics import bitext as bitext_metrics
from ..metrics.uncertainty import mean_ci
from ..models import Encoder
from . import base

needs = (Encoder,)
fewshot = False

trains = base.never_trains


def settings(task):
    return base.task_settings(task, trains(None), fewshot)


ROLE = "query"  # symmetric use: e5's card prefixes both sides with 'query: '


def texts(task, ctx, cell):
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    return [(ROLE, [e.text for e in ex] + [e.text_pair for e in ex])]


def solve(task, model, cell, ctx):
    ex = ctx.examples(task, cell.test_lang, task.test_split, limit=True)
    n = len(ex)
    both = model.encode([e.text for e in ex] + [e.text_pair for e in ex], ROLE)
    src, tgt = both[:n], both[n:]
    nn_fwd, ok_fwd = bitext_metrics.retrieval_correct(src, tgt)
    nn_bwd, ok_bwd = bitext_metrics.retrieval_correct(tgt, src)
    metrics = {
        "acc_xx2en": (float(ok_fwd.mean()), *mean_ci(ok_fwd, ctx.seed), n),
        "acc_en2xx": (float(ok_bwd.mean()), *mean_ci(ok_bwd, ctx.seed), n),
    }
    preds = [Prediction(e.id, e.lang, i, {"xx2en": int(f), "en2xx": int(b)}, float(of), e.text)
             for i, (e, f, b, of) in enumerate(zip(ex, nn_fwd, nn_bwd, ok_fwd))]
    return Scored(cell, task.test_split, "", preds, metrics, ctx.data_sig(task, cell.test_lang, task.test_split))
