"""Off-target rate: the share of translations that are not in the target language.

Each output is identified whole by the identifier that recognises more of the target's own
references (``fidelity.choose``: fastText lid.176.ftz or py3langid, fastText on a tie), 1.0
where it reads another language than the target (fastText's 'unknown' included). Outputs
without a letter carry no language and are left out (``n`` counts those judged).

A target is judged only where the chosen identifier has a model of it and reads at least
``MIN_REFERENCE_AGREEMENT`` of the target's references (measured on the cell) as it; for any
other target the rate is not computed (``off_target`` then has no value, n = 0): it is
reported as unidentifiable, never guessed. On SIB-200's 205 languages: docs/language-id.md.
The identifier used is named (with its version) in the row signature.
"""
from __future__ import annotations

from collections.abc import Sequence

from . import fidelity
from .fidelity import MIN_REFERENCE_AGREEMENT  # noqa: F401  (the rule's threshold, documented here too)


def choose(references: Sequence[str], target: str) -> tuple[str | None, str]:
    """(identifier, '') for a target that can be judged, else (None, reason)."""
    return fidelity.choose(references, target)


def identifiable(references: Sequence[str], target: str) -> tuple[bool, str]:
    """Whether either identifier can judge outputs in ``target`` (``xxx_Scrp``); (answer, the
    reason where neither can)."""
    ident, why = choose(references, target)
    return ident is not None, why


def flags(outputs: Sequence[str], target: str, identifier: str = fidelity.PY3LANGID) -> list[float | None]:
    """Per output: 1.0 if ``identifier`` reads another language than ``target``, 0.0 if
    ``target``, None for an output without letters. Only meaningful where it can judge it."""
    code = fidelity.code_of(identifier, target)
    return [None if d is None else float(d != code) for d in fidelity.identify(identifier, outputs)]
