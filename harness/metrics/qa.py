"""Extractive-QA exact match and token F1, the maximum over all gold answers of an item.

Normalisation depends on the answer's language (for XQuAD and G-XLT: the context's):

* English (``eng_*``) follows the official SQuAD v1.1 evaluation: lower-case, drop ASCII
  punctuation (``string.punctuation``), drop the words a/an/the, split on whitespace.
* Other languages follow MLQA's official evaluation (``mlqa_evaluation_v1.py``): lower-case,
  drop every Unicode punctuation character (categories P*) and ASCII punctuation, drop the
  language's articles where MLQA lists them (es, de, vi, ar), then tokenise on whitespace,
  except for scripts written without spaces, where each character of the script is a token
  of its own and the rest is split on whitespace (MLQA's "mixed segmentation").
  Chinese uses MLQA's exact character range (U+4E00-U+9FA5). MLQA does not cover Japanese,
  Thai, Lao, Khmer, Burmese or Cantonese; they get the same mixed segmentation with their
  own script's characters. Languages MLQA does not list get no article removal.

Values are 0/1 (EM) and 0..1 (F1) per item; the official scripts report 100 x the mean.

``score_squad`` is the SQuAD v1.1 script (``evaluate-v1.1.py``) for every language, whatever
the language: lower-case, ASCII punctuation and English articles dropped, whitespace tokens.
XQuAD's and XTREME's published tables are computed so (XTREME's ``scripts/eval_qa.sh`` runs
``third_party/evaluate_squad.py`` on every XQuAD language), so those are the numbers to set
beside them; for a language written without spaces a whole unspaced answer is then one token,
which is why ``score`` (language-aware) is the main metric.
"""
from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

_ASCII_PUNCT = frozenset(string.punctuation)

# Whole-word articles MLQA removes (applied after lower-casing and punctuation removal).
_ARTICLES = {
    "eng": re.compile(r"\b(?:a|an|the)\b"),
    "spa": re.compile(r"\b(?:un|una|unos|unas|el|la|los|las)\b"),
    "vie": re.compile(r"\b(?:của|là|cái|chiếc|những)\b"),
    "deu": re.compile(r"\b(?:ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
}
# MLQA's Arabic rule is the regex '\sال^|ال'; its first branch can never match (a '^' after
# consumed characters), so it replaces every occurrence of the definite article 'ال'.
_ARABIC_ARTICLE = "ال"

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Scripts without spaces between words: one token per character of these ranges.
_CHAR_TOKENS = {
    "zho": re.compile("[\u4e00-\u9fa5]"),  # MLQA's range, kept exactly
    "yue": re.compile(f"[{_HAN}]"),
    "jpn": re.compile(f"[{_HAN}\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]"),
    "tha": re.compile("[\u0e00-\u0e7f]"),
    "lao": re.compile("[\u0e80-\u0eff]"),
    "khm": re.compile("[\u1780-\u17ff\u19e0-\u19ff]"),
    "mya": re.compile("[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]"),
}


def _base(lang: str) -> str:
    """'zho_Hans' -> 'zho' (also accepts a bare ISO 639-3 code)."""
    return lang.split("_")[0].lower()


def _is_punct(ch: str) -> bool:
    return ch in _ASCII_PUNCT or unicodedata.category(ch).startswith("P")


def _segment(text: str, chars: re.Pattern) -> list[str]:
    """Characters matching ``chars`` (or punctuation) are tokens; runs of other characters
    are split on whitespace."""
    out: list[str] = []
    run: list[str] = []
    for ch in text:
        if chars.match(ch) or _is_punct(ch):
            if run:
                out.extend("".join(run).split())
                run = []
            out.append(ch)
        else:
            run.append(ch)
    if run:
        out.extend("".join(run).split())
    return out


def squad_tokens(text: str) -> list[str]:
    """SQuAD v1.1's ``normalize_answer(text).split()``: lower-case, drop ASCII punctuation,
    drop the words a/an/the, split on whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _ASCII_PUNCT)
    return _ARTICLES["eng"].sub(" ", text).split()


def tokens(text: str, lang: str) -> list[str]:
    """The normalised tokens of an answer in language ``lang`` (canonical ``xxx_Scrp``)."""
    base = _base(lang)
    if base == "eng":  # SQuAD v1.1
        return squad_tokens(text)
    text = "".join(ch for ch in text.lower() if not _is_punct(ch))
    if base in _ARTICLES:
        text = _ARTICLES[base].sub(" ", text)
    elif base == "ara":
        text = text.replace(_ARABIC_ARTICLE, " ")
    if base in _CHAR_TOKENS:
        return [t for t in _segment(text, _CHAR_TOKENS[base]) if t.strip()]
    return text.split()


def normalize(text: str, lang: str) -> str:
    """The normalised answer string that exact match compares."""
    return " ".join(tokens(text, lang))


def _golds(golds: str | Iterable[str]) -> list[str]:
    out = [golds] if isinstance(golds, str) else list(golds)
    if not out:
        raise ValueError("an item needs at least one gold answer")
    return out


def _f1_one(pred: list[str], gold: list[str]) -> float:
    same = sum((Counter(pred) & Counter(gold)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, golds: str | Iterable[str], lang: str) -> float:
    """1.0 if the normalised prediction equals any normalised gold answer, else 0.0."""
    pred = normalize(prediction, lang)
    return float(any(pred == normalize(g, lang) for g in _golds(golds)))


def f1(prediction: str, golds: str | Iterable[str], lang: str) -> float:
    """Token-overlap F1 against the best-matching gold answer."""
    pred = tokens(prediction, lang)
    return max(_f1_one(pred, tokens(g, lang)) for g in _golds(golds))


def _score(predictions, golds, tokenize) -> tuple[list[float], list[float]]:
    if len(predictions) != len(golds):
        raise ValueError(f"{len(predictions)} predictions for {len(golds)} items")
    em, f = [], []
    for p, g in zip(predictions, golds):
        pred, gold = tokenize(p), [tokenize(x) for x in _golds(g)]
        em.append(float(any(pred == x for x in gold)))  # equal token lists <=> equal normalised strings
        f.append(max(_f1_one(pred, x) for x in gold))
    return em, f


def score(predictions: Sequence[str], golds: Sequence[Iterable[str]], lang: str) -> tuple[list[float], list[float]]:
    """Per-item (exact match, F1) lists for parallel predictions and gold answer lists."""
    return _score(predictions, golds, lambda t: tokens(t, lang))


def score_squad(predictions: Sequence[str], golds: Sequence[Iterable[str]]) -> tuple[list[float], list[float]]:
    """Per-item (exact match, F1) as the SQuAD v1.1 script computes them, for any language."""
    return _score(predictions, golds, squad_tokens)
