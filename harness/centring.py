"""Language centring: subtract a language's mean embedding from its embeddings (pure functions).

Multilingual sentence embeddings carry a language-specific offset: every sentence of a
language is shifted by roughly the same vector (Libovický, Rosa & Fraser 2020, "On the
Language Neutrality of Pre-trained Multilingual Representations"; Pires et al. 2019). A probe
trained on English learns decision boundaries in English's region of the space; a target
language shifted away from it is misread. Subtracting each language's own mean moves every
language to the origin, so only the within-language (content) variation reaches the probe.

What is legitimate in zero-shot transfer: the probe never sees a target-language label.
Centring needs only unlabelled target-language text:

* the source's mean from the source's training texts (the probe's own training data);
* the target's mean from the target texts being classified (its test texts). This is
  transductive: each prediction depends, through the mean, on the other test sentences
  (never on their labels). It is what ``centre_blocks`` does when the classify probe passes
  the test texts, and what the issue measures. With SIB-200's 204 test sentences per language
  the mean is estimated well; on a handful of test texts it would be noisy, and a single text
  would be centred to the zero vector (refused below).
* An inductive alternative needs a separate unlabelled sample of the target language (e.g.
  its train split's texts without labels): pass that sample's ``language_mean`` as ``mean``.

Topic priors: the mean of a language's texts also contains the mean topic of that sample.
SIB-200's splits have the same sentences (hence the same topic mix) in every language, so the
source and target means differ only by the language offset; on non-parallel data a
different topic mix in the target's sample shifts its mean too.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import XlingError

MIN_TEXTS = 2  # a mean of one text would centre it to the zero vector


def language_mean(X) -> np.ndarray:
    """The mean embedding (float64) of one language's texts, ``X`` (texts x dims)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) < MIN_TEXTS:
        raise XlingError(f"language centring needs at least {MIN_TEXTS} texts of the language; got array of shape "
                         f"{X.shape}")
    return X.mean(axis=0)


def centre(X, mean=None) -> np.ndarray:
    """``X`` minus ``mean`` (default: ``X``'s own mean), as float32 like the embeddings."""
    X = np.asarray(X)
    mu = language_mean(X) if mean is None else np.asarray(mean, dtype=np.float64)
    if mu.shape != X.shape[1:]:
        raise XlingError(f"language centring: the mean has shape {mu.shape}, the embeddings {X.shape}")
    return (X.astype(np.float64) - mu).astype(np.float32)


def centre_blocks(blocks: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each block (one language's embeddings) minus its own mean: for a pooled probe
    trained on several source languages, centre each language before concatenating."""
    return [centre(b) for b in blocks]
