"""Tatoeba translation (LASER test sets v1): 112 languages to and from English.

The same sentence pairs as the ``tatoeba`` bitext-mining task (Artetxe & Schwenk, TACL 2019),
scored as translation: ``xx2en`` translates each language's side into English against the
pair's English side, ``en2xx`` the other way. Each language has its own English sentences,
so the pivot is carried in each example (``pivot_in_pair``) and no two non-English
languages are parallel. Local door: ``tatoeba/data/tatoeba/v1/tatoeba.<xxx>-eng.{<xxx>,eng}``.
Hub door: ``mteb/tatoeba-bitext-mining`` (configs ``<xxx>-eng``, split ``test``; sentence1
= the xxx side, sentence2 = English) at the revision MTEB pins.
"""
from __future__ import annotations

from xling.formats import tatoeba as layout
from xling.task import Translate

TASK = Translate(
    **layout.DOORS,
    name="tatoeba_mt",
    version="1",
    description="Tatoeba translation (LASER v1 pairs), 112 languages to and from English",
    main_metric="chrf++",
    settings=("xx2en", "en2xx"),
    homepage="https://github.com/facebookresearch/LASER/tree/main/data/tatoeba/v1",
    pivot="eng_Latn",
    pivot_in_pair=True,
)
