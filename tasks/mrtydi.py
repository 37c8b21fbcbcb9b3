"""Mr. TyDi v1.1: monolingual passage retrieval over Wikipedia in 11 languages (dev, test).

Zhang et al., MRL 2021. Local door: Anserini's ``mrtydi/topics/topics.mrtydi-v1.1-<lang>.<split>.txt.gz``
(gzip-compressed ``qid<TAB>query``) and ``mrtydi/qrels/qrels.mrtydi-v1.1-<lang>.<split>.txt``
(``qid Q0 docid 1``, positives only); the corpus, which the mirror does not hold, is read from
``mrtydi/mrtydi-v1.1-<language>/collection/docs.jsonl.gz`` (as in the upstream
``mrtydi-v1.1-<language>.tar.gz``; JSONL with ``id``/``docid``, ``title``, ``contents``/``text``).
Documents are encoded as ``title text``.

Hub door: MTEB's copy ``mteb/mrtidy`` of the test split (the upstream ``castorini/mr-tydi``
and ``castorini/mr-tydi-corpus`` load through loading scripts, which ``datasets`` >= 4
refuses): configs named by the English language name, ``<language>-queries`` (``_id``,
``text``, split ``test``), ``<language>-qrels`` (``query-id``, ``corpus-id``, ``score``,
split ``test``) and ``<language>-corpus`` (``_id``, ``title``, ``text``, split ``train``),
read by ``xling.formats.trec.hub_rows``; the dev split is read from a local mirror only.
MTEB's statistics of this copy give the full corpora and test topics (e.g. arabic:
2,106,586 passages, 1,081 queries). Hub revision ``fc24a3ce8f09746410daee3d5cd823ff7a0675b7``:
as pinned by MTEB's ``MrTidyRetrieval`` (embeddings-benchmark/mteb,
``mteb/tasks/retrieval/multilingual/mr_tidy_retrieval.py``, whose ``_load_data_retrieval``
reads exactly these configs, splits and columns).
"""
from __future__ import annotations

from xling.formats import trec
from xling.languages import normalize
from xling.task import Retrieval

# ISO 639-1 code (file names) -> the language name (hub configs, tarball names)
NAMES = {"ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish", "id": "indonesian", "ja": "japanese",
         "ko": "korean", "ru": "russian", "sw": "swahili", "te": "telugu", "th": "thai"}
SCRIPTS = {"ko": "ko_Hang"}


LAYOUT = trec.Layout(topics="mrtydi/topics/topics.mrtydi-v1.1-{native}.{split}.txt.gz",
                     qrels="mrtydi/qrels/qrels.mrtydi-v1.1-{native}.{split}.txt",
                     corpus="mrtydi/mrtydi-v1.1-{name}/collection/docs.jsonl.gz",
                     hub_id="mteb/mrtidy", hub_splits=("test",), corpus_split="train", names=NAMES)


TASK = Retrieval(
    name="mrtydi",
    version="1",
    description="Mr. TyDi v1.1 passage retrieval (dev, test), 11 languages; needs the corpus (hub or JSONL)",
    languages=tuple((normalize(SCRIPTS.get(n, n)), n) for n in NAMES),
    splits=("dev", "test"),
    local_files=LAYOUT.local_files,
    read_local=trec.read_part,
    hub_id=LAYOUT.hub_id,
    hub_revision="fc24a3ce8f09746410daee3d5cd823ff7a0675b7",  # as pinned by MTEB
    hub_config=LAYOUT.hub_config,
    read_hub=LAYOUT.read_hub,
    main_metric="mrr@10",
    settings=("monolingual",),
    homepage="https://github.com/castorini/mr.tydi",
    test_split="test",
)
