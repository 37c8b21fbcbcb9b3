"""The data that flows through xling: frozen, hashable records."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Example:
    """One test or training item, in one language (a canonical ``xxx_Scrp`` code).

    ``text`` is the main input (sentence, premise, question); ``text_pair`` the second one
    where a task has two (hypothesis, the aligned sentence of a bitext pair, a context).
    ``source`` says where it came from (``file:line``) for error messages. QA examples
    carry gold ``answers``; NER examples carry ``tokens`` and ``tags``.
    """

    id: str
    lang: str
    text: str
    label: str | None = None
    text_pair: str | None = None
    source: str = ""
    answers: tuple[tuple[str, int], ...] = ()  # extractive QA gold: (answer text, start char in text_pair)
    tokens: tuple[str, ...] = ()  # sequence labelling: words ...
    tags: tuple[str, ...] = ()  # ... and their gold IOB2 tags


@dataclass(frozen=True)
class Prediction:
    """What a model produced for one example, kept per example in ``samples/*.jsonl``."""

    id: str
    lang: str
    gold: Any
    pred: Any
    score: float  # this example's contribution to the main metric (e.g. 1.0 if correct)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # asdict's deep copy is slow at 500k rows
