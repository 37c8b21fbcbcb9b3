"""xling.stats against reference implementations (scipy, statsmodels) and the runner."""
import numpy as np
import pytest
from scipy.stats import binomtest, permutation_test
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from xling import stats
from xling.metrics.uncertainty import N_BOOT, mean_ci, resample_indices


def _paired_binary(n, a_only, b_only, both, seed=0):
    """0/1 scores on n items: a_only items only A gets right, b_only only B, both both."""
    a, b = np.zeros(n), np.zeros(n)
    a[:a_only] = 1
    b[a_only:a_only + b_only] = 1
    a[a_only + b_only:a_only + b_only + both] = 1
    b[a_only + b_only:a_only + b_only + both] = 1
    perm = np.random.default_rng(seed).permutation(n)
    return a[perm], b[perm]


@pytest.mark.parametrize("a_only,b_only", [(10, 2), (3, 3), (0, 7), (25, 14), (1, 0)])
def test_binary_scores_give_the_exact_mcnemar_p(a_only, b_only):
    a, b = _paired_binary(204, a_only, b_only, 80)
    diff, p, exact = stats.paired_randomization(a, b, seed=1)
    assert exact and diff == pytest.approx((a_only - b_only) / 204)
    table = [[80, a_only], [b_only, 204 - 80 - a_only - b_only]]
    assert p == pytest.approx(mcnemar(table, exact=True).pvalue, abs=1e-12)
    assert p == pytest.approx(binomtest(a_only, a_only + b_only, 0.5).pvalue, abs=1e-12)


def test_identical_systems_have_p_one():
    a = np.array([1, 0, 1, 1.0])
    assert stats.paired_randomization(a, a.copy()) == (0.0, 1.0, True)


def test_real_valued_scores_match_scipy_exact_permutation():
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, 12)
    b = a - rng.normal(0.15, 0.2, 12)  # F1-like scores, a mostly better
    diff, p, exact = stats.paired_randomization(a, b, seed=0, n_resamples=20000)
    ref = permutation_test((a, b), lambda x, y: np.mean(x - y), permutation_type="samples",
                           n_resamples=np.inf, alternative="two-sided").pvalue  # all 2^12 sign flips
    assert not exact and diff == pytest.approx(np.mean(a - b))
    assert 0.001 < ref < 0.2 and p == pytest.approx(ref, abs=0.006)  # Monte Carlo error ~ 0.002
    assert stats.paired_randomization(a, b, seed=0, n_resamples=20000)[1] == p  # seeded


def test_monte_carlo_p_never_reaches_zero():
    a = np.linspace(0.5, 1, 300)
    b = a - 0.3 - np.linspace(0, 0.01, 300)
    _, p, exact = stats.paired_randomization(a, b, n_resamples=999)
    assert not exact and p == pytest.approx(1 / 1000)


def test_paired_test_rejects_misaligned_input():
    with pytest.raises(ValueError):
        stats.paired_randomization([1, 0, 1], [1, 0])


def test_holm_matches_statsmodels_and_keeps_nan():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.005, 0.5])
    got = stats.holm(p)
    ok = ~np.isnan(p)
    ref = multipletests(p[ok], method="holm")[1]
    np.testing.assert_allclose(got[ok], ref, rtol=0, atol=1e-15)
    assert np.isnan(got[2])
    # three languages at raw p = 0.0386 each are not significant after Holm
    assert (stats.holm([0.0386] * 3) > 0.05).all()


def test_one_bootstrap_of_a_mean():
    """The runner's interval is the only bootstrap of a mean over items (stats has none of its own)."""
    s = np.random.default_rng(0).integers(0, 2, 204).astype(float)
    assert not hasattr(stats, "bootstrap_mean_ci") and stats.N_BOOT is N_BOOT
    lo, hi = mean_ci(s, 7)
    assert lo < s.mean() < hi and 0.1 < hi - lo < 0.2  # ~ 2 x 1.96 x sqrt(.25/204) = 0.137


def test_stratified_bootstrap_one_stratum_is_the_plain_bootstrap():
    s = np.random.default_rng(1).uniform(size=50)
    boot = stats.stratified_bootstrap([s[:, None]], seed=5, n_boot=300)
    np.testing.assert_allclose(boot[:, 0], s[resample_indices(50, 5, 300)].mean(axis=1), rtol=0, atol=1e-12)


def test_stratified_bootstrap_is_paired_and_averages_strata():
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(40, 1))
    y = rng.uniform(size=(400, 1))
    boot = stats.stratified_bootstrap([np.hstack([x, x]), np.hstack([y, y + 0.1])], seed=0)
    np.testing.assert_allclose(boot[:, 1] - boot[:, 0], 0.05, atol=1e-12)  # same items in both columns
    assert boot[:, 0].mean() == pytest.approx((x.mean() + y.mean()) / 2, abs=0.01)  # mean of strata means


def test_ranks_share_ties_and_rank_intervals():
    assert stats.ranks([0.5, 0.7, 0.7, 0.1]).tolist() == [3, 1, 1, 4]
    rng = np.random.default_rng(0)
    boot = np.column_stack([rng.normal(0.9, 0.01, 1000), rng.normal(0.5, 0.02, 1000),
                            rng.normal(0.505, 0.02, 1000)])
    lo, hi = stats.rank_intervals(boot)
    assert (lo[0], hi[0]) == (1, 1) and (lo[1], hi[1]) == (2, 3) and (lo[2], hi[2]) == (2, 3)


def test_stratified_randomization():
    a1, b1 = _paired_binary(200, 30, 5, 60)
    a2, b2 = _paired_binary(1000, 40, 20, 500)
    stat, p = stats.stratified_randomization([a1 - b1, a2 - b2], seed=0)
    assert stat == pytest.approx((25 / 200 + 20 / 1000) / 2) and p < 0.001
    # no difference anywhere
    assert stats.stratified_randomization([np.zeros(5)], seed=0) == (0.0, 1.0)
    # one stratum of 0/1 differences: close to the exact McNemar p
    a, b = _paired_binary(300, 14, 6, 100)
    _, p1 = stats.stratified_randomization([a - b], seed=0, n_resamples=20000)
    assert p1 == pytest.approx(binomtest(14, 20, 0.5).pvalue, abs=0.01)
    # real-valued strata go through explicit flips, and equal the per-item test for one stratum
    r = np.random.default_rng(4).normal(0.05, 0.3, 80)
    _, p2 = stats.stratified_randomization([r], seed=0, n_resamples=20000)
    assert p2 == pytest.approx(stats.paired_randomization(r, np.zeros(80), n_resamples=20000)[1], abs=0.01)


def test_seed_for_is_stable():
    assert stats.seed_for("sib200", "deu_Latn", "a", "b") == stats.seed_for("sib200", "deu_Latn", "a", "b")
    assert stats.seed_for("sib200", "deu_Latn", "a", "b") != stats.seed_for("sib200", "deu_Latn", "b", "a")
    assert stats.seed_for("x") == 2363233923  # crc32: independent of PYTHONHASHSEED
