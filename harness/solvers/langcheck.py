"""Output-language checks for any solver whose model generates text: ``lang_fidelity`` (every
generative task) and translation's ``off_target`` (``xling.metrics.fidelity``). Whether a
language can be judged is decided once per run for each (language, references) and, where it
cannot, said once on stderr; its metric then has no value and n = 0."""
from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence

import numpy as np

from ..metrics import fidelity, offtarget
from ..metrics.uncertainty import mean_ci

NAN = (float("nan"), float("nan"), float("nan"), 0)


def _digest(texts: Sequence[str] | None) -> str:
    return "-" if texts is None else hashlib.sha256("\x00".join(texts).encode()).hexdigest()


def _note(ctx, metric: str, lang: str, reason: str) -> None:
    if reason:
        ctx.memo(("lang-note", metric, lang, reason),
                 lambda: print(f"xling: {metric} of {lang} not computed: {reason}", file=sys.stderr))


def lang_fidelity(ctx, outputs: Sequence[str], lang: str, references: Sequence[str] | None):
    """((value, lo, hi, n), per-output verdict, reason) of ``outputs`` expected in ``lang``;
    ``references``: the task's own text in ``lang`` (None: only a fastText model of it needed)."""
    why = ctx.memo(("lang-fidelity", lang, _digest(references)), lambda: fidelity.fidelity_reason(references, lang))
    metric, verdicts, reason = fidelity.lang_fidelity(outputs, lang, why, ctx.seed)
    _note(ctx, "lang_fidelity", lang, reason)
    return metric, verdicts, reason


def off_target(ctx, outputs: Sequence[str], lang: str, references: Sequence[str]):
    """((value, lo, hi, n), per-output flag, the identifier's signature part) of translations
    into ``lang``, by the identifier that recognises more of the references."""
    ident, why = ctx.memo(("off-target", lang, _digest(references)), lambda: offtarget.choose(references, lang))
    _note(ctx, "off_target", lang, why)
    if ident is None:
        return NAN, [None] * len(outputs), "off_target=none"
    flags = offtarget.flags(outputs, lang, ident)
    judged = np.asarray([f for f in flags if f is not None], dtype=np.float64)
    metric = (float(judged.mean()), *mean_ci(judged, ctx.seed), len(judged)) if len(judged) else NAN
    return metric, flags, f"off_target={fidelity.name_of(ident)}"
