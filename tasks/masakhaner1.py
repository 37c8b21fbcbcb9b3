"""MasakhaNER 1.0: named entities (PER, ORG, LOC, DATE) in news text of 10 African languages.

Adelani et al., TACL 2021. Local door: ``masakhane-ner/data/<lang>/{train,dev,test}.txt``
(the same CoNLL-style text as 2.0, read by ``xling.formats.conll``; note that
luo/train.txt starts with a UTF-8 BOM, which the reader drops). Hub door:
``masakhane/masakhaner`` (configs amh ... yor, splits train/validation/test, ``tokens`` and
``ner_tags`` class ids over the same nine tags as 2.0).

Hub revision: not pinned yet (``None``: the hub door refuses; the local door works): no
public code or page seen here names a commit of this repository.
"""
from __future__ import annotations

from xling.formats.conll import ConllSource, conll_task
from xling.languages import normalize

TYPES = ("PER", "ORG", "LOC", "DATE")
HUB_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-DATE", "I-DATE")  # as in 2.0

NATIVE = "amh hau ibo kin lug luo pcm swa wol yor".split()

TASK = conll_task(
    "masakhaner1",
    "MasakhaNER 1.0 named entities (PER, ORG, LOC, DATE), 10 African languages",
    languages=tuple((normalize(n), n) for n in NATIVE),
    source=ConllSource(local_dir="masakhane-ner/data", hub_id="masakhane/masakhaner", types=TYPES, hub_tags=HUB_TAGS),
    hub_revision=None,
    homepage="https://github.com/masakhane-io/masakhane-ner/tree/main/data",
)
