"""Statistics for leaderboards: pure functions on per-item scores, all seeded.

* ``paired_randomization``: two-sided paired approximate-randomisation (sign-flip) test of
  the mean difference between two systems scored on the same items. When every difference
  is 0 or +-c (0/1 scores such as accuracy), the sign-flip distribution is binomial and the
  p-value is computed exactly (this is the exact McNemar test); otherwise it is estimated
  from ``n_resamples`` seeded sign flips with the (1 + hits) / (1 + resamples) rule, which
  never returns 0.
* ``stratified_randomization``: the same test for a macro-average over languages (flips
  within each language; the statistic is the mean over languages of the mean difference).
* ``holm``: Holm's step-down adjusted p-values (family-wise error control).
* ``stratified_bootstrap``: bootstrap distribution of per-system macro-averages, resampling
  items within each language with the same indices for every system (paired);
  ``ranks`` / ``rank_intervals`` turn it into rank intervals.

A cell's own interval (the bootstrap of a mean over items) is ``xling.metrics.uncertainty.mean_ci``,
the one the runner writes into every row; this module has no second one.
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from .metrics.uncertainty import N_BOOT

N_RESAMPLES = 9999


def seed_for(*parts, base: int = 0) -> int:
    """A stable seed from strings (independent of iteration order and of PYTHONHASHSEED)."""
    return (base * 1_000_003 + zlib.crc32("\x1f".join(map(str, parts)).encode("utf-8"))) % (2**32)


def _unit(d: np.ndarray) -> float | None:
    """c if every nonzero |d| equals c (up to rounding), else None; 0.0 if all are zero."""
    nz = np.abs(d[d != 0])
    if nz.size == 0:
        return 0.0
    c = nz.max()
    return float(c) if np.allclose(nz, c, rtol=0, atol=1e-12) else None


def paired_randomization(a, b, seed: int = 0, n_resamples: int = N_RESAMPLES) -> tuple[float, float, bool]:
    """Two-sided paired sign-flip test of mean(a - b) = 0 for scores on the same items.

    Returns (mean difference, p-value, exact). Exact (binomial) when differences are 0 or
    +-c; Monte Carlo with ``n_resamples`` seeded flips otherwise."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired scores need equal 1-D shapes, got {a.shape} and {b.shape}")
    if a.size == 0:
        return float("nan"), float("nan"), True
    d = a - b
    diff = float(d.mean())
    c = _unit(d)
    if c == 0.0:
        return 0.0, 1.0, True
    if c is not None:
        from scipy.stats import binom

        k = int(np.count_nonzero(d))
        t = abs(int(np.rint(d.sum() / c)))  # |#positive - #negative|
        # P(|2B - k| >= t) for B ~ Binomial(k, 1/2): both tails, symmetric
        if t == 0:
            return diff, 1.0, True
        return diff, float(min(1.0, 2 * binom.sf((k + t) // 2 - 1, k, 0.5))), True
    rng = np.random.default_rng(seed)
    obs = abs(d.sum())
    hits = 0
    chunk = max(1, min(n_resamples, 2_000_000 // max(1, d.size)))
    done = 0
    while done < n_resamples:
        m = min(chunk, n_resamples - done)
        signs = rng.integers(0, 2, size=(m, d.size), dtype=np.int8) * 2 - 1
        hits += int((np.abs(signs @ d) >= obs - 1e-12 * max(1.0, obs)).sum())
        done += m
    return diff, (1 + hits) / (1 + n_resamples), False


def stratified_randomization(diffs: Sequence[np.ndarray], seed: int = 0, n_resamples: int = N_RESAMPLES
                             ) -> tuple[float, float]:
    """Sign-flip test that the mean over strata (languages) of the mean paired difference is
    0. ``diffs`` holds one array of per-item differences per stratum. Returns
    (statistic, p-value); Monte Carlo, seeded. Strata of 0/c differences are drawn as
    binomials (no per-item loop), so thousands of items cost nothing."""
    diffs = [np.asarray(d, dtype=np.float64) for d in diffs if len(d)]
    if not diffs:
        return float("nan"), float("nan")
    L = len(diffs)
    obs = sum(d.mean() for d in diffs) / L
    rng = np.random.default_rng(seed)
    null = np.zeros(n_resamples)
    for d in diffs:
        c = _unit(d)
        if c == 0.0:
            continue
        if c is not None:
            k = int(np.count_nonzero(d))
            flipped_sum = (2 * rng.binomial(k, 0.5, size=n_resamples) - k) * c
        else:
            flipped_sum = np.empty(n_resamples)
            chunk = max(1, 2_000_000 // d.size)
            for s in range(0, n_resamples, chunk):
                m = min(chunk, n_resamples - s)
                flipped_sum[s:s + m] = (rng.integers(0, 2, size=(m, d.size), dtype=np.int8) * 2 - 1) @ d
        null += flipped_sum / d.size / L
    if obs == 0:
        return 0.0, 1.0
    hits = int((np.abs(null) >= abs(obs) - 1e-12 * max(1.0, abs(obs))).sum())
    return float(obs), (1 + hits) / (1 + n_resamples)


def holm(pvalues) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN entries are ignored and stay NaN)."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out[order] = adj
    return out


def stratified_bootstrap(blocks: Sequence[np.ndarray], seed: int = 0, n_boot: int = N_BOOT) -> np.ndarray:
    """(n_boot, systems) bootstrap distribution of each system's mean over strata of the
    per-stratum mean score. ``blocks`` holds one (items, systems) score array per stratum
    (language); items are resampled within each stratum, paired across systems."""
    blocks = [np.asarray(b, dtype=np.float64) for b in blocks if len(b)]
    if not blocks:
        raise ValueError("no strata to resample")
    rng = np.random.default_rng(seed)
    total = np.zeros((n_boot, blocks[0].shape[1]))
    for blk in blocks:
        n = blk.shape[0]
        idx = rng.integers(0, n, size=(n_boot, n), dtype=np.int64)
        # per-system mean over resampled items: counts @ scores avoids an (n_boot, n, S) array
        flat = (np.arange(n_boot)[:, None] * n + idx).ravel()
        counts = np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n)
        total += counts @ blk / n
    return total / len(blocks)


def ranks(values, higher_is_better: bool = True) -> np.ndarray:
    """Competition ranks (1 = best; ties share the best rank) along the last axis."""
    v = np.asarray(values, dtype=np.float64)
    key = -v if higher_is_better else v
    # rank = 1 + number of systems strictly better
    return 1 + (key[..., None, :] < key[..., :, None]).sum(axis=-1)


def rank_intervals(boot: np.ndarray, level: float = 0.95, higher_is_better: bool = True
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals of each system's rank over bootstrap rows of ``boot``
    ((n_boot, systems)); returns (low ranks, high ranks) as integers."""
    r = ranks(boot, higher_is_better)
    alpha = (1 - level) / 2
    lo = np.floor(np.quantile(r, alpha, axis=0)).astype(int)
    hi = np.ceil(np.quantile(r, 1 - alpha, axis=0)).astype(int)
    return lo, hi
