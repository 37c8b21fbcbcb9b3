"""``charngram``: a model-free lexical baseline (the SIB-200 paper's baseline class:
character n-gram TF features + a linear classifier).

Design: a *stateless* featuriser, so it is an ordinary ``Encoder`` and goes through the
same dispatch as neural encoders (Classify: the logistic-regression probe of
``solvers/classify.py`` on these features = char n-gram TF + logistic regression;
Bitext/retrieval: cosine of the n-gram vectors, a legitimate lexical baseline).

* character n-grams of 1 to 3 characters inside word boundaries (scikit-learn
  ``HashingVectorizer(analyzer='char_wb')``, lower-cased), hashed into 2**15 buckets
  (MurmurHash3, fixed seed: identical across runs, machines and scikit-learn versions);
* sublinear term frequency ``1 + log(tf)`` and L2 normalisation, as
  ``TfidfVectorizer(sublinear_tf=True)`` does;
* IDF is fitted where something is trained, not in ``encode`` (a stateless encoder
  cannot fit a table without depending on what it saw first): ``probe_features()`` gives
  the probe of ``solvers/classify.py`` (and the pair probe) a ``TfidfTransformer`` fitted on
  the probe's own training rows, so the classifier is exactly TF-IDF (sublinear tf, smooth
  IDF, L2 norm) + logistic regression. Bitext retrieval trains nothing and uses the
  sublinear-tf vectors without IDF.

The vectors are wide (32768 floats, 128 KiB per text), so the model says
``cacheable = False``: the runner calls it directly instead of storing its output in the
embedding cache (featurising is far cheaper than a cache lookup of that size).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import XlingError
from . import Backend, check_output

N_FEATURES = 2 ** 15
NGRAMS = (1, 3)  # as the MasakhaNEWS classical baselines (char_wb 1-3); 1-4 scored lower on SIB-200
VERSION = "1"


class CharNgramEncoder:
    cacheable = False  # the runner bypasses the embedding cache for this model

    def __init__(self, n_features: int = N_FEATURES, ngram_range: tuple[int, int] = NGRAMS):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.n_features = n_features
        self._vec = HashingVectorizer(analyzer="char_wb", ngram_range=ngram_range, n_features=n_features,
                                      alternate_sign=False, norm=None, lowercase=True, dtype=np.float32)
        self.name = f"charngram@v{VERSION}-wb{ngram_range[0]}-{ngram_range[1]}-h{n_features}"

    @staticmethod
    def probe_features():
        """IDF weighting + L2 norm, fitted on the probe's training rows (see module doc)."""
        from sklearn.feature_extraction.text import TfidfTransformer

        return TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=False)

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        from sklearn.preprocessing import normalize

        texts = list(texts)
        if not texts:
            return np.zeros((0, self.n_features), np.float32)
        x = self._vec.transform(texts)  # raw counts, sparse
        x.data = 1.0 + np.log(x.data)  # sublinear tf
        x = normalize(x, norm="l2", copy=False)
        return check_output(self.name, texts, x.toarray())


def make(arg: str = "", **_options) -> CharNgramEncoder:
    """The spec is plain ``charngram`` (no options)."""
    if arg:
        raise XlingError(f"model spec 'charngram:{arg}': charngram takes no options (use plain 'charngram')")
    return CharNgramEncoder()


BACKEND = Backend("charngram", make, ("Encoder",), offline=True, usage="charngram",
                  summary="no model: character 1-3-gram TF features (TF-IDF + LR baseline with a probe)")
