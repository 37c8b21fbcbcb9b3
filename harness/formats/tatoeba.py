"""LASER's Tatoeba test sets v1: ``tatoeba/data/tatoeba/v1/tatoeba.<xxx>-eng.{<xxx>,eng}``,
two line-aligned plain-text files per language (line i of one translates line i of the other).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..core import Example
from ..data import read_lines
from ..errors import DataError, XlingError
from ..languages import normalize

NATIVE = """
afr amh ang ara arq arz ast awa aze bel ben ber bos bre bul cat cbk ceb ces cha cmn cor csb cym dan deu dsb dtp
ell epo est eus fao fin fra fry gla gle glg gsw heb hin hrv hsb hun hye ido ile ina ind isl ita jav jpn kab kat
kaz khm kor kur kzj lat lfn lit lvs mal mar max mhr mkd mon nds nld nno nob nov oci orv pam pes pms pol por ron
rus slk slv spa sqi srp swe swg swh tam tat tel tgl tha tuk tur tzl uig ukr urd uzb vie war wuu xho yid yue zsm
""".split()

# Scripts the code alone does not imply, read off the files (the dominant script of each).
SCRIPTS = {"ang": "Latn", "ber": "Latn", "cbk": "Latn", "ile": "Latn", "lfn": "Latn", "nov": "Latn",
           "orv": "Cyrl", "tzl": "Latn", "srp": "Latn", "kor": "Hang"}

DIR = "tatoeba/data/tatoeba/v1"


def code(native: str) -> str:
    """The code to normalise: the native code with its script where the code does not imply it."""
    return f"{native}_{SCRIPTS[native]}" if native in SCRIPTS else native


def paths(native: str) -> tuple[str, str]:
    """(the xxx side, the English side) relative to the mirror root."""
    return f"{DIR}/tatoeba.{native}-eng.{native}", f"{DIR}/tatoeba.{native}-eng.eng"


def pairs(xx_path: Path, en_path: Path) -> Iterator[tuple[int, str, str]]:
    """(0-based line, xxx sentence, English sentence); unaligned files or empty lines are refused."""
    xx, en = read_lines(xx_path), read_lines(en_path)
    if len(xx) != len(en):
        raise DataError(xx_path, f"has {len(xx)} lines but {en_path.name} has {len(en)}: the sides are not aligned")
    for i, (a, b) in enumerate(zip(xx, en)):
        if not a.strip() or not b.strip():
            raise DataError(xx_path if not a.strip() else en_path, "empty sentence", i + 1)
        yield i, a, b


# The doors every Tatoeba task shares (``tatoeba`` bitext mining, ``tatoeba_mt`` translation):
# one Example per aligned pair, text = the xxx sentence, text_pair = its English translation.
HUB_ID, HUB_REVISION = "mteb/tatoeba-bitext-mining", "69e8f12da6e31d59addadda9a9c8a2e601a0e282"  # as pinned by MTEB


def local_files(native: str, split: str) -> tuple[str, ...]:
    return paths(native)


def read_local(files, lang, split):
    for i, a, b in pairs(*files):
        yield Example(id=str(i), lang=lang, text=a, text_pair=b, source=f"{files[0]}:{i + 1}")


def hub_config(native: str, split: str) -> tuple[str, str]:
    return f"{native}-eng", "test"


def read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        if not row.get("sentence1") or not row.get("sentence2"):
            raise XlingError(f"{HUB_ID} {lang} row {i}: missing sentence1/sentence2")
        yield Example(id=str(i), lang=lang, text=row["sentence1"], text_pair=row["sentence2"], source=f"hub:{i}")


DOORS = dict(languages=tuple((normalize(code(n)), n) for n in NATIVE), splits=("test",), local_files=local_files,
             read_local=read_local, hub_id=HUB_ID, hub_revision=HUB_REVISION, hub_config=hub_config,
             read_hub=read_hub)
