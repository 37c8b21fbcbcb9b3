"""Tatoeba bitext retrieval (LASER test sets v1): 112 languages, each paired with English.

Artetxe & Schwenk, TACL 2019; reported in XTREME as xx->en accuracy. Local door: the
LASER repository's ``data/tatoeba/v1/tatoeba.<xxx>-eng.{<xxx>,eng}`` (line-aligned plain
text). Hub door: ``mteb/tatoeba-bitext-mining`` (configs ``<xxx>-eng``, split ``test``,
columns sentence1 = the xxx side, sentence2 = English).
"""
from __future__ import annotations

from xling.formats import tatoeba as layout
from xling.task import Bitext

TASK = Bitext(
    **layout.DOORS,
    name="tatoeba",
    version="1",
    description="Tatoeba bitext retrieval (LASER v1), 112 languages paired with English",
    main_metric="acc_xx2en",
    settings=("bitext",),
    homepage="https://github.com/facebookresearch/LASER/tree/main/data/tatoeba/v1",
    pivot="eng_Latn",
)
