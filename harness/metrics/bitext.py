"""Bitext mining accuracy as LASER's Tatoeba evaluation and XTREME report it: the i-th
source sentence must retrieve the i-th target sentence by cosine similarity (ties go to
the lowest index, as ``argmax`` does)."""
from __future__ import annotations

import numpy as np


def nearest(queries: np.ndarray, pool: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Index of the most cosine-similar pool row for every query row."""
    q = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    p = pool / np.maximum(np.linalg.norm(pool, axis=1, keepdims=True), 1e-12)
    out = np.empty(len(q), dtype=np.int64)
    for i in range(0, len(q), chunk):
        out[i:i + chunk] = (q[i:i + chunk] @ p.T).argmax(axis=1)
    return out


def retrieval_correct(src: np.ndarray, tgt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(nearest target index per source row, 0/1 correctness per source row)."""
    nn = nearest(src, tgt)
    return nn, (nn == np.arange(len(src))).astype(np.float64)
