"""How a model relates languages, from its embeddings of parallel sentences: pure functions.

Alignment of a language to a pivot (English), on sentences paired with their translations
(row i of ``X`` translates row i of ``P``):

* ``mean_cosine``: the mean over sentences of cos(x_i, p_i), Language Ranker's measure (Li et
  al. 2024, arXiv 2404.11553: the cosine between the representation of a sentence and of its
  English translation, averaged over the sentences; raw cosine, no centring).
* ``mexa``: MEXA's alignment score (Kargaran et al. 2024, arXiv 2410.05873), exactly as
  ``mexa()`` in the authors' ``compute_mexa.py`` (github.com/cisnlp/MEXA): with
  S[i, j] = cos(p_i, x_j) (pivot sentences as rows), the fraction of sentences i whose
  S[i, i] is *strictly* greater than every other entry of row i (x_i is p_i's nearest
  neighbour among the language's sentences) AND of column i (p_i is x_i's nearest neighbour
  among the pivot's sentences); a tie counts as a miss. Raw cosine. The authors' script uses
  the first 100 sentences by default (``--num_sents``); here the caller chooses the sentences
  (the study uses all it has unless told otherwise). For layered models MEXA computes the score
  per layer and then pools over layers (mean, "ARC style"; max, "Belebele style"):
  ``layer_summary``.

Language x language similarity, centred (``language_vectors`` + ``language_similarity``):
a language's vector is the mean over its sentences of x_i - p_i (its offset from the pivot's
translation of the same sentence; for the pivot itself, 0). On fully parallel data (SIB-200:
the same 1,004 sentences in every language) this is the language's centroid minus the pivot's
centroid: the sentences' content cancels exactly. On pair-wise data (Tatoeba: each language
has its own English side) it still cancels the content of that language's own sentences.
The vectors are then centred by subtracting their mean over all languages, and compared by
cosine. Why centring: sentence embeddings occupy a narrow cone (anisotropy: Ethayarajh 2019;
Mu & Viswanath 2018), so one common direction dominates every vector and raw cosines of
language centroids are all close to 1; subtracting the common mean removes exactly that
shared component, so the cosine measures whether two languages' *deviations* from the average
language point the same way (for fully parallel data this equals the cosine of the centroids
after subtracting the global mean of all sentences of all languages). Per-dimension
standardisation was not chosen: dividing every dimension by its standard deviation gives
low-variance (mostly noise) dimensions the same weight as the ones the model uses, so it
changes the geometry instead of only removing its common offset.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import XlingError


def unit_rows(X) -> np.ndarray:
    """Rows scaled to unit L2 norm (float64); all-zero rows stay zero."""
    X = np.asarray(X, dtype=np.float64)
    norm = np.linalg.norm(X, axis=-1, keepdims=True)
    return np.divide(X, norm, out=np.zeros_like(X), where=norm > 0)


def _pair(X, P) -> tuple[np.ndarray, np.ndarray]:
    X, P = np.asarray(X), np.asarray(P)
    if X.ndim != 2 or X.shape != P.shape:
        raise XlingError(f"alignment needs two (sentences x dims) arrays of one shape, got {X.shape} and {P.shape}")
    if len(X) == 0:
        raise XlingError("alignment needs at least one sentence pair")
    return X, P


def translation_cosines(X, P) -> np.ndarray:
    """cos(x_i, p_i) for every sentence i."""
    X, P = _pair(X, P)
    return (unit_rows(X) * unit_rows(P)).sum(axis=1)


def mean_cosine(X, P) -> float:
    """Language Ranker: the mean cosine of each sentence with its translation."""
    return float(translation_cosines(X, P).mean())


def mexa(X, P) -> float:
    """MEXA's score: the fraction of sentences whose translation is the strict nearest
    neighbour (by cosine) in both directions; see the module docstring."""
    X, P = _pair(X, P)
    if len(X) < 2:
        raise XlingError("MEXA needs at least 2 sentence pairs (a nearest neighbour among others)")
    return _mexa_units(unit_rows(X), unit_rows(P))


NEAR_TIE = 1e-4  # float32 cosines of unit vectors are within 384 * 6e-8 of float64's: decide closer calls exactly


def _mexa_units(Xu: np.ndarray, Pu: np.ndarray) -> float:
    """MEXA on unit rows. The cosine matrix is computed in float32 (twice as fast); every
    sentence whose diagonal is within ``NEAR_TIE`` of its row's or column's best other entry
    is decided again in float64, so the result is the float64 one."""
    S = Pu.astype(np.float32) @ Xu.astype(np.float32).T
    diag = np.diag(S).copy()
    np.fill_diagonal(S, -np.inf)  # the others of each row and column
    row, col = S.max(axis=1), S.max(axis=0)
    hit = (diag > row) & (diag > col)
    for i in np.flatnonzero((np.abs(diag - row) < NEAR_TIE) | (np.abs(diag - col) < NEAR_TIE)):
        r, c = Xu @ Pu[i], Pu @ Xu[i]  # row i (pivot i against every sentence) and column i
        hit[i] = r[i] > np.delete(r, i).max() and c[i] > np.delete(c, i).max()
    return float(hit.mean())


def layer_alignment(X, P) -> pd.DataFrame:
    """Per layer (``X``, ``P``: sentences x layers x dims): mean cosine and MEXA."""
    X, P = np.asarray(X), np.asarray(P)
    if X.ndim != 3 or X.shape != P.shape or len(X) < 2:
        raise XlingError(f"layer alignment needs (sentences >= 2, layers, dims) arrays of one shape, got {X.shape}, "
                         f"{P.shape}")
    rows = []
    for k in range(X.shape[1]):
        Xu, Pu = unit_rows(X[:, k]), unit_rows(P[:, k])
        rows.append({"layer": k, "mean_cosine": float((Xu * Pu).sum(axis=1).mean()), "mexa": _mexa_units(Xu, Pu)})
    return pd.DataFrame(rows)


def layer_summary(per_layer: pd.DataFrame, column: str = "mexa") -> dict:
    """MEXA's pooling over layers: the mean (ARC style) and the max (Belebele style), and the
    layer of the max."""
    v = per_layer[column].to_numpy(float)
    return {f"{column}_mean_layers": float(v.mean()), f"{column}_max_layers": float(v.max()),
            f"{column}_best_layer": int(per_layer["layer"].to_numpy()[int(np.argmax(v))])}


def offset_vector(X, P) -> np.ndarray:
    """A language's vector: the mean over sentences of x_i - p_i (float64)."""
    X, P = _pair(X, P)
    return X.astype(np.float64).mean(axis=0) - P.astype(np.float64).mean(axis=0)


