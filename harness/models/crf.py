"""``crf``: a linear-chain CRF over hand-made word features (``sklearn-crfsuite``), the classical
feature-based NER baseline, as a ``TrainableTagger``: trained here, per language, on the
task's training split (``solvers/tag.py``), then tagging that language's test sentences.

Features of word i (``features``): the word lower-cased; its prefixes and suffixes of 1 to 4
characters (affixes); its shape (upper-case letters -> X, lower-case -> x, digits -> d, other
characters kept, e.g. ``Xxxxx`` or ``dd/dd``) and short shape (runs collapsed: ``Xx``);
whether it is title-case, all upper-case, all digits, contains a digit, contains a hyphen,
is punctuation only; its length (capped at 10); and the lower-cased form, short shape and
title/upper flags of the words at i-2 .. i+2; ``BOS``/``EOS`` on the first and last word. Nothing
language-specific (no gazetteer, no lexicon), so one feature set serves all 30 languages.

Training: L-BFGS with elastic-net regularisation c1 = 0.1 (L1), c2 = 0.1 (L2), at most 100
iterations, transitions between every pair of tags allowed (``all_possible_transitions``):
sklearn-crfsuite's tutorial settings for CoNLL NER, fixed, not tuned on any test set. L-BFGS
draws no random numbers, so a fit is reproducible (``seed`` is accepted and recorded, not
needed). The fitted model lives in memory (crfsuite's own temporary file, removed by
sklearn-crfsuite); nothing is pickled or cached on disk.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ..errors import XlingError
from . import Backend

C1, C2, MAX_ITER = 0.1, 0.1, 100
AFFIXES = (1, 2, 3, 4)
WINDOW = 2  # neighbouring words on each side
VERSION = "1"  # of the feature set: part of the model name


def shape(word: str) -> str:
    out = []
    for ch in word:
        out.append("X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch)
    return "".join(out)


def short_shape(word: str) -> str:
    s = shape(word)
    return "".join(c for i, c in enumerate(s) if i == 0 or c != s[i - 1])


def _is_punct(word: str) -> bool:
    return all(unicodedata.category(c)[0] in "PS" for c in word)


def _word(word: str) -> dict:
    f = {"lower": word.lower(), "shape": shape(word), "short": short_shape(word), "title": word.istitle(),
         "upper": word.isupper(), "digit": word.isdigit(), "has_digit": any(c.isdigit() for c in word),
         "hyphen": "-" in word, "punct": _is_punct(word), "len": min(len(word), 10)}
    for n in AFFIXES:
        if len(word) >= n:
            f[f"pre{n}"] = word[:n].lower()
            f[f"suf{n}"] = word[-n:].lower()
    return f


def features(tokens: Sequence[str]) -> list[dict]:
    """One feature dict per word of a sentence (python-crfsuite's input)."""
    out = []
    for i, word in enumerate(tokens):
        f = {"bias": 1.0, **_word(word)}
        for d in range(-WINDOW, WINDOW + 1):
            j = i + d
            if d and 0 <= j < len(tokens):
                w = tokens[j]
                f.update({f"{d:+d}:lower": w.lower(), f"{d:+d}:short": short_shape(w), f"{d:+d}:title": w.istitle(),
                          f"{d:+d}:upper": w.isupper()})
        if i == 0:
            f["BOS"] = True
        if i == len(tokens) - 1:
            f["EOS"] = True
        out.append(f)
    return out


class FittedCRF:
    """A CRF trained on one language: the ``Tagger`` that ``CRFTrainer.fit`` returns."""

    def __init__(self, name: str, crf):
        self.name, self._crf = name, crf
        self.labels = tuple(crf.classes_)

    def tag(self, token_lists: Sequence[Sequence[str]]) -> list[list[str]]:
        return [list(self._crf.predict_single(features(t))) if len(t) else [] for t in token_lists]


class CRFTrainer:
    def __init__(self, c1: float = C1, c2: float = C2, max_iter: int = MAX_ITER):
        try:
            import sklearn_crfsuite
        except ImportError as e:
            raise XlingError("model crf needs sklearn-crfsuite: pip install sklearn-crfsuite==0.5.0") from e
        self._lib, self.c1, self.c2, self.max_iter = sklearn_crfsuite, c1, c2, max_iter
        from importlib.metadata import version as installed

        version = installed("sklearn-crfsuite")
        self.name = f"crf@sklearn-crfsuite-{version}-f{VERSION}-c1={c1:g}-c2={c2:g}-it{max_iter}"

    def fit(self, token_lists: Sequence[Sequence[str]], tag_lists: Sequence[Sequence[str]], seed: int = 0) -> FittedCRF:
        if len(token_lists) != len(tag_lists) or not token_lists:
            raise XlingError(f"model {self.name}: {len(token_lists)} training sentences for {len(tag_lists)} tag lists")
        for i, (t, y) in enumerate(zip(token_lists, tag_lists)):
            if len(t) != len(y):
                raise XlingError(f"model {self.name}: training sentence {i} has {len(t)} words and {len(y)} tags")
        crf = self._lib.CRF(algorithm="lbfgs", c1=self.c1, c2=self.c2, max_iterations=self.max_iter,
                            all_possible_transitions=True)
        crf.fit([features(t) for t in token_lists], [list(y) for y in tag_lists])
        return FittedCRF(self.name, crf)


def make(arg: str = "", **_options) -> CRFTrainer:
    if arg:
        raise XlingError(f"model spec 'crf:{arg}': crf takes no options (use plain 'crf'; its settings are fixed)")
    return CRFTrainer()


BACKEND = Backend("crf", make, ("TrainableTagger",), offline=True, usage="crf",
                  summary="no model: a CRF on word-shape and affix features, trained per language (sklearn-crfsuite)")
