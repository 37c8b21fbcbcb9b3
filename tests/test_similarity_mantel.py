"""Mantel and partial Mantel tests (xling.mantel): equal to the ``mantel`` package on the same
permutations, the partial statistic equal to the correlation of regression residuals, a
planted language geometry found (p < 0.01), and the stated false-positive rate on null data."""
import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from xling import similarity as S
from xling.errors import XlingError
from xling.mantel import condensed, mantel


def _dist(points):
    return squareform(pdist(points))


def test_mantel_statistic_and_p_equal_the_mantel_package_on_the_same_permutations():
    M = pytest.importorskip("mantel")
    rng = np.random.default_rng(0)
    for m, noise, tail in ((9, 1.0, "upper"), (12, 3.0, "two-tail"), (7, 0.5, "upper")):
        pts = rng.normal(size=(m, 3))
        a, b = _dist(pts), _dist(pts + noise * rng.normal(size=(m, 3)))
        np.random.seed(m)  # the package shuffles its second matrix with the global numpy generator
        ref = M.test(a, b, perms=999, tail=tail)
        np.random.seed(m)
        order, orders = np.arange(m), []
        for _ in range(999):
            np.random.shuffle(order)
            orders.append(order.copy())
        ours = mantel(b, a, permutations=np.array(orders), tail="upper" if tail == "upper" else "two-sided")
        assert ours.r == pytest.approx(ref.r, abs=1e-12)
        assert ours.p == ref.p
        assert ours.permutations == 999 and ours.n_pairs == m * (m - 1) // 2


def test_partial_mantel_is_the_correlation_of_residuals_on_the_control():
    rng = np.random.default_rng(1)
    m = 20
    geo = rng.normal(size=(m, 2))
    z = _dist(geo)
    x = _dist(np.column_stack([geo, rng.normal(size=(m, 2))]))
    y = _dist(np.column_stack([geo, 0.5 * rng.normal(size=(m, 2))]))
    res = mantel(x, y, z, permutations=999, seed=3)
    cx, cy, cz = condensed(x), condensed(y), condensed(z)
    A = np.column_stack([np.ones_like(cz), cz])
    rx = cx - A @ np.linalg.lstsq(A, cx, rcond=None)[0]
    ry = cy - A @ np.linalg.lstsq(A, cy, rcond=None)[0]
    assert res.r == pytest.approx(np.corrcoef(cx, cy)[0, 1], abs=1e-12)
    assert res.r_partial == pytest.approx(np.corrcoef(rx, ry)[0, 1], abs=1e-10)
    assert res.r > res.r_partial  # part of the x-y correlation is geography
    assert 1 / 1000 <= res.p_partial <= 1
    # seeded: the same call gives the same p; another seed may not
    assert mantel(x, y, z, permutations=999, seed=3) == res


def test_missing_distances_leave_out_pairs_and_languages_without_data():
    rng = np.random.default_rng(2)
    pts = rng.normal(size=(10, 3))
    x, y = _dist(pts), _dist(pts + rng.normal(size=(10, 3)))
    y_nan = y.copy()
    y_nan[4, :] = y_nan[:, 4] = np.nan  # a language URIEL lacks
    y_nan[1, 2] = y_nan[2, 1] = np.nan  # one pair without shared features
    res = mantel(x, y_nan, permutations=99)
    assert res.n_objects == 9 and res.n_pairs == 36 - 1
    keep = [i for i in range(10) if i != 4]
    sub_x, sub_y = x[np.ix_(keep, keep)], y[np.ix_(keep, keep)]
    ok = np.isfinite(condensed(y_nan[np.ix_(keep, keep)]))
    assert res.r == pytest.approx(np.corrcoef(condensed(sub_x)[ok], condensed(sub_y)[ok])[0, 1], abs=1e-12)
    with pytest.raises(XlingError, match="permuted matrix x has missing"):
        mantel(y_nan, x)
    with pytest.raises(XlingError, match="not symmetric"):
        mantel(x + np.triu(np.ones_like(x)), y)


def _model_distances(positions, rng, n_sent=60, dim=32):
    """1 - centred similarity of languages whose embedding offsets are a linear image of
    their planted positions (plus noise), with a large common offset."""
    A = rng.normal(size=(positions.shape[1], dim))
    content = rng.normal(size=(n_sent, dim))
    common = 50 * rng.normal(size=dim)
    emb = [content + p @ A + common + 0.5 * rng.normal(size=(n_sent, dim)) for p in positions]
    V = np.stack([S.offset_vector(e, emb[0]) for e in emb])
    return 1 - S.language_similarity(V)


