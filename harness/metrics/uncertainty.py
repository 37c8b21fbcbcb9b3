"""Percentile bootstrap confidence intervals over items, seeded and vectorised."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

N_BOOT = 1000


def resample_indices(n: int, seed: int, n_boot: int = N_BOOT) -> np.ndarray:
    """(n_boot, n) item indices drawn with replacement."""
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def bootstrap_ci(stat: Callable[[np.ndarray], np.ndarray], n: int, seed: int, level: float = 0.95,
                 n_boot: int = N_BOOT) -> tuple[float, float]:
    """Percentile interval of ``stat(idx)`` where ``idx`` is a (n_boot, n) array of
    resampled item indices and ``stat`` returns one value per row."""
    if n == 0:
        return float("nan"), float("nan")
    values = np.asarray(stat(resample_indices(n, seed, n_boot)), dtype=np.float64)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(values, [alpha, 1 - alpha])
    return float(lo), float(hi)


def mean_ci(scores: np.ndarray, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Bootstrap interval of the mean of per-item scores."""
    scores = np.asarray(scores, dtype=np.float64)
    return bootstrap_ci(lambda idx: scores[idx].mean(axis=1), len(scores), seed, level)
