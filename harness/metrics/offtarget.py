"""Off-target rate: the share of translations that are not in the target language.

Each output's language is identified with py3langid (``xling.metrics.fidelity``: its full
model, no candidate restriction), ``1.0`` where it is another language than the target.
Outputs without a letter carry no language and are left out (``n`` counts those judged).

Coverage: py3langid 0.4 knows 140 languages; xling maps a target to it through its ISO 639-1
code (``fidelity.langid_code``), which covers 118 of FLORES-200's 205 languages. A target
counts as *identifiable* only where py3langid also recognises the target's own references
(at least ``MIN_REFERENCE_AGREEMENT`` of them, measured on the cell): on SIB-200's 1,004
sentences that rules out, among others, Arabic dialects (ary, arz: read as Standard
Arabic), Cantonese (read as Mandarin), Arabic and Acehnese in a non-usual script, and
Bosnian/Croatian/Malay, which it confuses with their neighbours. For any other target the
rate is not computed (``off_target`` then has no value, n = 0): it is reported as
unidentifiable, never guessed.
"""
from __future__ import annotations

from collections.abc import Sequence
from . import fidelity

MIN_REFERENCE_AGREEMENT = 0.9


def identifiable(references: Sequence[str], target: str) -> tuple[bool, str]:
    """Whether py3langid can judge outputs in ``target`` (``xxx_Scrp``): it has a model of the
    language and reads at least ``MIN_REFERENCE_AGREEMENT`` of the references as it. Returns
    (answer, the reason where it cannot)."""
    code = fidelity.langid_code(target)
    if code is None:
        return False, f"py3langid has no model of {target}"
    refs = [d for d in fidelity.detect(references) if d is not None]
    agree = sum(d == code for d in refs) / len(refs) if refs else 0.0
    if agree < MIN_REFERENCE_AGREEMENT:
        return False, f"py3langid reads only {agree:.0%} of the {target} references as '{code}'"
    return True, ""


def flags(outputs: Sequence[str], target: str) -> list[float | None]:
    """Per output: 1.0 if py3langid identifies another language than ``target``, 0.0 if
    ``target``, None for an output without letters. Only meaningful where ``identifiable``."""
    code = fidelity.langid_code(target)
    return [None if d is None else float(d != code) for d in fidelity.detect(outputs)]
