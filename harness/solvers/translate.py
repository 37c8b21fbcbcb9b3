"""Translate x Translator (an MT model) and Translate x Generator / LanguageModel (a prompted
LLM, through ``xling.models.prompted_mt``).

A cell translates ``cell.query_lang`` (the source) into ``cell.test_lang`` (the target): the
source sentences are joined to the target's references by id (a parallel corpus such as
FLORES), or taken from each example's pivot side (``Translate.pivot_in_pair``: Tatoeba).
``--limit`` keeps the first N references of the target. Nothing is trained.

Metrics (``xling.metrics.mt``, exactly sacrebleu 2.6): ``chrf++`` (the main metric), ``bleu``
with the target's tokenizer, ``spbleu`` where the ``spm_model`` option names a local
SentencePiece model (else one line says it is skipped; nothing is downloaded), each a corpus
score with a percentile bootstrap interval (``--seed``; resampled sentences' summed
statistics). ``off_target`` (``xling.metrics.offtarget``): the share of outputs in another
language, by whichever identifier (fastText lid.176.ftz or py3langid) recognises more of the
target's references, where one recognises at least 90% of them (else no value, n = 0; the
identifier is named in the signature, ``off_target=<name>``). ``lang_fidelity``
(``xling.metrics.fidelity``): the share of outputs whose every line is in the target language
(fastText, the LCB's line rule), on the same reference condition.

Samples: ``gold`` is the reference, ``pred`` the translation with each metric's sentence
statistics (``<metric>_stats``: corpus-level paired tests can be recomputed exactly from
them), its off-target flag and its lang_fidelity verdict; ``score`` is the sentence-level chrF++ (sacrebleu's
``sentence_score``), the per-item score a leaderboard's paired tests compare. Its mean is
not the corpus chrF++, which pools character n-gram counts over the sentences.

The ``prompt`` slot of every row's signature holds the prompt template's signature (``none``
for an MT model) and sacrebleu's own signature of each metric, e.g.
``none;chrf++=nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0;bleu=...``.
Translations are cached (``xling.textcache``): a rerun makes no model calls.
"""
from __future__ import annotations

import hashlib
import sys

import numpy as np

from .. import textcache
from ..core import Prediction, Scored, Setting
from ..errors import XlingError
from ..metrics import mt
from ..metrics.uncertainty import bootstrap_ci
from ..models import Generator, LanguageModel, Translator
from ..models.prompted_mt import PromptedTranslator
from . import base, langcheck

needs = (Translator, Generator, LanguageModel)
fewshot = False
MAIN = "chrf++"
MAX_TOKENS = 256  # prompted models: new tokens per translation (option max_tokens)

trains = base.never_trains
texts = base.no_texts


def settings(task):
    return tuple(Setting(s) for s in task.settings)


def items(task, ctx, cell) -> tuple[list, list[str], list[str], str]:
    """(target examples, source sentences, references, data signature) of a cell."""
    src, tgt, split = cell.query_lang, cell.test_lang, task.test_split
    if getattr(task, "pivot_in_pair", False):
        if task.pivot not in (src, tgt):
            raise XlingError(f"{task.name} pairs every language with {task.pivot} only: no {src} -> {tgt}")
        side = tgt if src == task.pivot else src
        ex = ctx.examples(task, side, split, limit=True)
        sources = [e.text_pair if src == task.pivot else e.text for e in ex]
        refs = [e.text if src == task.pivot else e.text_pair for e in ex]
        return ex, sources, refs, ctx.data_sig(task, side, split)
    ex = ctx.examples(task, tgt, split, limit=True)
    by_id = {e.id: e.text for e in ctx.examples(task, src, split)}
    missing = [e.id for e in ex if e.id not in by_id]
    if missing:
        raise XlingError(f"{task.name}: {len(missing)} sentences of {tgt} have no {src} counterpart "
                         f"(e.g. id {missing[0]}); translation needs parallel items")
    sig = ctx.data_sig(task, tgt, split) + "+" + ctx.data_sig(task, src, split)
    return ex, [by_id[e.id] for e in ex], [e.text for e in ex], sig


def _store(ctx):
    if ctx.store is None:
        raise XlingError("translation needs a cache store (ctx.store)")
    return ctx.memo(("textstore", str(ctx.store.path)), lambda: textcache.TextStore.beside(ctx.store))


def translations(model, sources: list[str], src: str, tgt: str, ctx) -> tuple[list[str], str]:
    """The outputs (through the cache) and the prompt signature ('none' for an MT model)."""
    store = _store(ctx)
    if isinstance(model, Translator):
        return textcache.translate(store, model, sources, src, tgt), "none"
    pt = PromptedTranslator(model, max_tokens=int(ctx.options.get("max_tokens") or MAX_TOKENS), store=store)
    return pt.translate(sources, src, tgt), pt.signature


def _spm_note(ctx) -> None:
    if not ctx.options.get("spm_model"):
        ctx.memo(("spm-note",), lambda: print(
            "xling: spbleu not computed: it needs a local FLORES-200 SentencePiece model (--spm-model PATH); "
            "xling never downloads it", file=sys.stderr))


def _digest(texts: list[str]) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()


def score(hyps: list[str], refs: list[str], tgt: str, ctx) -> tuple[dict, dict[str, np.ndarray], list[str], np.ndarray]:
    """{metric: (value, lo, hi, n)}, per-sentence statistics per metric, sacrebleu signatures
    and the per-item score (sentence-level chrF++). The references are preprocessed once per
    run for every cell that shares them (all xx2en cells)."""
    metrics, stats, sigs, per_item = {}, {}, [], np.zeros(len(hyps))
    n = len(hyps)
    spm = ctx.options.get("spm_model")
    for m in ctx.memo(("mt-metrics", tgt, spm, _digest(refs)), lambda: mt.metrics_for(tgt, spm, refs)):
        st = m.stats(hyps)
        value = m.corpus(st) if n else float("nan")
        lo, hi = bootstrap_ci(lambda idx, m=m, st=st: mt.bootstrap_scores(m, st, idx), n, ctx.seed)
        metrics[m.name], stats[m.name] = (value, lo, hi, n), st
        sigs.append(f"{m.name}={m.signature}")
        if m.name == MAIN and n:
            per_item = m.per_item(st)
    return metrics, stats, sigs, per_item


def solve(task, model, cell, ctx):
    src, tgt = cell.query_lang, cell.test_lang
    ex, sources, refs, data = items(task, ctx, cell)
    hyps, prompt = translations(model, sources, src, tgt, ctx)
    _spm_note(ctx)
    metrics, stats, sigs, per_item = score(hyps, refs, tgt, ctx)
    metrics["off_target"], flags, lid_sig = langcheck.off_target(ctx, hyps, tgt, refs)
    metrics["lang_fidelity"], verdicts, _ = langcheck.lang_fidelity(ctx, hyps, tgt, refs)
    preds = []
    for i, (e, ref, hyp) in enumerate(zip(ex, refs, hyps)):
        pred = {"text": hyp, "off_target": flags[i], "lang_fidelity": verdicts[i]}
        pred.update({f"{name}_stats": [int(x) for x in st[i]] for name, st in stats.items()})
        preds.append(Prediction(e.id, tgt, ref, pred, float(per_item[i]), sources[i]))  # input: the source
    return Scored(cell, task.test_split, "", preds, metrics, data, prompt=";".join([prompt] + sigs + [lid_sig]))
