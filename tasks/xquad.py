"""XQuAD: extractive QA, 1,190 SQuAD v1.1 dev questions professionally translated into 11
languages, plus Romanian (12 in all). Artetxe et al., ACL 2020.

Items are parallel (same question ids in every language), so besides the usual setting
(question and context in one language) the G-XLT setting of MLQA crosses every question
language with every context language (``--setting gxlt``; 144 pairs).

Local door: the upstream repository's ``xquad.<lang>.json`` (SQuAD v1.1 JSON). Hub door:
``google/xquad`` (configs ``xquad.<lang>``, one split ``validation``; columns id, context,
question, answers{text, answer_start}). The only split is exposed as ``test``.

Hub revision ``51adfef1c1287aab1d2d91b5bead9bcfb9c68583``: as pinned by MTEB's
``XQuADRetrieval`` (embeddings-benchmark/mteb, ``mteb/tasks/retrieval/multilingual/
x_qu_ad_retrieval.py``, ``dataset={"path": "google/xquad", "revision": ...}``).
"""
from __future__ import annotations

import json

from xling.core import Example
from xling.data import _text
from xling.errors import DataError, XlingError
from xling.languages import normalize
from xling.task import Extract

NATIVE = ("ar", "de", "el", "en", "es", "hi", "ro", "ru", "th", "tr", "vi", "zh")


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"xquad/xquad.{native}.json",)


def _answers(where, context: str, texts, starts) -> tuple[tuple[str, int], ...]:
    if len(texts) != len(starts) or not texts:
        raise XlingError(f"{where}: needs as many answer texts as answer starts (at least one)")
    out = []
    for text, start in zip(texts, starts):
        start = int(start)
        if context[start:start + len(text)] != text:
            raise XlingError(f"{where}: answer {text[:40]!r} is not at character {start} of the context")
        out.append((text, start))
    return tuple(out)


def _read_local(paths, lang, split):
    (path,) = paths
    try:
        doc = json.loads(_text(path))
    except json.JSONDecodeError as e:
        raise DataError(path, f"not valid JSON ({e.msg})", e.lineno) from None
    try:
        articles = doc["data"]
        for a, article in enumerate(articles):
            for p, par in enumerate(article["paragraphs"]):
                context = par["context"]
                for qa in par["qas"]:
                    answers = _answers(f"{path}: question {qa['id']}", context, [x["text"] for x in qa["answers"]],
                                       [x["answer_start"] for x in qa["answers"]])
                    yield Example(id=qa["id"], lang=lang, text=qa["question"], text_pair=context, answers=answers,
                                  source=f"{path}:data[{a}].paragraphs[{p}]")
    except (KeyError, TypeError, ValueError) as e:
        raise DataError(path, f"not SQuAD v1.1 JSON (missing or bad field {e})") from None


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return f"xquad.{native}", "validation"


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        where = f"google/xquad {lang} row {i}"
        try:
            answers = _answers(where, row["context"], list(row["answers"]["text"]),
                               list(row["answers"]["answer_start"]))
            yield Example(id=str(row["id"]), lang=lang, text=row["question"], text_pair=row["context"],
                          answers=answers, source=f"hub:{i}")
        except (KeyError, TypeError) as e:
            raise XlingError(f"{where}: missing or bad field {e}") from None


TASK = Extract(
    name="xquad",
    version="1",
    description="XQuAD extractive QA (SQuAD v1.1 dev translated), 12 languages incl. Romanian; G-XLT crossing",
    languages=tuple((normalize(n), n) for n in NATIVE),
    splits=("test",),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="google/xquad",
    hub_revision="51adfef1c1287aab1d2d91b5bead9bcfb9c68583",  # as pinned by MTEB
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="f1",
    settings=("in_language", "zero_shot", "gxlt"),
    homepage="https://github.com/google-deepmind/xquad",
)
