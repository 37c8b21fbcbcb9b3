"""LAReQA XQuAD-R: language-agnostic answer-sentence retrieval, 11 parallel languages.

Roy et al., EMNLP 2020. The candidates are the sentences of XQuAD's 240 paragraphs in each
language (``sentences``, cut at ``sentence_breaks``); a question's relevant candidates are,
in every language, the sentence whose span holds its answer's ``answer_start`` (the
reference code, google-research/xtreme ``third_party/utils_lareqa.py``: ``start <= answer_start
< end``). XQuAD is parallel, so question ``id``s are shared across languages and a question
has one relevant sentence per pool language (11 in the all-languages pool). Candidate ids
are ``<lang>_<paragraph number>_<sentence number>`` as in the reference code.

Settings: ``monolingual`` (query language = pool language), ``crosslingual`` (every query
language x every pool language) and ``multilingual_pool`` (LAReQA's own setting: each query
language against the pool of all 11 languages' sentences, test_lang ``mul_Zyyy``). Main
metric: mAP over the whole pool, as LAReQA reports it.

Local door: the LAReQA repository's ``lareqa/xquad-r/<lang>.json`` (SQuAD v1.1 JSON plus the
two per-paragraph keys). Hub door: none that works; ``google-research-datasets/xquad_r`` on
the hub keeps only id/context/question/answers, without the sentence breaks that define the
candidates, so the hub door refuses with a clear error instead of guessing sentences (and
no revision is pinned: ``hub_revision`` is None).
Quirk: in ``tr.json`` one paragraph's ``sentence_breaks`` are shifted by two characters
against its ``sentences``; the published ``sentences`` are the candidate texts and the breaks
decide relevance (their order and number agree everywhere).
"""
from __future__ import annotations

import json

from xling.core import Example
from xling.data import _text
from xling.errors import DataError, XlingError
from xling.formats.trec import judgment
from xling.languages import normalize
from xling.task import Retrieval

NATIVE = "ar de el en es hi ru th tr vi zh".split()
HUB_ID = "google-research-datasets/xquad_r"


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"lareqa/xquad-r/{native}.json",)


def _paragraphs(path):
    try:
        data = json.loads(_text(path))
    except json.JSONDecodeError as e:
        raise DataError(path, f"invalid JSON ({e.msg})", e.lineno) from None
    try:
        for article in data["data"]:
            yield from article["paragraphs"]
    except (KeyError, TypeError) as e:
        raise DataError(path, f"not SQuAD-format JSON (missing {e})") from None


def _read_local(paths, lang, split):
    (path,) = paths
    native = path.stem
    part = split.partition("/")[2]
    seen: set[str] = set()
    for p_no, para in enumerate(_paragraphs(path), 1):
        try:
            sentences, breaks, qas = para["sentences"], para["sentence_breaks"], para["qas"]
        except KeyError as e:
            raise DataError(path, f"paragraph {p_no} lacks {e} (XQuAD-R needs sentences and sentence_breaks)") from None
        if len(sentences) != len(breaks) or not sentences:
            raise DataError(path, f"paragraph {p_no} has {len(sentences)} sentences but {len(breaks)} sentence breaks")
        ctx = f"{native}_{p_no}"
        if part == "corpus":
            for s_no, sentence in enumerate(sentences):
                yield Example(id=f"{ctx}_{s_no}", lang=lang, text=sentence, source=f"{path}#{ctx}_{s_no}")
            continue
        for qa in qas:
            qid = qa["id"]
            if qid in seen:
                raise DataError(path, f"duplicate question id {qid!r}")
            seen.add(qid)
            if part == "":
                yield Example(id=qid, lang=lang, text=qa["question"], source=f"{path}#{qid}")
                continue
            start = qa["answers"][0]["answer_start"]
            hit = [i for i, (b, e) in enumerate(breaks) if b <= start < e]
            if hit:  # the reference code skips (with a warning) answers outside every sentence
                yield judgment(qid, f"{ctx}_{hit[0]}", 1, lang, f"{path}#{qid}")


def _hub_config(native: str, split: str) -> tuple[str, str]:
    raise XlingError(f"lareqa: the hub copy {HUB_ID} has no sentence breaks, so XQuAD-R's candidate sentences "
                     "cannot be rebuilt from it; use --data-dir with the LAReQA repository's xquad-r/ files "
                     "(lareqa/xquad-r/<lang>.json)")


def _read_hub(rows, lang, split):  # pragma: no cover - _hub_config refuses first
    raise XlingError(f"lareqa: no hub door ({HUB_ID} lacks sentence breaks)")


TASK = Retrieval(
    name="lareqa",
    version="1",
    description="LAReQA XQuAD-R answer-sentence retrieval, 11 languages, mono-/cross-lingual and all-language pool",
    languages=tuple((normalize(n), n) for n in NATIVE),
    splits=("test",),
    local_files=_local_files,
    read_local=_read_local,
    hub_id=HUB_ID,
    hub_revision=None,  # no usable hub copy (see the module docstring)
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="map",
    settings=("monolingual", "crosslingual", "multilingual_pool"),
    homepage="https://github.com/google-research-datasets/lareqa",
)
