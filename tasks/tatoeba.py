"""Tatoeba bitext retrieval (LASER test sets v1): 112 languages, each paired with English.

Artetxe & Schwenk, TACL 2019; reported in XTREME as xx->en accuracy. Local door: the
LASER repository's ``data/tatoeba/v1/tatoeba.<xxx>-eng.{<xxx>,eng}`` (line-aligned plain
text). Hub door: ``mteb/tatoeba-bitext-mining`` (configs ``<xxx>-eng``, split ``test``,
columns sentence1 = the xxx side, sentence2 = English).
"""
from __future__ import annotations

from xling.core import Example
from xling.data import read_lines
from xling.errors import DataError, XlingError
from xling.languages import normalize
from xling.task import Bitext

NATIVE = """
afr amh ang ara arq arz ast awa aze bel ben ber bos bre bul cat cbk ceb ces cha cmn cor csb cym dan deu dsb dtp
ell epo est eus fao fin fra fry gla gle glg gsw heb hin hrv hsb hun hye ido ile ina ind isl ita jav jpn kab kat
kaz khm kor kur kzj lat lfn lit lvs mal mar max mhr mkd mon nds nld nno nob nov oci orv pam pes pms pol por ron
rus slk slv spa sqi srp swe swg swh tam tat tel tgl tha tuk tur tzl uig ukr urd uzb vie war wuu xho yid yue zsm
""".split()

# Scripts the code alone does not imply, read off the files (the dominant script of each).
SCRIPTS = {"ang": "Latn", "ber": "Latn", "cbk": "Latn", "ile": "Latn", "lfn": "Latn", "nov": "Latn",
           "orv": "Cyrl", "tzl": "Latn", "srp": "Latn", "kor": "Hang"}

_DIR = "tatoeba/data/tatoeba/v1"


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"{_DIR}/tatoeba.{native}-eng.{native}", f"{_DIR}/tatoeba.{native}-eng.eng")


def _read_local(paths, lang, split):
    xx_path, en_path = paths
    xx, en = read_lines(xx_path), read_lines(en_path)
    if len(xx) != len(en):
        raise DataError(xx_path, f"has {len(xx)} lines but {en_path.name} has {len(en)}: the sides are not aligned")
    for i, (a, b) in enumerate(zip(xx, en)):
        if not a.strip() or not b.strip():
            bad = xx_path if not a.strip() else en_path
            raise DataError(bad, "empty sentence", i + 1)
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
    languages=tuple((normalize(f"{n}_{SCRIPTS[n]}" if n in SCRIPTS else n), n) for n in NATIVE),
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
