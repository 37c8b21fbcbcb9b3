"""Mantel tests between distance matrices over the same objects (languages): pure, seeded,
vectorised.

* ``mantel(x, y)``: Pearson correlation between the off-diagonal (upper-triangle) entries of
  two symmetric distance matrices, with a permutation p-value: the rows and columns of ``x``
  are permuted together (the objects' labels are shuffled) ``permutations`` times and
  p = (1 + #{permuted r >= observed r}) / (1 + permutations) (upper tail, vegan's default;
  ``tail='two-sided'`` compares |r|). The statistic equals ``mantel.test`` of the ``mantel``
  package and vegan's ``mantel`` (Pearson).
* ``mantel(x, y, z)``: also the partial Mantel test of x and y with z controlled (Smouse,
  Long & Sokal 1986, as vegan's ``mantel.partial``): the partial correlation
  r_xy.z = (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)) of the condensed vectors, its
  null distribution from the same permutations of ``x`` (y and z stay fixed, so r_yz is
  fixed).

Missing distances (NaN) are allowed in ``y`` and ``z`` (URIEL lacks some), never in ``x``
(the permuted matrix): objects with no finite distance in y (for the partial test: in y or
z) are dropped first (so the permutations shuffle only objects that have data), then pairs
with a missing y (or z) are left out of the correlations. Since y and z are never permuted,
those pairs are the same under every permutation.

``mantel_table`` runs a whole study's tests (several y, each also partial on a control) in
one pass over one set of permutations, on the objects every y has: each permuted upper
triangle is one flat gather, and matrix products of a chunk of them with the tests' unit
vectors and pair masks give every correlation (bench/bench_mantel.py times it against the
``mantel`` package).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from threadpoolctl import threadpool_limits

from .errors import XlingError

PERMUTATIONS = 9999
TAILS = ("upper", "two-sided")


@dataclass(frozen=True)
class MantelResult:
    r: float  # Mantel r (Pearson over the pairs used)
    p: float  # permutation p-value, (1 + hits) / (1 + permutations)
    r_partial: float  # partial Mantel r with z controlled (NaN without z)
    p_partial: float
    n_objects: int  # objects (languages) kept
    n_pairs: int  # pairs (i < j) in the correlations
    permutations: int
    tail: str
    null_mean: float = float("nan")  # of the permuted r: the reference a reader compares r with
    null_sd: float = float("nan")
    n_objects_partial: int = 0  # objects and pairs of the partial test (those z has too)
    n_pairs_partial: int = 0


def condensed(d: np.ndarray) -> np.ndarray:
    """The upper triangle (i < j) of a square matrix, row by row (scipy's squareform order)."""
    d = np.asarray(d, dtype=np.float64)
    iu, ju = np.triu_indices(d.shape[0], 1)
    return d[iu, ju]


def permutation_orders(n: int, permutations: int, seed: int) -> np.ndarray:
    """(permutations, n) independent uniform permutations of range(n), seeded."""
    rng = np.random.default_rng(seed)
    return rng.permuted(np.tile(np.arange(n, dtype=np.intp), (permutations, 1)), axis=1)


def _check(x, y, z):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    z = None if z is None else np.asarray(z, dtype=np.float64)
    for name, m in (("x", x), ("y", y), ("z", z)):
        if m is None:
            continue
        if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape != x.shape:
            raise XlingError(f"Mantel test: {name} must be a square matrix of shape {x.shape}, got {m.shape}")
        with np.errstate(invalid="ignore"):
            asym = np.nanmax(np.abs(m - m.T)) if np.isfinite(m).any() else 0.0
        if asym > 1e-9 * max(1.0, np.nanmax(np.abs(m)) if np.isfinite(m).any() else 1.0):
            raise XlingError(f"Mantel test: {name} is not symmetric (max |{name} - {name}.T| = {asym:.3g})")
    if not np.isfinite(condensed(x)).all():
        raise XlingError("Mantel test: the permuted matrix x has missing or infinite distances")
    return x, y, z


def _kept(y, z) -> np.ndarray:
    """Objects with at least one finite off-diagonal distance in y (and in z)."""
    keep = None
    for m in (y, z):
        if m is None:
            continue
        f = np.isfinite(m)
        np.fill_diagonal(f, False)
        k = f.any(axis=1)
        keep = k if keep is None else keep & k
    return np.flatnonzero(keep)


def _unit(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values`` centred and scaled to unit norm over ``mask``, 0 outside it."""
    out = np.zeros(len(values))
    c = values[mask] - values[mask].mean()
    norm = np.sqrt((c * c).sum())
    out[mask] = c / norm if norm > 0 else np.nan
    return out


def _partial(rxy, rxz, ryz):
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rxy - rxz * ryz) / np.sqrt((1 - rxz ** 2) * (1 - ryz ** 2))


def _pvalue(null: np.ndarray, obs: float, tail: str) -> float:
    if not np.isfinite(obs):
        return float("nan")
    tol = 1e-12 * max(1.0, abs(obs))
    hits = (np.abs(null) >= abs(obs) - tol) if tail == "two-sided" else (null >= obs - tol)
    return float((1 + int(hits.sum())) / (1 + len(null)))


@dataclass
class _Columns:
    """Correlations to compute under every permutation: unit vectors over the pairs (0 outside
    their mask) and, per unit vector, which mask (set of pairs) it is over."""

    units: list = field(default_factory=list)
    masks: list = field(default_factory=list)
    of: list = field(default_factory=list)  # mask index of each unit

    def add(self, values: np.ndarray, mask: np.ndarray) -> int:
        for k, m in enumerate(self.masks):
            if np.array_equal(m, mask):
                break
        else:
            self.masks.append(mask)
            k = len(self.masks) - 1
        self.units.append(_unit(values, mask))
        self.of.append(k)
        return len(self.units) - 1


def _correlations(x: np.ndarray, cols: _Columns, orders: np.ndarray, chunk: int = 32):
    """(observed r per column, (permutations x columns) r of the permuted x).

    Each permuted matrix's upper triangle is one flat gather
    (``x.ravel()[o[i] * n + o[j]]``); a chunk of them times the unit vectors gives every
    numerator, and times the masks the sums and sums of squares of the permuted values over
    each set of pairs, so all the tests of a study share one pass over the permutations."""
    n = x.shape[0]
    iu, ju = np.triu_indices(n, 1)
    U = np.column_stack(cols.units)
    M = np.column_stack(cols.masks).astype(np.float64)
    counts, of = M.sum(axis=0), np.asarray(cols.of)
    flat = x.ravel()

    def r_of(buf):
        s1, s2 = buf @ M, (buf * buf) @ M
        ss = np.maximum(s2 - s1 ** 2 / counts, 0.0)[:, of]
        with np.errstate(invalid="ignore", divide="ignore"):
            return (buf @ U) / np.sqrt(ss)

    obs = r_of(x[iu, ju][None, :])[0]
    null = np.empty((len(orders), U.shape[1]))
    buf = np.empty((min(chunk, len(orders)), len(iu)))
    # small products on cache-sized chunks: BLAS threads only add synchronisation here (and
    # stall badly on a busy machine), so one thread
    with threadpool_limits(1):
        for s in range(0, len(orders), chunk):
            o = orders[s:s + chunk]
            for i, oi in enumerate(o):
                buf[i] = flat[oi[iu] * n + oi[ju]]
            null[s:s + len(o)] = r_of(buf[:len(o)])
    return obs, null


def _result(corr: tuple, simple: int, partial: tuple | None, cols: _Columns, tail: str, n_obj: int) -> MantelResult:
    """A MantelResult from the columns of one test (``corr``: observed and permuted r of
    every column; ``partial``: the y and z columns over the pairs both have)."""
    obs, null = corr
    r, r_null = float(obs[simple]), null[:, simple]
    rp = pp = float("nan")
    n_obj_p = n_pairs_p = 0
    if partial is not None:
        cy, cz = partial
        ryz = float(cols.units[cy] @ cols.units[cz])
        rp = float(_partial(obs[cy], obs[cz], ryz))
        pp = _pvalue(_partial(null[:, cy], null[:, cz], ryz), rp, tail)
        n_obj_p, n_pairs_p = n_obj, int(cols.masks[cols.of[cy]].sum())
    return MantelResult(r, _pvalue(r_null, r, tail), rp, pp, n_obj, int(cols.masks[cols.of[simple]].sum()),
                        len(null), tail, float(np.nanmean(r_null)), float(np.nanstd(r_null)), n_obj_p, n_pairs_p)


def mantel(x, y, z=None, permutations=PERMUTATIONS, seed: int = 0, tail: str = "upper") -> MantelResult:
    """Mantel test of x against y (and the partial test with z controlled); see the module
    docstring. ``permutations`` is a count (seeded draws) or an explicit (k, n) array of
    orders of the objects (row k permutes x as ``x[o][:, o]``). The simple test uses every
    pair y has; the partial test the pairs y and z both have (one pass when those agree)."""
    if tail not in TAILS:
        raise XlingError(f"Mantel test: unknown tail {tail!r} (known: {', '.join(TAILS)})")
    x, y, z = _check(x, y, z)
    if z is not None and not np.array_equal(np.isfinite(y), np.isfinite(y) & np.isfinite(z)):
        simple = _test(x, y, None, permutations, seed, tail)
        joint = _test(x, y, z, permutations, seed, tail)
        return replace(simple, r_partial=joint.r_partial, p_partial=joint.p_partial,
                       n_objects_partial=joint.n_objects_partial, n_pairs_partial=joint.n_pairs_partial)
    return _test(x, y, z, permutations, seed, tail)


def _test(x, y, z, permutations, seed: int, tail: str) -> MantelResult:
    keep = _kept(y, z)
    if len(keep) < 3:
        raise XlingError(f"Mantel test: only {len(keep)} objects have distances in both matrices; need at least 3")
    sub = np.ix_(keep, keep)
    x, y = x[sub], y[sub]
    z = None if z is None else z[sub]
    ok = np.isfinite(condensed(y)) & (True if z is None else np.isfinite(condensed(z)))
    if ok.sum() < 3:
        raise XlingError(f"Mantel test: only {int(ok.sum())} pairs have both distances; need at least 3")
    cols = _Columns()
    cy = cols.add(condensed(y), ok)
    partial = None if z is None else (cy, cols.add(condensed(z), ok))
    corr = _correlations(x, cols, _orders(permutations, len(keep), seed))
    return _result(corr, cy, partial, cols, tail, len(keep))


def mantel_table(x, ys: dict, control: str | None = None, permutations=PERMUTATIONS, seed: int = 0,
                 tail: str = "upper") -> tuple[dict, np.ndarray]:
    """Mantel tests of x against every matrix of ``ys`` (name -> matrix), and partial tests
    with ``ys[control]`` controlled, in one pass over the same permutations. All tests use the
    objects every matrix has data for (so their r are comparable); within them, each test
    uses the pairs its matrices have. Returns ({name: MantelResult}, the kept objects); each
    result equals ``mantel(x, y, z)`` on the kept objects with the same permutations."""
    if tail not in TAILS:
        raise XlingError(f"Mantel test: unknown tail {tail!r} (known: {', '.join(TAILS)})")
    checked = {name: _check(x, y, None)[1] for name, y in ys.items()}
    x = _check(x, x, None)[0]
    keep = np.arange(len(x))
    for y in checked.values():
        keep = np.intersect1d(keep, _kept(y, None))
    if len(keep) < 3:
        raise XlingError(f"Mantel test: only {len(keep)} objects have every distance; need at least 3")
    sub = np.ix_(keep, keep)
    cols, tests = _Columns(), {}
    zc = condensed(checked[control][sub]) if control else None
    for name, y in checked.items():
        yc = condensed(y[sub])
        ok = np.isfinite(yc)
        both = ok & np.isfinite(zc) if zc is not None else None
        partial = None if zc is None or name == control else (cols.add(yc, both), cols.add(zc, both))
        tests[name] = (cols.add(yc, ok), partial)
    corr = _correlations(x[sub], cols, _orders(permutations, len(keep), seed))
    return {name: _result(corr, c, p, cols, tail, len(keep)) for name, (c, p) in tests.items()}, keep


def _orders(permutations, n: int, seed: int) -> np.ndarray:
    if np.ndim(permutations) == 0:
        k = int(permutations)
        if k < 1:
            raise XlingError(f"Mantel test: permutations must be >= 1, got {k}")
        return permutation_orders(n, k, seed)
    orders = np.asarray(permutations, dtype=np.intp)
    if orders.ndim != 2 or not np.array_equal(np.sort(orders, axis=1), np.tile(np.arange(orders.shape[1]),
                                                                                (len(orders), 1))):
        raise XlingError("Mantel test: explicit permutations must be a (k, n) array of orders of range(n)")
    if orders.shape[1] != n:
        raise XlingError(f"Mantel test: explicit permutations are of {orders.shape[1]} objects; the test keeps {n} "
                         "(objects without distances are dropped)")
    return orders
