"""Mr. TyDi v1.1: monolingual passage retrieval over Wikipedia in 11 languages (dev, test).

Zhang et al., MRL 2021. Local door: Anserini's ``mrtydi/topics/topics.mrtydi-v1.1-<lang>.<split>.txt.gz``
(gzip-compressed ``qid<TAB>query``) and ``mrtydi/qrels/qrels.mrtydi-v1.1-<lang>.<split>.txt``
(``qid Q0 docid 1``, positives only); the corpus, which the mirror does not hold, is read from
``mrtydi/mrtydi-v1.1-<language>/collection/docs.jsonl.gz`` (as in the upstream
``mrtydi-v1.1-<language>.tar.gz``; JSONL with ``id``/``docid``, ``title``, ``contents``/``text``).
Hub door: ``castorini/mr-tydi`` (config = English language name, columns ``query_id``,
``query``, ``positive_passages``, ``negative_passages``) and ``castorini/mr-tydi-corpus``
(split ``train``). Documents are encoded as ``title text``.
"""
from __future__ import annotations

from xling import trec
from xling.languages import normalize
from xling.task import Retrieval

# ISO 639-1 code (file names) -> the language name (hub configs, tarball names)
NAMES = {"ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish", "id": "indonesian", "ja": "japanese",
         "ko": "korean", "ru": "russian", "sw": "swahili", "te": "telugu", "th": "thai"}
SCRIPTS = {"ko": "ko_Hang"}


LAYOUT = trec.Layout(topics="mrtydi/topics/topics.mrtydi-v1.1-{native}.{split}.txt.gz",
                     qrels="mrtydi/qrels/qrels.mrtydi-v1.1-{native}.{split}.txt",
                     corpus="mrtydi/mrtydi-v1.1-{name}/collection/docs.jsonl.gz",
                     hub_id="castorini/mr-tydi", corpus_hub_id="castorini/mr-tydi-corpus",
                     names=NAMES)


TASK = Retrieval(
    name="mrtydi",
    version="1",
    description="Mr. TyDi v1.1 passage retrieval (dev, test), 11 languages; needs the corpus (hub or JSONL)",
    languages=tuple((normalize(SCRIPTS.get(n, n)), n) for n in NAMES),
    splits=("dev", "test"),
    local_files=LAYOUT.local_files,
    read_local=trec.read_part,
    hub_id=LAYOUT.hub_id,
    hub_revision="main",
    hub_config=LAYOUT.hub_config,
    read_hub=LAYOUT.read_hub,
    main_metric="mrr@10",
    settings=("monolingual",),
    homepage="https://github.com/castorini/mr.tydi",
    test_split="test",
    corpus_hub_id=LAYOUT.corpus_hub_id,
)
