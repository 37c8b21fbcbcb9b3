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

from xling import trec
from xling.languages import normalize
from xling.task import Retrieval

NATIVE = "ar bn de en es fa fi fr hi id ja ko ru sw te th yo zh".split()
SCRIPTS = {"ko": "ko_Hang"}  # Korean is written in Hangul (as in tatoeba's kor_Hang)


LAYOUT = trec.Layout(topics="miracl/topics/topics.miracl-v1.0-{native}-{split}.tsv",
                     qrels="miracl/qrels/qrels.miracl-v1.0-{native}-{split}.tsv",
                     corpus="miracl/miracl-corpus-v1.0-{native}/docs.jsonl.gz",
                     hub_id="miracl/miracl", corpus_hub_id="miracl/miracl-corpus")


TASK = Retrieval(
    name="miracl",
    version="1",
    description="MIRACL v1.0 passage retrieval (dev), 18 languages; needs the corpus (hub or JSONL)",
    languages=tuple((normalize(SCRIPTS.get(n, n)), n) for n in NATIVE),
    splits=("dev",),
    local_files=LAYOUT.local_files,
    read_local=trec.read_part,
    hub_id=LAYOUT.hub_id,
    hub_revision="main",
    hub_config=LAYOUT.hub_config,
    read_hub=LAYOUT.read_hub,
    main_metric="ndcg@10",
    settings=("monolingual",),
    homepage="https://project-miracl.github.io",
    test_split="dev",
    corpus_hub_id=LAYOUT.corpus_hub_id,
)
