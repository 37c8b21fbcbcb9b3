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

from xling.core import Example
from xling.errors import XlingError
from xling.formats import tatoeba as layout
from xling.languages import normalize
from xling.task import Translate


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return layout.paths(native)


def _read_local(paths, lang, split):
    for i, a, b in layout.pairs(*paths):
        yield Example(id=str(i), lang=lang, text=a, text_pair=b, source=f"{paths[0]}:{i + 1}")


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return f"{native}-eng", "test"


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        if not row.get("sentence1") or not row.get("sentence2"):
            raise XlingError(f"mteb/tatoeba-bitext-mining {lang} row {i}: missing sentence1/sentence2")
        yield Example(id=str(i), lang=lang, text=row["sentence1"], text_pair=row["sentence2"], source=f"hub:{i}")


TASK = Translate(
    name="tatoeba_mt",
    version="1",
    description="Tatoeba translation (LASER v1 pairs), 112 languages to and from English",
    languages=tuple((normalize(layout.code(n)), n) for n in layout.NATIVE),
    splits=("test",),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="mteb/tatoeba-bitext-mining",
    hub_revision="69e8f12da6e31d59addadda9a9c8a2e601a0e282",  # as pinned by MTEB (and the tatoeba task)
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="chrf++",
    settings=("xx2en", "en2xx"),
    homepage="https://github.com/facebookresearch/LASER/tree/main/data/tatoeba/v1",
    pivot="eng_Latn",
    pivot_in_pair=True,
)