def test_mantel_finds_a_planted_language_geometry():
    rng = np.random.default_rng(4)
    positions = rng.normal(size=(30, 3))
    model = _model_distances(positions, rng)
    typo = _dist(positions + 0.3 * rng.normal(size=positions.shape))  # a noisy 'typology' of the same geometry
    res = mantel(model, typo, permutations=9999, seed=0)
    assert res.permutations == 9999
    assert res.r > 0.5 and res.p < 0.01
    assert res.p == 1 / 10000  # no permutation reaches it
    assert abs(res.null_mean) < 0.05


def test_false_positive_rate_on_null_data_is_the_nominal_level():
    """200 seeded null data sets (typology from positions independent of the model's): the
    share with p <= 0.05 lies within the binomial 99% interval around 0.05."""
    from scipy.stats import binom

    rejections = 0
    for i in range(200):
        rng = np.random.default_rng(1000 + i)
        model = _model_distances(rng.normal(size=(12, 3)), rng, n_sent=20, dim=16)
        typo = _dist(rng.normal(size=(12, 3)))
        rejections += mantel(model, typo, permutations=199, seed=i).p <= 0.05
    lo, hi = binom.interval(0.99, 200, 0.05)
    assert lo <= rejections <= hi, rejections


def test_partial_test_uses_the_pairs_the_control_has_and_the_simple_test_all_of_y():
    rng = np.random.default_rng(5)
    pts = rng.normal(size=(12, 3))
    x, y, z = _dist(pts), _dist(pts + rng.normal(size=(12, 3))), _dist(rng.normal(size=(12, 2)))
    z[3, :] = z[:, 3] = np.nan  # geography unknown for one language
    res = mantel(x, y, z, permutations=199, seed=1)
    alone = mantel(x, y, permutations=199, seed=1)
    keep = [i for i in range(12) if i != 3]
    sub = np.ix_(keep, keep)
    joint = mantel(x[sub], y[sub], z[sub], permutations=199, seed=1)
    assert (res.r, res.p, res.n_objects, res.n_pairs) == (alone.r, alone.p, 12, 66)
    assert (res.r_partial, res.p_partial) == (joint.r_partial, joint.p_partial)
    assert (res.n_objects_partial, res.n_pairs_partial) == (11, 55)


def test_mantel_table_equals_single_tests_on_the_common_languages():
    """One pass over shared permutations for several distances (and partial tests on a
    control) gives what mantel() gives distance by distance on the languages all have."""
    from xling.mantel import mantel_table, permutation_orders

    rng = np.random.default_rng(6)
    pts = rng.normal(size=(14, 3))
    x = _dist(pts)
    ys = {"a": _dist(pts + rng.normal(size=(14, 3))), "b": _dist(rng.normal(size=(14, 3))),
          "geo": _dist(pts[:, :2] + 0.5 * rng.normal(size=(14, 2)))}
    ys["a"][2, :] = ys["a"][:, 2] = np.nan  # a language 'a' lacks: left out of every test
    ys["b"][5, 7] = ys["b"][7, 5] = np.nan  # one pair 'b' lacks
    ys["geo"][1, 9] = ys["geo"][9, 1] = np.nan  # one pair without geography
    table, keep = mantel_table(x, ys, "geo", permutations=299, seed=4)
    assert keep.tolist() == [i for i in range(14) if i != 2]
    sub = np.ix_(keep, keep)
    orders = permutation_orders(len(keep), 299, 4)
    for name, res in table.items():
        z = None if name == "geo" else ys["geo"][sub]
        want = mantel(x[sub], ys[name][sub], z, permutations=orders)
        assert res.r == pytest.approx(want.r, abs=1e-12) and res.p == want.p, name
        assert (res.n_objects, res.n_pairs) == (13, 78 - (name in ("b", "geo"))), name
        if z is not None:
            assert res.r_partial == pytest.approx(want.r_partial, abs=1e-12) and res.p_partial == want.p_partial
            assert res.n_pairs_partial == 78 - 1 - (name == "b")
        else:
            assert np.isnan(res.r_partial)