def language_similarity(vectors) -> np.ndarray:
    """Cosine similarity of the language vectors (languages x dims) after subtracting their
    mean over languages; the diagonal is 1 (0 for a vector equal to the mean)."""
    V = np.asarray(vectors, dtype=np.float64)
    if V.ndim != 2 or len(V) < 2:
        raise XlingError(f"language similarity needs at least 2 language vectors, got shape {V.shape}")
    U = unit_rows(V - V.mean(axis=0))
    S = np.clip(U @ U.T, -1.0, 1.0)
    return (S + S.T) / 2


def raw_similarity(vectors) -> np.ndarray:
    """Cosine similarity without centring (what centring corrects; for the report)."""
    U = unit_rows(vectors)
    return np.clip(U @ U.T, -1.0, 1.0)


def nearest(sim, langs: Sequence[str], k: int = 5) -> pd.DataFrame:
    """The ``k`` most similar other languages of each language, with their similarity."""
    S = np.asarray(sim, dtype=np.float64)
    langs = list(langs)
    if S.shape != (len(langs), len(langs)):
        raise XlingError(f"similarity matrix of shape {S.shape} for {len(langs)} languages")
    rows = []
    for i, lang in enumerate(langs):
        s = S[i].copy()
        s[i] = -np.inf
        order = np.argsort(-s, kind="stable")[:min(k, len(langs) - 1)]
        rows.append({"lang": lang, **{f"nearest_{j + 1}": langs[o] for j, o in enumerate(order)},
                     **{f"sim_{j + 1}": float(s[o]) for j, o in enumerate(order)}})
    return pd.DataFrame(rows)


def cluster(sim, method: str = "average"):
    """Hierarchical clustering of the languages on distance 1 - similarity (scipy linkage,
    UPGMA by default); returns the linkage matrix."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    D = 1.0 - np.asarray(sim, dtype=np.float64)
    np.fill_diagonal(D, 0.0)
    D = np.maximum((D + D.T) / 2, 0.0)
    return linkage(squareform(D, checks=False), method=method)
