"""What leaderboards and analyses know about a language: English name, autonym, script, family.

Family is the single source for the whole package (boards, the site, and typology's
``family`` / ``same_family``): the top of the language's Glottolog lineage as URIEL+ ships it
(``urielplus``'s ``lang_fam_geo.csv``, keyed by Glottocode; ISO 639-3 codes map to Glottocodes
through its ``uriel_glottocode_map.csv``), read offline from the installed package.
``lineages`` is that table; ``family`` looks a canonical ``xxx_Scrp`` code up through
``candidates`` (its own code, the dominant member of a macrolanguage, its macrolanguage).
An isolate (an empty lineage) is ``"<name> (isolate)"`` in the table, so two isolates are never
the same family in typology; ``family`` shows every isolate as ``"Isolate"`` (one group on a
board). A short table corrects what the lineage table lacks or misfiles (``_FAMILY_OVERRIDES``).
"""
from __future__ import annotations

import functools

UNKNOWN = "Unclassified"
ISOLATE = "Isolate"

# Codes URIEL+'s lineage table does not classify, or files under a pseudo-family.
_FAMILY_OVERRIDES = {
    "nqo": "Mande",  # N'Ko: the written standard of the Manding languages (Glottolog: 'Artificial Language')
    "ber": "Afro-Asiatic",  # Berber languages (collective code, no Glottocode)
}

# langcodes names Hans/Hant "Simplified"/"Traditional"; say which script they simplify.
_SCRIPT_NAMES = {"Hans": "Han (Simplified)", "Hant": "Han (Traditional)", "Jpan": "Japanese (Han + Kana)"}


def candidates(lang: str) -> list[tuple[str, str]]:
    """ISO 639-3 codes URIEL may key a canonical language by, best first, each with how it
    relates: its own code, the dominant member of a macrolanguage (xling writes 'arb' as
    'ara', URIEL+ keys 'arb'), or the macrolanguage of an individual language."""
    from . import languages

    code = lang.split("_")[0]
    out = [(code, "own code")]
    macros, _, _ = languages._tables()
    info = languages._iso639(code)
    keys = {code} | ({info.pt1} if info is not None and info.pt1 else set())
    for member, macro in macros.items():
        if macro in keys and len(member) == 3:
            out.append((member, "dominant member of the macrolanguage"))
    macro = info.macro() if info is not None and hasattr(info, "macro") else None
    if macro is not None and macro.pt3:
        out.append((macro.pt3, "its macrolanguage"))
    seen, uniq = set(), []
    for c, how in out:
        if c not in seen:
            seen.add(c)
            uniq.append((c, how))
    return uniq


def _csv(name: str):
    import importlib.resources

    import pandas as pd

    res = importlib.resources.files("urielplus") / "database" / "urielplus_csvs" / name
    with importlib.resources.as_file(res) as path:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    frame.columns = frame.columns.str.strip('"')
    return frame


@functools.lru_cache(maxsize=1)
def _glottocodes() -> dict[str, str]:
    """ISO 639-3 code -> Glottocode (URIEL+'s map)."""
    m = _csv("uriel_glottocode_map.csv")
    return {i.strip(): g.strip() for i, g in zip(m["iso_code"], m["glottocode"]) if i.strip() and g.strip()}


@functools.lru_cache(maxsize=2)
def lineages(mode: str = "plus") -> dict[str, tuple[str, bool]]:
    """URIEL key -> (top of the Glottolog lineage, or ``'<name> (isolate)'``; whether the lineage
    is empty), with ``_FAMILY_OVERRIDES`` applied. Keys: Glottocodes (``mode`` 'plus') or
    ISO 639-3 codes ('original')."""
    frame = _csv("lang_fam_geo.csv")
    out: dict[str, tuple[str, bool]] = {}
    for gc, name, lineage in zip(frame["language_id"].str.strip(), frame["language_name"], frame["lineage"]):
        parts = [p.strip() for p in str(lineage).split(",") if p.strip() and p.strip() != "<NA>"]
        fam, empty = (parts[0], False) if parts else (f"{name} (isolate)", True)
        if gc not in out or (out[gc][1] and not empty):
            out[gc] = (fam, empty)
    iso = _glottocodes()
    for code, fam in _FAMILY_OVERRIDES.items():
        if iso.get(code) in out:
            out[iso[code]] = (fam, False)
    if mode == "plus":
        return out
    return {i: out[g] for i, g in iso.items() if g in out}


DIRECTION = "-"  # a translation direction on a board: 'eng_Latn-swa_Latn' (codes never hold '-')


def target(code: str) -> str:
    """The language a board row describes: the code itself, or a direction's target language."""
    return code.rpartition(DIRECTION)[2]


@functools.lru_cache(maxsize=4096)
def family(code: str) -> str:
    """Top-level language family of a canonical ``xxx_Scrp`` code (of a direction: its target's):
    'Isolate' for an isolate, 'Unclassified' where URIEL+ has no lineage for any of its ``candidates``."""
    code = target(code)
    lang = code.split("_")[0]
    if lang in _FAMILY_OVERRIDES:
        return _FAMILY_OVERRIDES[lang]
    try:
        table, iso = lineages("plus"), _glottocodes()
        cands = candidates(code)
    except (ImportError, OSError, KeyError):
        return UNKNOWN
    for c, _ in cands:
        if iso.get(c) in table:
            fam, empty = table[iso[c]]
            return ISOLATE if empty else fam
    return UNKNOWN


def script(code: str) -> str:
    """ISO 15924 script part of a canonical code (of a direction: its target's; '' if absent)."""
    return target(code).partition("_")[2]


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
    """English name without the script, e.g. 'Amharic' (the code itself if unknown); of a
    translation direction, 'English → Swahili'."""
    if DIRECTION in code:
        src, _, tgt = code.partition(DIRECTION)
        return f"{name(src)} → {name(tgt)}"
    try:
        import langcodes

        got = langcodes.Language.get(code.split("_")[0]).display_name()
        return code if got.startswith("Unknown language") else got
    except (LookupError, ValueError, ImportError):
        return code


@functools.lru_cache(maxsize=4096)
def autonym(code: str) -> str:
    """The language's name for itself in its script where CLDR knows it ('' otherwise, and for a
    translation direction)."""
    if DIRECTION in code:
        return ""
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
