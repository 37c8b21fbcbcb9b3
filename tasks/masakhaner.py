"""MasakhaNER 2.0: named entities (PER, ORG, LOC, DATE) in news text of 20 African languages.

Adelani et al., EMNLP 2022. Local door: the upstream repository layout
``masakhane-ner/MasakhaNER2.0/data/<lang>/{train,dev,test}.txt``: CoNLL-style text, one
``token TAG`` per line (single space), IOB2 tags, a blank line between sentences, read by
``xling.formats.conll`` (which keeps the few ill-formed tag sequences of the gold files as
published). Hub door: ``masakhane/masakhaner2`` (one config per language code, splits
train/validation/test, columns ``tokens`` and ``ner_tags`` as class ids over ``HUB_TAGS``).

Hub revision: not pinned yet (``None``: the hub door refuses; the local door works). The
repository holds a loading script (``masakhaner2.py``), which ``datasets`` >= 4 refuses, and
no public code or page seen here names a commit of a Parquet conversion of it.
"""
from __future__ import annotations

from xling.formats.conll import ConllSource, conll_task
from xling.languages import normalize

TYPES = ("PER", "ORG", "LOC", "DATE")
# The hub's ClassLabel names for ner_tags (ids 0..8), same in masakhaner and masakhaner2.
HUB_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-DATE", "I-DATE")

NATIVE = "bam bbj ewe fon hau ibo kin lug luo mos nya pcm sna swa tsn twi wol xho yor zul".split()

TASK = conll_task(
    "masakhaner",
    "MasakhaNER 2.0 named entities (PER, ORG, LOC, DATE), 20 African languages",
    languages=tuple((normalize(n), n) for n in NATIVE),
    source=ConllSource(local_dir="masakhane-ner/MasakhaNER2.0/data", hub_id="masakhane/masakhaner2", types=TYPES,
                       hub_tags=HUB_TAGS),
    hub_revision=None,
    homepage="https://github.com/masakhane-io/masakhane-ner/tree/main/MasakhaNER2.0",
)
