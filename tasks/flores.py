"""FLORES-200 machine translation between any two of 205 languages.

Local door: the SIB-200 subset of FLORES-200 v1 (Adelani et al., EACL 2024), read from SIB-200's
upstream layout ``sib-200/data/annotated/<lang_Script>/{train,dev,test}.tsv``: all 1,004
sentences per language (SIB-200's train, dev and test files together, in that order), fully
parallel, each with its FLORES id (``index_id``: the sentence's 0-based row in FLORES-200 dev
(997 rows) followed by devtest (1,012)). These are 1,004 of FLORES-200's 2,009 dev+devtest
sentences, mixed from both, NOT the devtest set: scores are not comparable with published
FLORES-200 devtest numbers, only with other xling runs on this subset.

Hub door: FLORES+ (``openlanguagedata/flores_plus``, the Open Language Data Initiative's
continuation of FLORES-200; gated: accept its terms and set HF_TOKEN) at revision
``b3a5298db5721c8a682e7ef00a37fcc9ab522757``. That revision is not invented: it is the one
public evaluation scripts pin (found with a code search: several scripts of one project read
``dev/*.jsonl`` and ``devtest/*.jsonl`` at this commit and expect 227 dev and 221 devtest
files); its files are JSON lines, one config per language, splits ``dev`` and ``devtest``.
The door reads ``dev+devtest`` (2,009 sentences) and numbers them as SIB-200 does, so an id
means the same sentence through both doors (the local 1,004 are a subset). FLORES+ spells
Chinese ``cmn_Hans`` / ``cmn_Hant``; other configs are assumed to keep the FLORES-200 code
(a missing one is the hub's one-line error). FLORES+ corrected some translations after v1:
the data signature records which door was read.
"""
from __future__ import annotations

from xling.core import Example
from xling.errors import XlingError
from xling.formats import sib200 as layout
from xling.languages import normalize
from xling.task import Translate

DEV_ROWS = 997  # FLORES-200 dev; devtest follows (1,012 rows)
HUB_CODES = {"zho_Hans": "cmn_Hans", "zho_Hant": "cmn_Hant"}


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return HUB_CODES.get(native, native), "dev+devtest"


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        want = i + 1 if i < DEV_ROWS else i - DEV_ROWS + 1  # FLORES+ ids count from 1 in each split
        if int(row.get("id", -1)) != want or not isinstance(row.get("text"), str):
            raise XlingError(f"flores_plus {lang} row {i}: expected id {want} with a text, got id {row.get('id')!r}")
        yield Example(id=str(i), lang=lang, text=row["text"], source=f"hub:{i}")


TASK = Translate(
    name="flores",
    version="1",
    description="FLORES-200 translation (SIB-200's 1,004-sentence subset locally; FLORES+ on the hub), 205 languages",
    languages=tuple((normalize(n), n) for n in layout.NATIVE),
    splits=("test",),
    local_files=layout.corpus_files,
    read_local=layout.read_corpus,
    hub_id="openlanguagedata/flores_plus",
    hub_revision="b3a5298db5721c8a682e7ef00a37fcc9ab522757",
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="chrf++",
    settings=("xx2en", "en2xx", "pairs"),
    homepage="https://github.com/dadelani/sib-200",
    pivot="eng_Latn",
)
