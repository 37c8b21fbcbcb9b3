"""What leaderboards show about a language: English name, autonym, script, family.

Family is the top-level genealogical unit of URIEL's family features (derived from
Glottolog), read offline from the ``urielplus`` package's ``family_features.npz``: of the
family nodes a language belongs to, the one with the most member languages is its root.
Individual languages missing there fall back to their macrolanguage (nob -> nor), and a
short table covers the rest (collective codes, constructed languages, isolates).
"""
from __future__ import annotations

import functools

UNKNOWN = "Unclassified"

# Codes URIEL's family table does not classify (checked against SIB-200 and Tatoeba).
_FAMILY_OVERRIDES = {
    "eus": "Isolate",  # Basque
    "nqo": "Mande",  # N'Ko: written standard of the Manding languages
    "ber": "Afro-Asiatic",  # Berber languages (collective code)
    "ido": "Artificial Language",
    "ile": "Artificial Language",
    "nov": "Artificial Language",
}

# langcodes names Hans/Hant "Simplified"/"Traditional"; say which script they simplify.
_SCRIPT_NAMES = {"Hans": "Han (Simplified)", "Hant": "Han (Traditional)", "Jpan": "Japanese (Han + Kana)"}


@functools.lru_cache(maxsize=1)
def _families() -> dict[str, str]:
    """ISO 639-3 code -> top-level family name, from urielplus's family features."""
    import importlib.resources

    import numpy as np

    try:
        res = importlib.resources.files("urielplus") / "database" / "original_uriel" / "family_features.npz"
        with importlib.resources.as_file(res) as path, np.load(path, allow_pickle=False) as npz:
            member = npz["data"][:, :, 0] > 0
            feats, langs = npz["feats"], npz["langs"]
    except (ImportError, ModuleNotFoundError, FileNotFoundError, KeyError, OSError):
        return {}
    size = member.sum(axis=0)
    out = {}
    for i, code in enumerate(langs):
        nodes = np.flatnonzero(member[i])
        if nodes.size:
            out[str(code)] = str(feats[nodes[np.argmax(size[nodes])]]).removeprefix("F_")
    return out


@functools.lru_cache(maxsize=4096)
def family(code: str) -> str:
    """Top-level language family of a canonical ``xxx_Scrp`` code (or 'Unclassified')."""
    lang = code.split("_")[0]
    if lang in _FAMILY_OVERRIDES:
        return _FAMILY_OVERRIDES[lang]
    table = _families()
    if lang in table:
        return table[lang]
    try:
        import iso639

        macro = iso639.Lang(lang).macro()
    except Exception:  # unknown or retired codes: no macrolanguage to fall back on
        macro = None
    if macro is not None and macro.pt3 in table:
        return table[macro.pt3]
    return UNKNOWN


def script(code: str) -> str:
    """ISO 15924 script part of a canonical code ('' if absent)."""
    return code.partition("_")[2]


@functools.lru_cache(maxsize=512)
def script_name(code: str) -> str:
    """'Latn' -> 'Latin', 'Hans' -> 'Han (Simplified)'; the code itself if unknown."""
    sc = script(code) if "_" in code else code
    if sc in _SCRIPT_NAMES:
        return _SCRIPT_NAMES[sc]
    try:
        import langcodes

        return langcodes.Language.get(f"und-{sc}").script_name() or sc
    except (LookupError, ValueError, ImportError):
        return sc


def _tag(code: str) -> str:
    lang, _, sc = code.partition("_")
    return f"{lang}-{sc}" if sc else lang


@functools.lru_cache(maxsize=4096)
def name(code: str) -> str:
    """English name without the script, e.g. 'Amharic' (the code itself if unknown)."""
    try:
        import langcodes

        got = langcodes.Language.get(code.split("_")[0]).display_name()
        return code if got.startswith("Unknown language") else got
    except (LookupError, ValueError, ImportError):
        return code


@functools.lru_cache(maxsize=4096)
def autonym(code: str) -> str:
    """The language's name for itself in its script where CLDR knows it ('' otherwise)."""
    try:
        import langcodes

        lang, _, sc = code.partition("_")
        plain = langcodes.Language.get(lang)
        # the plain autonym where the script is the language's usual one; else the tag with
        # its script, which CLDR writes in that script where it can (kas_Deva -> देवनागरी)
        tag = plain if not sc or plain.maximize().script == sc else langcodes.Language.get(f"{lang}-{sc}")
        got = tag.autonym()
        if got.startswith("Unknown language") or got == tag.display_name():
            return ""
        return got
    except (LookupError, ValueError, ImportError):
        return ""
