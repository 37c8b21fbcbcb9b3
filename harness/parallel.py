"""Parallel sentences of a task, paired with their translations in a pivot language.

* A ``Bitext`` task (Tatoeba): each language's test pairs as they are (``text`` in the
  language, ``text_pair`` its translation in the task's pivot); each language has its own
  pivot sentences.
* Any other task whose sentences are the same in every language under the same ids
  (SIB-200: FLORES sentences, ``index_id``): every split of the language, joined with the
  pivot language's sentences by id, in the pivot's order (train, then dev, then test).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import XlingError


@dataclass
class Pairs:
    lang: str
    texts: list[str]  # sentences in ``lang``
    pivot: list[str]  # row i: the translation of texts[i] in the pivot language
    ids: list[str] = field(default_factory=list)


def by_id(task, lang: str, source) -> dict[str, str]:
    """id -> text over every split of ``task`` for ``lang`` (ids must not repeat with other text)."""
    out: dict[str, str] = {}
    for split in task.splits:
        for e in task.load(lang, split, source):
            if out.get(e.id, e.text) != e.text:
                raise XlingError(f"{task.name} {lang}: id {e.id} has two different sentences (split {split}); "
                                 "the task is not parallel by id")
            out[e.id] = e.text
    return out


def read(task, langs: list[str], pivot: str, source) -> tuple[list[Pairs], list[str]]:
    """The pairs of each language (the pivot included for a parallel-by-id task) and notes
    on what was left out."""
    from .task import Bitext

    if isinstance(task, Bitext):
        if pivot != task.pivot:
            raise XlingError(f"--pivot {pivot}: task {task.name} pairs every language with {task.pivot} only")
        out = []
        for lang in langs:
            ex = task.load(lang, task.test_split, source)
            out.append(Pairs(lang, [e.text for e in ex], [e.text_pair for e in ex], [e.id for e in ex]))
        return out, []
    if pivot not in task.langs:
        raise XlingError(f"--pivot {pivot} is not a language of task {task.name}")
    ref = by_id(task, pivot, source)
    out, notes = [], []
    for lang in dict.fromkeys([pivot] + list(langs)):
        own = ref if lang == pivot else by_id(task, lang, source)
        ids = [i for i in ref if i in own]
        if len(ids) < 2 or len(ids) < len(ref) / 2:
            raise XlingError(f"{task.name} {lang}: only {len(ids)} of the pivot's {len(ref)} sentence ids; the task is "
                             "not parallel by id")
        if len(ids) < len(ref):
            notes.append(f"{lang}: {len(ids)} of the pivot's {len(ref)} sentences (the others are missing)")
        out.append(Pairs(lang, [own[i] for i in ids], [ref[i] for i in ids], ids))
    return out, notes
