"""Answer-language fidelity: the share of generated answers written in the expected language.

Each answer's language is identified offline with py3langid (a naive Bayes model over
byte n-grams, shipped in the package). Identification can be restricted to candidate
languages (for XQuAD: the task's 12), which keeps short answers from being read as some
unrelated language. Answers without a single letter (numbers, dates such as '1887') carry
no language and are left out; ``n`` counts the answers judged.
"""
from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence


@functools.lru_cache(maxsize=8)
def _identifier(candidates: tuple[str, ...] | None):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    if candidates:
        ident.set_languages([c for c in candidates if c in set(ident.labels)])
    return ident


@functools.lru_cache(maxsize=512)
def langid_code(lang: str) -> str | None:
    """py3langid's code (ISO 639-1 where one exists) for a canonical ``xxx_Scrp`` code."""
    import iso639
    from iso639.exceptions import DeprecatedLanguageValue, InvalidLanguageValue

    base = lang.split("_")[0]
    try:
        code = iso639.Lang(base).pt1 or base
    except (InvalidLanguageValue, DeprecatedLanguageValue):
        code = base
    return code if code in set(_identifier(None).labels) else None


def has_letters(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def detect(texts: Sequence[str], candidates: Iterable[str] | None = None) -> list[str | None]:
    """py3langid's language per text (None where a text has no letters)."""
    cands = tuple(sorted({c for c in (langid_code(x) for x in candidates) if c})) if candidates else None
    ident = _identifier(cands)
    return [ident.classify(t)[0] if has_letters(t) else None for t in texts]


def judged(texts: Sequence[str], expected: str, candidates: Iterable[str] | None = None) -> list[float]:
    """1.0/0.0 per answer that has letters: is its detected language ``expected``
    (canonical code)? Answers without letters are left out."""
    want = langid_code(expected)
    return [float(got == want) for got in detect(texts, candidates) if got is not None]
