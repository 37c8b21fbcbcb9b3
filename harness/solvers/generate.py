"""Generate x Generator: every prompt answered, every output kept, the task's scorer judges them.

Cells: ``monolingual`` one per language (``Cell('', lang, lang)``); ``crosslingual`` one per
target language other than the pivot, with no query language (``Cell('', lang)``: the prompt is
in the task's pivot, English; leaving ``query_lang`` empty keeps the cell in a board's paired
tests). A cell's split is its setting. Outputs come from ``model.generate`` through the text
cache (key: the model's name and ``cache_params``, ``max_tokens``, the prompt: a rerun makes no
model calls), or, for a model that answers items rather than prompts (``generate_items``: the
``replay:`` backend, whose files carry no prompts), from ``generate_items(keys, prompts)`` with
one key per item: (task, setting, source, language, row) — see ``item_key``.

Every cell also reports ``lang_fidelity`` (``xling.solvers.langcheck``: fastText, the LCB's
line rule; the language needs a fastText model). Where the model sends chats (``hf-causal
--chat-template``, ``openai --api chat``), each sample keeps the ``messages`` and the
``rendered`` prompt (None where the server renders it), and a hash of them all is in the
row signature (``prompt:...;chat=<hash>``).
"""
from __future__ import annotations

import sys

from .. import textcache
from ..core import Cell, Prediction, Scored, Setting
from ..errors import XlingError
from ..models import Generator, chat
from . import base, langcheck

needs = (Generator,)
fewshot = False
trains = base.never_trains
texts = base.no_texts


def settings(task):
    return tuple(Setting(s) for s in task.settings)


def plan(task, setting, test_langs, train_langs) -> list[Cell]:
    if train_langs:
        raise XlingError(f"--train-lang does not apply to task {task.name!r}: it trains nothing")
    if setting == Setting.CROSSLINGUAL:
        return [Cell("", lang) for lang in test_langs if lang != task.pivot]
    return [Cell("", lang, lang) for lang in test_langs]


def split_of(cell: Cell) -> str:
    return "monolingual" if cell.query_lang == cell.test_lang else "crosslingual"


def item_key(task, split: str, example) -> tuple[str, str, str, str, str]:
    """(task, setting, source as the data names it, language as the data names it, row in its file)."""
    meta = dict(example.meta)
    return (task.name, split, meta.get("source", ""), meta.get("language", ""), example.id.rpartition("/")[2])


def outputs(task, model, examples, split: str, ctx) -> list[str | None]:
    prompts = [e.text for e in examples]
    if hasattr(model, "generate_items"):
        return list(model.generate_items([item_key(task, split, e) for e in examples], prompts))
    if ctx.store is None:
        raise XlingError("generation needs a cache store (ctx.store)")
    store = ctx.memo(("textstore", str(ctx.store.path)), lambda: textcache.TextStore.beside(ctx.store))
    return textcache.generate(store, model, prompts, max_tokens=max_tokens(task, ctx))


def max_tokens(task, ctx) -> int:
    """Tokens generated at most: ``--max-tokens``, else the task's."""
    return int(ctx.options.get("max_tokens") or task.max_tokens)


def solve(task, model, cell, ctx):
    split = split_of(cell)
    ex = ctx.examples(task, cell.test_lang, split, limit=True)
    outs = outputs(task, model, ex, split, ctx)
    paths = ctx.source.paths(task, cell.test_lang, split) if hasattr(ctx.source, "paths") else ()
    metrics, preds, scores = task.score(ex, outs, paths, ctx.seed)
    metrics["lang_fidelity"], verdicts, _ = langcheck.lang_fidelity(ctx, [o or "" for o in outs], cell.test_lang, None)
    sent, sent_hash = chat.records(model, [e.text for e in ex])
    for p, v, rec in zip(preds, verdicts, sent):
        p.update(rec, lang_fidelity=v)
    missing = sum(o is None for o in outs)
    if missing:
        ctx.memo(("missing", cell), lambda: print(
            f"xling: {task.name} {split} {cell.test_lang}: {missing} of {len(outs)} items have no completion "
            "(?allow-missing): left out", file=sys.stderr))
    out = [Prediction(e.id, e.lang, None, p, s, e.text) for e, p, s in zip(ex, preds, scores)]
    return Scored(cell, split, "", out, metrics, ctx.data_sig(task, cell.test_lang, split),
                  prompt=f"max_tokens={max_tokens(task, ctx)}" + (f";chat={sent_hash}" if sent_hash else ""))
