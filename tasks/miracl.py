"""MIRACL v1.0: monolingual passage retrieval over Wikipedia in 18 languages (dev split).

Zhang et al., TACL 2023. Local door: Anserini's ``miracl/topics/topics.miracl-v1.0-<lang>-dev.tsv``
(``qid<TAB>query``) and ``miracl/qrels/qrels.miracl-v1.0-<lang>-dev.tsv`` (``qid Q0 docid
relevance``, judgments 0 and 1); the corpus, which the mirror does not hold, is read from
``miracl/miracl-corpus-v1.0-<lang>/docs.jsonl.gz``: the JSONL of the hub's ``miracl/miracl-corpus``
(``docid``, ``title``, ``text``; its ``docs-*.jsonl.gz`` shards concatenated, e.g. with ``cat``).
Hub door: ``miracl/miracl`` (config = language, columns ``query_id``, ``query``,
``positive_passages``, ``negative_passages``) and ``miracl/miracl-corpus`` (split ``train``).
Documents are encoded as ``title text``.
"""
from __future__ import annotations

from harness import trec
from harness.languages import normalize
from harness.task import Retrieval

NATIVE = "ar bn de en es fa fi fr hi id ja ko ru sw te th yo zh".split()
SCRIPTS = {"ko": "ko_Hang"}  # Korean is written in Hangul (as in tatoeba's kor_Hang)


def _local_files(native: str, split: str) -> tuple[str, ...]:
    base, _, part = split.partition("/")
    if part == "qrels":
        return (f"miracl/qrels/qrels.miracl-v1.0-{native}-{base}.tsv",)
    if part == "corpus":
        return (f"miracl/miracl-corpus-v1.0-{native}/docs.jsonl.gz",)
    return (f"miracl/topics/topics.miracl-v1.0-{native}-{base}.tsv",)


def _hub_config(native: str, split: str) -> tuple[str, str]:
    base, _, part = split.partition("/")
    return native, ("train" if part == "corpus" else base)


def _read_hub(rows, lang, split):
    repo = TASK.corpus_hub_id if split.endswith("/corpus") else TASK.hub_id
    return trec.hub_part(repo, rows, lang, split)


TASK = Retrieval(
    name="miracl",
    version="1",
    description="MIRACL v1.0 passage retrieval (dev), 18 languages; needs the corpus (hub or JSONL)",
    languages=tuple((normalize(SCRIPTS.get(n, n)), n) for n in NATIVE),
    splits=("dev",),
    local_files=_local_files,
    read_local=trec.read_part,
    hub_id="miracl/miracl",
    hub_revision="main",
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="ndcg@10",
    settings=("monolingual",),
    homepage="https://project-miracl.github.io",
    test_split="dev",
    corpus_hub_id="miracl/miracl-corpus",
)
