"""Output-language fidelity: is a generated output in the language it should be in?

Two identifiers, both offline:

* fastText ``lid.176.ftz`` (``xling.metrics.lid``, 176 languages), the Language Confusion
  Benchmark's identifier. ``lang_fidelity`` uses it alone, with the LCB's line-level rule
  (``line_verdicts``): an output is normalised, split into lines and tokenised as the LCB
  metric does (``xling.metrics.lcb``, upstream ``compute_metrics.py``), lines of fewer than
  ``MIN_TOKENS`` tokens dropped; the output passes (1.0) when every remaining line is
  identified as the expected language, fails (0.0) otherwise, and is not judged (None) when no
  line remains (an output that short carries too little text to identify). The cell's value
  is the share of judged outputs that pass; ``n`` counts them. On the LCB it is the per-item
  form of the line-level pass rate.
* py3langid (a naive Bayes model over byte n-grams, 97 languages through ISO 639-1;
  ``detect``/``judged``, optionally restricted to candidate languages: generative XQuAD's
  ``answer_lang_fidelity``).

A language is judged only where the identifier has a model of it and recognises at least
``MIN_REFERENCE_AGREEMENT`` of the task's own references in that language (``agreement``);
else the metric has no value, n = 0, and the reason is given, never a guess. Translation's
``off_target`` uses whichever of the two recognises more of the target's references
(``choose``; fastText on a tie) and names it in the row signature. Which languages each can
judge on SIB-200: docs/language-id.md (bench/lid_coverage.py).
"""
from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence

from . import lcb, lid

MIN_REFERENCE_AGREEMENT = 0.9
MIN_TOKENS = lcb.MIN_TOKENS  # the LCB's shortest line that is identified
PY3LANGID = "py3langid"
FASTTEXT = "lid.176.ftz"


# ---------------------------------------------------------------- py3langid


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


@functools.lru_cache(maxsize=1)
def py3langid_name() -> str:
    from importlib.metadata import version

    return f"py3langid@{version('py3langid')}"


# ---------------------------------------------------------------- either identifier


def code_of(identifier: str, lang: str) -> str | None:
    """The identifier's code for ``lang`` (``xxx_Scrp``), None where it has no model of it."""
    return lid.ftz_code(lang) if identifier == FASTTEXT else langid_code(lang)


def identify(identifier: str, texts: Sequence[str]) -> list[str | None]:
    """Per text, the identifier's language (fastText: 'unknown' at probability <= 0.3); None
    for a text without letters."""
    if identifier != FASTTEXT:
        return detect(texts)
    keep = [i for i, t in enumerate(texts) if has_letters(t)]
    out: list[str | None] = [None] * len(texts)
    for i, (label, _) in zip(keep, lid.identify([texts[i] for i in keep])):
        out[i] = label
    return out


def name_of(identifier: str) -> str:
    """The identifier with its version (fastText: the model file's hash), for signatures."""
    return lid.name() if identifier == FASTTEXT else py3langid_name()


def agreement(identifier: str, references: Sequence[str], lang: str) -> float | None:
    """The share of the references (those with letters) the identifier reads as ``lang``;
    None where it has no model of ``lang``."""
    code = code_of(identifier, lang)
    if code is None:
        return None
    got = [d for d in identify(identifier, references) if d is not None]
    return sum(d == code for d in got) / len(got) if got else 0.0


def judgeable(identifier: str, references: Sequence[str], lang: str) -> tuple[bool, str]:
    """Whether ``identifier`` can judge outputs in ``lang``: it has a model of the language and
    reads at least ``MIN_REFERENCE_AGREEMENT`` of the references as it. (answer, reason)."""
    agree = agreement(identifier, references, lang)
    if agree is None:
        return False, f"{identifier} has no model of {lang}"
    if agree < MIN_REFERENCE_AGREEMENT:
        return False, f"{identifier} reads only {agree:.0%} of the {lang} references as '{code_of(identifier, lang)}'"
    return True, ""


def choose(references: Sequence[str], lang: str) -> tuple[str | None, str]:
    """The identifier that recognises more of ``lang``'s references (fastText on a tie), if
    it recognises at least ``MIN_REFERENCE_AGREEMENT``: (identifier, '') or (None, reason)."""
    agree = {ident: agreement(ident, references, lang) for ident in (FASTTEXT, PY3LANGID)}
    best = max(agree, key=lambda k: -1.0 if agree[k] is None else agree[k])  # FASTTEXT first: wins ties
    if agree[best] is not None and agree[best] >= MIN_REFERENCE_AGREEMENT:
        return best, ""
    reasons = [judgeable(ident, references, lang)[1] for ident in agree]
    return None, "; ".join(reasons)


# ---------------------------------------------------------------- the LCB line rule


def long_lines(text: str, code: str) -> list[str]:
    """The lines of a normalised output that the LCB identifies (at least ``MIN_TOKENS`` tokens)."""
    return [line for line in lcb.normalize(text).split("\n") if len(lcb.tokenize(line, code)) >= MIN_TOKENS]


def line_verdicts(outputs: Sequence[str], lang: str) -> list[float | None]:
    """Per output: 1.0 if every long line is identified (fastText) as ``lang``, 0.0 if one is
    not, None if no line is long enough to judge."""
    code = lid.ftz_code(lang)
    per = [long_lines(o, code or "") for o in outputs]
    flat = lid.identify([line for lines in per for line in lines])
    out: list[float | None] = []
    pos = 0
    for lines in per:
        got = [label for label, _ in flat[pos:pos + len(lines)]]
        pos += len(lines)
        out.append(float(all(g == code for g in got)) if got else None)
    return out


def fidelity_reason(references: Sequence[str] | None, lang: str) -> str:
    """Why ``lang_fidelity`` cannot judge ``lang`` ('' where it can). ``references``: the
    task's own text in ``lang`` (None: only a fastText model of the language is required)."""
    if lid.ftz_code(lang) is None:
        return f"{FASTTEXT} has no model of {lang}"
    return "" if references is None else judgeable(FASTTEXT, references, lang)[1]


def lang_fidelity(outputs: Sequence[str], lang: str, reason: str,
                  seed: int = 0) -> tuple[tuple[float, float, float, int], list[float | None], str]:
    """(value, ci_low, ci_high, n), the per-output verdicts and, where ``lang`` cannot be
    judged (``reason``, from ``fidelity_reason``, or no output long enough), the reason: then
    the value is NaN and n = 0."""
    import numpy as np

    from .uncertainty import mean_ci

    nan = (float("nan"), float("nan"), float("nan"), 0)
    if reason:
        return nan, [None] * len(outputs), reason
    verdicts = line_verdicts(outputs, lang)
    vals = np.asarray([v for v in verdicts if v is not None], dtype=np.float64)
    if not len(vals):
        return nan, verdicts, f"no output has a line of {MIN_TOKENS} tokens or more"
    return (float(vals.mean()), *mean_ci(vals, seed), len(vals)), verdicts, ""
