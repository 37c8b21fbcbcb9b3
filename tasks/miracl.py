"""MIRACL v1.0: monolingual passage retrieval over Wikipedia in 18 languages (dev split).

Zhang et al., TACL 2023. Local door: Anserini's ``miracl/topics/topics.miracl-v1.0-<lang>-dev.tsv``
(``qid<TAB>query``) and ``miracl/qrels/qrels.miracl-v1.0-<lang>-dev.tsv`` (``qid Q0 docid
relevance``, judgments 0 and 1); the corpus, which the mirror does not hold, is read from
``miracl/miracl-corpus-v1.0-<lang>/docs.jsonl.gz``: the JSONL of the hub's ``miracl/miracl-corpus``
(``docid``, ``title``, ``text``; its ``docs-*.jsonl.gz`` shards concatenated, e.g. with ``cat``).
Documents are encoded as ``title text``.

Hub door: MTEB's copy ``mteb/MIRACLRetrieval`` (the upstream ``miracl/miracl`` and
``miracl/miracl-corpus`` load through loading scripts, which ``datasets`` >= 4 refuses): 54
configs ``<lang>-queries`` (``_id``, ``text``), ``<lang>-qrels`` (``query-id``,
``corpus-id``, ``score``: judgments 0 and 1) and ``<lang>-corpus`` (``_id``, ``title``,
``text``), all in split ``dev``, read by ``xling.formats.trec.hub_rows``. MTEB's statistics of
this copy give the full corpora and dev topics (e.g. ar: 2,061,414 passages, 2,896 queries).
Hub revision ``9c09abc13478308c27598f350e31d8f06b9b5481``: as pinned by MTEB's
``MIRACLRetrieval`` (embeddings-benchmark/mteb, ``mteb/tasks/retrieval/multilingual/
miracl_retrieval.py``); the config and split names are those MTEB's loader and public
scripts pinned to the same revision read (``load_dataset("mteb/MIRACLRetrieval",
"ar-queries", split="dev", revision=...)``).
"""
from __future__ import annotations

from xling.formats import trec
from xling.languages import normalize
from xling.task import Retrieval

NATIVE = "ar bn de en es fa fi fr hi id ja ko ru sw te th yo zh".split()
SCRIPTS = {"ko": "ko_Hang"}  # Korean is written in Hangul (as in tatoeba's kor_Hang)


LAYOUT = trec.Layout(topics="miracl/topics/topics.miracl-v1.0-{native}-{split}.tsv",
                     qrels="miracl/qrels/qrels.miracl-v1.0-{native}-{split}.tsv",
                     corpus="miracl/miracl-corpus-v1.0-{native}/docs.jsonl.gz",
                     hub_id="mteb/MIRACLRetrieval", hub_splits=("dev",))


TASK = Retrieval(
    name="miracl",
    version="1",
    description="MIRACL v1.0 passage retrieval (dev), 18 languages; needs the corpus (hub or JSONL)",
    languages=tuple((normalize(SCRIPTS.get(n, n)), n) for n in NATIVE),
    splits=("dev",),
    local_files=LAYOUT.local_files,
    read_local=trec.read_part,
    hub_id=LAYOUT.hub_id,
    hub_revision="9c09abc13478308c27598f350e31d8f06b9b5481",  # as pinned by MTEB
    hub_config=LAYOUT.hub_config,
    read_hub=LAYOUT.read_hub,
    main_metric="ndcg@10",
    settings=("monolingual",),
    homepage="https://project-miracl.github.io",
    test_split="dev",
)
