"""The data that flows through xling: frozen, hashable records."""
from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
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
    choices: tuple[str, ...] = ()  # multiple choice: the raw answer options ...
    gold: int | None = None  # ... and the index of the right one
    meta: tuple[tuple[str, str], ...] = ()  # other raw fields a prompt template reads (XCOPA's 'question')

    def field(self, name: str, default: str = "") -> str:
        """A raw field from ``meta``."""
        return dict(self.meta).get(name, default)


INPUT_CHARS = 80  # characters of a long input (a QA context) kept in a sample


@dataclass(frozen=True)
class Prediction:
    """What a model produced for one example, kept per example in ``samples/*.jsonl``.

    ``input`` is what the model was given, short enough to read beside gold and pred: the text
    (classification, bitext, retrieval query), ``{"premise", "hypothesis"}`` (NLI), the tokens
    (tagging), ``{"question", "context"}`` with the context's first ``INPUT_CHARS`` characters (QA)."""

    id: str
    lang: str
    gold: Any
    pred: Any
    score: float  # this example's contribution to the main metric (e.g. 1.0 if correct)
    input: Any = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # asdict's deep copy is slow at 500k rows


class Setting(StrEnum):
    """How a task is evaluated: which language trains, which is tested, what is crossed.

    A ``StrEnum``: members compare equal to (and serialise as) their string values, which is
    what results rows and config files hold."""

    IN_LANGUAGE = "in_language"  # train (if anything) and test in each language
    ZERO_SHOT = "zero_shot"  # train on --train-lang, test on every language
    MATRIX = "matrix"  # one probe per source language x every target
    FEWSHOT = "fewshot"  # the source(s)' probe plus k target-language examples
    BITEXT = "bitext"  # bitext mining, both directions
    GXLT = "gxlt"  # every question language x every context language (MLQA's G-XLT)
    MONOLINGUAL = "monolingual"  # retrieval: query language = pool language
    CROSSLINGUAL = "crosslingual"  # retrieval: every query language x every pool language
    MULTILINGUAL_POOL = "multilingual_pool"  # retrieval: each query language against all languages' pool
    PROMPTED = "prompted"  # a language model scores or generates, nothing is trained
    XX2EN = "xx2en"  # translation into English
    EN2XX = "en2xx"  # translation from English
    PAIRS = "pairs"  # translation: every --src-lang x every --lang

    @classmethod
    def parse(cls, value: "str | Setting") -> "Setting":
        from .errors import XlingError

        try:
            return cls(value)
        except ValueError:
            import difflib

            close = difflib.get_close_matches(str(value).lower(), [s.value for s in cls], n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise XlingError(f"unknown setting {value!r}{hint} (known: {', '.join(s.value for s in cls)})") from None


@dataclass(frozen=True)
class Cell:
    """One unit of scoring: a train language (or none) x a test language (x a query language)."""

    train_lang: str  # '' when nothing is trained; 'a+b' for a probe pooled over languages
    test_lang: str  # the test language (QA: the context's; retrieval: the pool's; translation: the target)
    query_lang: str = ""  # the input's language where it differs (G-XLT question, translation source)
    shots: int | None = None  # fewshot: target-language training examples added to the source's
    seed: int | None = None  # fewshot: the seed that sampled them


@dataclass
class Scored:
    """What a solver returns for one cell: predictions per item and metric values."""

    cell: Cell
    split: str
    train_split: str
    predictions: list[Prediction]
    metrics: dict[str, tuple[float, float, float, int]]  # name -> (value, ci_low, ci_high, n)
    data: str  # data signature of everything read for this cell
    prompt: str = "none"  # prompt hash for generative solvers
