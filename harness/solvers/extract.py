"""Extract x SpanExtractor (a fine-tuned QA head) and Extract x Generator (a prompted LLM).

Nothing is trained here (``TRAINS = False``): ``--setting zero_shot --train-lang L`` records
the language the checkpoint was fine-tuned on. In ``gxlt`` cells the question comes from
``cell.query_lang`` and the context from ``cell.test_lang``; the two are joined on the item
id (XQuAD's items are parallel). Answers are scored in the context's language (``exact_match``
and ``f1``, language-aware, xling.metrics.qa: the main metric) and, for comparison with
published XQuAD/XTREME tables, as the SQuAD v1.1 script scores every language (``em_squad``,
``f1_squad``), all with bootstrap CIs over items. Generative runs also report
``answer_lang_fidelity``: the share of answers identified as the context's language
(py3langid among the task's languages), and ``lang_fidelity`` (fastText, the LCB's line
rule, the contexts as references: answers shorter than 5 tokens are not judged, so ``n``
counts only the long ones).

Model outputs (spans, completions) are cached in ``ctx.store``'s file (xling.textcache).
"""
from __future__ import annotations

from .. import prompts, textcache
from ..core import INPUT_CHARS, Prediction, Scored
from ..errors import XlingError
from ..metrics import fidelity, qa
from ..metrics.uncertainty import mean_ci
from ..models import Generator, SpanExtractor
from . import base, langcheck

needs = (SpanExtractor, Generator)
fewshot = False

trains = base.never_trains


def settings(task):
    return base.task_settings(task, trains(None), fewshot)


MAX_TOKENS = 64

texts = base.no_texts


def items(task, ctx, cell):
    """(questions, context examples) of a cell: questions in ``cell.query_lang`` (if set)
    joined by id to the first ``--limit`` items of the context language."""
    split = task.test_split
    ex = ctx.examples(task, cell.test_lang, split, limit=True)
    qlang = cell.query_lang or cell.test_lang
    if qlang == cell.test_lang:
        return [e.text for e in ex], ex
    by_id = {e.id: e.text for e in ctx.examples(task, qlang, split)}
    missing = [e.id for e in ex if e.id not in by_id]
    if missing:
        raise XlingError(f"{task.name}: {len(missing)} items of {cell.test_lang} have no question in {qlang} "
                         f"(e.g. id {missing[0]}); G-XLT needs parallel items")
    return [by_id[e.id] for e in ex], ex


def _store(ctx):
    if ctx.store is None:
        raise XlingError("extractive QA needs a cache store (ctx.store)")
    return ctx.memo(("textstore", str(ctx.store.path)), lambda: textcache.TextStore.beside(ctx.store))


def solve(task, model, cell, ctx):
    questions, ex = items(task, ctx, cell)
    contexts = [e.text_pair for e in ex]
    lang = cell.test_lang
    store = _store(ctx)
    prompt = "none"
    if isinstance(model, SpanExtractor):
        spans = textcache.extract(store, model, questions, contexts)
        answers = [t for t, _ in spans]
        preds_out = [{"text": t, "start": s} for t, s in spans]
    else:
        template = prompts.qa_template(ctx.options.get("prompt_lang"), lang)
        prompt = template.signature
        raw = textcache.generate(store, model, [template.render(q, c) for q, c in zip(questions, contexts)],
                                 max_tokens=MAX_TOKENS)
        answers = [prompts.clean_answer(r) for r in raw]
        preds_out = [{"text": a, "raw": r} for a, r in zip(answers, raw)]
    golds = [[t for t, _ in e.answers] for e in ex]
    em, f1 = qa.score(answers, golds, lang)
    em_squad, f1_squad = qa.score_squad(answers, golds)
    n = len(ex)
    metrics = {name: (sum(v) / n, *mean_ci(v, ctx.seed), n)
               for name, v in (("exact_match", em), ("f1", f1), ("em_squad", em_squad), ("f1_squad", f1_squad))}
    if prompt != "none":
        ok = fidelity.judged(answers, lang, candidates=task.langs)
        if ok:
            metrics["answer_lang_fidelity"] = (sum(ok) / len(ok), *mean_ci(ok, ctx.seed), len(ok))
        metrics["lang_fidelity"], verdicts, _ = langcheck.lang_fidelity(ctx, answers, lang, contexts)
        for p, v in zip(preds_out, verdicts):
            p["lang_fidelity"] = v
    preds = [Prediction(e.id, e.lang, g, p, float(s), {"question": q, "context": e.text_pair[:INPUT_CHARS]})
             for e, q, g, p, s in zip(ex, questions, golds, preds_out, f1)]
    split = task.test_split
    data = ctx.data_sig(task, lang, split)
    if cell.query_lang and cell.query_lang != lang:
        data += "+" + ctx.data_sig(task, cell.query_lang, split)
    return Scored(cell, split, "", preds, metrics, data, prompt=prompt)
