"""Language codes: everything inside xling is ``xxx_Scrp`` (ISO 639-3 + ISO 15924 script).

``normalize`` accepts ISO 639-1/2/3 codes with an optional script (and region, used only to
infer the script): 'en', 'eng', 'eng_Latn', 'zh', 'zho_Hans', 'zh-TW', 'cmn', 'arb', ...

Macrolanguages follow CLDR/BCP 47 (through ``langcodes``): the dominant individual
language of a macrolanguage is written with the macrolanguage code, so 'cmn' -> 'zho_Hans',
'arb' -> 'ara_Arab', 'swh' -> 'swa_Latn', 'pes' -> 'fas_Arab', while other members keep
their own code ('prs' Dari, 'ary' Moroccan Arabic, 'yue' Cantonese). This is the same
convention as ISO 639-1 two-letter codes ('ar', 'sw', 'fa'), so datasets coded either way
meet on one code. Validity comes from ``iso639-lang`` (ISO 639-3 tables).
"""
from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence

from .errors import XlingError

# CLDR maps these members onto their macrolanguage, but multilingual benchmarks keep them
# apart from the macrolanguage code itself (SIB-200/FLORES-200 has both aka_Latn and
# twi_Latn), so merging them would collide.
_KEEP_INDIVIDUAL = frozenset({"tw", "twi", "fat"})

_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|\d{3}))?$")


@functools.lru_cache(maxsize=1)
def _tables():
    from langcodes import data_dicts as d

    return d.NORMALIZED_MACROLANGUAGES, d.LIKELY_SUBTAGS, d.ALL_SCRIPTS


@functools.lru_cache(maxsize=1)
def _all_codes() -> tuple[str, ...]:
    import iso639

    return tuple(sorted({lg.pt3 for lg in iso639.iter_langs() if lg.pt3}))


def _iso639(code: str):
    import iso639
    from iso639.exceptions import DeprecatedLanguageValue, InvalidLanguageValue

    try:
        return iso639.Lang(code.lower())
    except DeprecatedLanguageValue as e:  # retired codes stay usable: datasets still carry them
        return _retired(code, e)
    except InvalidLanguageValue:
        return None


def _retired(code: str, err):
    class _Retired:  # minimal stand-in with the attributes we read
        pt1 = ""
        pt3 = code.lower()
        name = getattr(err, "name", code)

        def macro(self):
            return None

    return _Retired()


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """lower-case English name -> ISO 639-3 code, for every living or historical language."""
    import iso639

    return {lg.name.lower(): lg.pt3 for lg in iso639.iter_langs() if lg.pt3 and lg.name}


def suggest(code: str, n: int = 3) -> list[str]:
    """Close matches for an unknown code or name, best first: 'fra (French)' for a misspelt
    name, close codes for a code-like input."""
    low = code.lower().split("_")[0].split("-")[0]
    if len(low) > 3:  # a name, not a code: match names
        names = _names()
        return [f"{names[m]} ({m.title()})" for m in difflib.get_close_matches(code.lower(), names, n=n, cutoff=0.75)]
    out = difflib.get_close_matches(low, _all_codes(), n=n, cutoff=0.6)
    try:
        import langcodes

        found = langcodes.find(code)
        out.insert(0, found.to_alpha3())
    except (LookupError, ValueError, ImportError):
        pass
    seen: list[str] = []
    for c in out:
        if c not in seen:
            seen.append(c)
    return seen[:n]


@functools.lru_cache(maxsize=4096)
def normalize(code: str) -> str:
    """Return the canonical ``xxx_Scrp`` form of ``code`` or raise XlingError."""
    if not isinstance(code, str) or not code.strip():
        raise XlingError(f"empty language code {code!r}")
    m = _TAG.match(code.strip())
    if not m and code.replace(" ", "").replace("-", "").isalpha():  # not code-shaped: a name? (e.g. "french")
        by_name = _by_name(code.strip()) if len(code.strip()) > 3 else None
        if by_name:
            return normalize(by_name)
        hint = suggest(code)
        more = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise XlingError(f"unknown language code {code!r}{more}")
    if not m:
        raise XlingError(f"malformed language code {code!r}: expected e.g. 'de', 'deu' or 'deu_Latn'")
    lang, script, region = m.group(1).lower(), m.group(2), m.group(3)
    info = _iso639(lang)
    if info is None:
        hint = suggest(code)
        more = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise XlingError(f"unknown language code {code!r}{more}")
    macros, likely, scripts = _tables()
    short = info.pt1 or info.pt3  # the form CLDR tables are keyed by
    if short not in _KEEP_INDIVIDUAL and info.pt3 not in _KEEP_INDIVIDUAL and short in macros:
        short = macros[short]
        info = _iso639(short)
    alpha3 = info.pt3 or info.pt2t or info.pt2b or getattr(info, "pt5", "") or lang
    if script:
        script = script.title()
        if script not in scripts:
            raise XlingError(f"unknown script {script!r} in language code {code!r} (ISO 15924, e.g. Latn, Cyrl, Hans)")
    else:
        script = _likely_script(short, region, info)
        if script is None:
            raise XlingError(f"cannot infer the script of {code!r}; give it explicitly, e.g. {alpha3}_Latn")
    return f"{alpha3}_{script}"


def _by_name(text: str) -> str | None:
    """The code of a language given by its English name ('french', 'Swiss German'), if any."""
    try:
        import langcodes

        return langcodes.find(text).to_tag()
    except (LookupError, ValueError, ImportError):
        return None


def _likely_script(short: str, region: str | None, info) -> str | None:
    _, likely, _ = _tables()
    for key in ([f"{short}-{region.upper()}"] if region else []) + [short]:
        if key in likely:
            return likely[key].split("-")[1]
    macro = info.macro() if hasattr(info, "macro") else None
    if macro is not None:
        mkey = macro.pt1 or macro.pt3
        if mkey in likely:
            return likely[mkey].split("-")[1]
    return None


def parts(code: str) -> tuple[str, str]:
    """('deu', 'Latn') for a canonical code."""
    lang, _, script = normalize(code).partition("_")
    return lang, script


def name(code: str) -> str:
    """English name of a canonical code, e.g. 'German (Latin)'."""
    lang, script = parts(code)
    info = _iso639(lang)
    try:
        import langcodes

        sname = langcodes.Language.get(f"und-{script}").script_name()
    except (LookupError, ValueError, ImportError):
        sname = script
    return f"{info.name} ({sname})"


def normalize_many(codes: str | list[str], among: Sequence[str] | None = None) -> list[str]:
    """Comma-separated string or list -> canonical codes, order kept, duplicates removed. With
    ``among`` (a task's languages), an unknown code's suggestions are taken from those only."""
    items = codes.split(",") if isinstance(codes, str) else list(codes)
    out: list[str] = []
    for c in items:
        c = c.strip()
        try:
            code = normalize(c) if c else None
        except XlingError as e:
            if among is None or not str(e).startswith("unknown language code"):
                raise
            close = close_among(c, among)
            raise XlingError(f"unknown language code {c!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
        if code and code not in out:
            out.append(code)
    return out


def close_among(code: str, among: Sequence[str], n: int = 3) -> list[str]:
    """Suggestions for an unknown ``code`` that are languages of ``among`` (a task's): close
    names and codes whose canonical form is there, and close spellings of its codes."""
    found = []
    for s in suggest(code, n=10):
        try:
            if normalize(s.split(" ")[0]) in among:
                found.append(s)
        except XlingError:
            pass
    found += difflib.get_close_matches(code, list(among), n=n, cutoff=0.6)
    return list(dict.fromkeys(found))[:n]
