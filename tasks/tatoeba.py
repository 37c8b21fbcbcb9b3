"""Tatoeba bitext retrieval (LASER test sets v1): 112 languages, each paired with English.

Artetxe & Schwenk, TACL 2019; reported in XTREME as xx->en accuracy. Local door: the
LASER repository's ``data/tatoeba/v1/tatoeba.<xxx>-eng.{<xxx>,eng}`` (line-aligned plain
text). Hub door: ``mteb/tatoeba-bitext-mining`` (configs ``<xxx>-eng``, split ``test``,
columns sentence1 = the xxx side, sentence2 = English).
"""
from __future__ import annotations

from xling.core import Example
from xling.errors import XlingError
from xling.formats import tatoeba as layout
from xling.languages import normalize
from xling.task import Bitext

def _local_files(native: str, split: str) -> tuple[str, ...]:
    return layout.paths(native)


def _read_local(paths, lang, split):
    xx_path, _ = paths
    for i, a, b in layout.pairs(*paths):
        yield Example(id=str(i), lang=lang, text=a, text_pair=b, source=f"{xx_path}:{i + 1}")


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return f"{native}-eng", "test"


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        if not row.get("sentence1") or not row.get("sentence2"):
            raise XlingError(f"mteb/tatoeba-bitext-mining {lang} row {i}: missing sentence1/sentence2")
        yield Example(id=str(i), lang=lang, text=row["sentence1"], text_pair=row["sentence2"], source=f"hub:{i}")


TASK = Bitext(
    name="tatoeba",
    version="1",
    description="Tatoeba bitext retrieval (LASER v1), 112 languages paired with English",
    languages=tuple((normalize(layout.code(n)), n) for n in layout.NATIVE),
    splits=("test",),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="mteb/tatoeba-bitext-mining",
    hub_revision="69e8f12da6e31d59addadda9a9c8a2e601a0e282",  # as pinned by MTEB
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc_xx2en",
    settings=("bitext",),
    homepage="https://github.com/facebookresearch/LASER/tree/main/data/tatoeba/v1",
    pivot="eng_Latn",
)
