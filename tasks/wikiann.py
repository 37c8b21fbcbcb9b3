"""WikiANN (PAN-X): named entities (PER, ORG, LOC) in Wikipedia text, Rahimi et al. splits.

Pan et al., ACL 2017; balanced train/dev/test splits of Rahimi et al., ACL 2019 (176
Wikipedia editions). Hub door: ``unimelb-nlp/wikiann`` (one config per Wikipedia code,
splits train/validation/test, ``tokens`` and ``ner_tags`` class ids over ``HUB_TAGS``).
Local door: the same CoNLL-style layout as MasakhaNER, ``wikiann/<code>/{train,dev,test}.txt``
with one ``token TAG`` per line and a blank line between sentences (read by
``xling.formats.conll``). No copy of WikiANN is in the shared mirror.

Hub revision ``f0a3be6dc5564c0cc4150bb660144800a1f539d4``: the commit a public project's
dataset-audit table links for WikiANN's release files and card
(``huggingface.co/datasets/unimelb-nlp/wikiann/tree/f0a3be6.../bn``, found by the code
search); at that commit the data are files per config (``bn/``), as in the Parquet conversion.

Three editions are left out because their language would collide with another edition's
canonical code: ``simple`` (Simple English = eng_Latn), ``be-x-old`` (Belarusian in the
Taraškievica orthography = bel_Cyrl) and ``map-bms`` (Banyumasan, a Javanese dialect
without an ISO 639-3 code). Wikipedia codes that are not the ISO code of the edition's
language (``als`` is Alemannic, not Tosk Albanian) or whose script the code does not
imply are mapped in ``CODES``.
"""
from __future__ import annotations

from xling.languages import normalize
from xling.formats.conll import ConllSource, conll_task

TYPES = ("PER", "ORG", "LOC")
HUB_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")

NATIVE = """
ace af als am an ang ar arc arz as ast ay az ba bar bat-smg be bg bh bn bo br bs ca cbk-zam cdo ce ceb ckb co
crh cs csb cv cy da de diq dv el eml en eo es et eu ext fa fi fiu-vro fo fr frr fur fy ga gan gd gl gn gu hak he
hi hr hsb hu hy ia id ig ilo io is it ja jbo jv ka kk km kn ko ksh ku ky la lb li lij lmo ln lt lv mg mhr mi min
mk ml mn mr ms mt mwl my mzn nap nds ne nl nn no nov oc or os pa pdc pl pms pnb ps pt qu rm ro ru rw sa sah scn
sco sd sh si sk sl so sq sr su sv sw szl ta te tg th tk tl tr tt ug uk ur uz vec vep vi vls vo wa war wuu xmf yi
yo zea zh zh-classical zh-min-nan zh-yue
""".split()

# Wikipedia edition code -> canonical code, where normalize() cannot tell from the code alone.
CODES = {
    "als": "gsw_Latn",  # Alemannic Wikipedia (ISO 'als' would be Tosk Albanian)
    "ang": "ang_Latn",
    "arc": "arc_Syrc",  # Aramaic Wikipedia is written in Syriac script
    "bat-smg": "sgs_Latn",  # Samogitian
    "cbk-zam": "cbk_Latn",  # Zamboanga Chavacano
    "cdo": "cdo_Latn",  # Min Dong Wikipedia: Foochow Romanized
    "crh": "crh_Latn",  # Crimean Tatar Wikipedia: Latin
    "eml": "eml_Latn",  # Emilian-Romagnol (retired ISO code, kept as the dataset uses it)
    "fiu-vro": "vro_Latn",  # Võro
    "hak": "hak_Latn",  # Hakka Wikipedia: Pha̍k-fa-sṳ
    "ko": "kor_Hang",  # as FLORES/SIB-200 write Korean
    "mwl": "mwl_Latn",
    "nov": "nov_Latn",
    "sh": "hbs_Latn",  # Serbo-Croatian
    "zh-classical": "lzh_Hant",
    "zh-min-nan": "nan_Latn",  # Min Nan Wikipedia: Pe̍h-ōe-jī
    "zh-yue": "yue_Hant",
}

TASK = conll_task(
    "wikiann",
    "WikiANN / PAN-X named entities (PER, ORG, LOC), 173 Wikipedia languages (Rahimi et al. splits)",
    languages=tuple((CODES.get(n) or normalize(n), n) for n in NATIVE),
    source=ConllSource(local_dir="wikiann", hub_id="unimelb-nlp/wikiann", types=TYPES, hub_tags=HUB_TAGS),
    hub_revision="f0a3be6dc5564c0cc4150bb660144800a1f539d4",
    homepage="https://github.com/afshinrahimi/mmner",
)
