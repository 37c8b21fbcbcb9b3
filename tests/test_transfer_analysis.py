"""Regression code of the transfer analysis on synthetic data with known effects, clustered
standard errors, leave-one-target-out R^2, the LangRank NDCG@3 and few-shot slopes."""
import numpy as np
import pandas as pd
import pytest

from xling import analysis as A
from xling.errors import XlingError

BETA = np.array([0.55, 0.06, -0.04, 0.0])  # intercept, x1, x2, x3 (no effect)


def _synthetic(seed=0, n_src=14, n_tgt=70, sd_src=0.05, sd_tgt=0.08, sd_e=0.03):
    """score = 0.55 + 0.06 x1 - 0.04 x2 + 0 x3 + source effect + target effect + noise, with
    x1 and x2 correlated (as distances are) and standardised predictors."""
    rng = np.random.default_rng(seed)
    src = np.repeat([f"s{i:02d}" for i in range(n_src)], n_tgt)
    tgt = np.tile([f"t{j:02d}" for j in range(n_tgt)], n_src)
    n = n_src * n_tgt
    x1 = rng.normal(size=n)
    x2 = 0.6 * x1 + 0.8 * rng.normal(size=n)
    x3 = rng.normal(size=n)
    Z = np.column_stack([x1, x2, x3])
    y = (BETA[0] + Z @ BETA[1:] + np.repeat(rng.normal(0, sd_src, n_src), n_tgt)
         + np.tile(rng.normal(0, sd_tgt, n_tgt), n_src) + rng.normal(0, sd_e, n))
    return y, Z, src, tgt


def test_ols_recovers_known_coefficients_within_their_clustered_cis():
    y, Z, src, tgt = _synthetic()
    fit = A.fit_ols(y, Z, ["x1", "x2", "x3"], src, tgt)
    assert fit.clusters == "two-way by source (14) and target (70)"
    t = fit.table
    for term, true in zip(["x1", "x2", "x3"], BETA[1:]):
        assert t.loc[term, "ci_low"] <= true <= t.loc[term, "ci_high"], term
    assert t.loc["x1", "p"] < 1e-4 and t.loc["x2", "p"] < 1e-4 and t.loc["x3", "p"] > 0.01
    # t intervals use min(#sources, #targets) - 1 = 13 degrees of freedom
    from scipy import stats

    half = (t.loc["x1", "ci_high"] - t.loc["x1", "ci_low"]) / 2
    assert half == pytest.approx(stats.t.ppf(0.975, 13) * t.loc["x1", "se"], rel=1e-9)


def test_two_way_clustered_se_is_the_cgm_combination_and_exceeds_iid():
    """V_2way = V_src + V_tgt - V_(src,tgt cells); with shared source/target effects in the
    errors, the clustered SE of the intercept is far above the i.i.d. one."""
    import statsmodels.api as sm
    from statsmodels.stats import sandwich_covariance as sw

    y, Z, src, tgt = _synthetic(seed=3)
    fit = A.fit_ols(y, Z, ["x1", "x2", "x3"], src, tgt)
    ols = sm.OLS(y, sm.add_constant(Z)).fit()
    s, t = pd.factorize(src)[0], pd.factorize(tgt)[0]
    v_s = sw.cov_cluster(ols, s)
    v_t = sw.cov_cluster(ols, t)
    v_st = sw.cov_cluster(ols, s * 1000 + t)  # every pair its own cluster (= heteroskedasticity-robust)
    manual = np.sqrt(np.diag(v_s + v_t - v_st))
    assert np.allclose(fit.table["se"].to_numpy(), manual, rtol=0.05)
    assert fit.table.loc["const", "se"] > 5 * ols.bse[0]
    # a sound variance: only source clustering or only target clustering gives a smaller one
    assert fit.table.loc["const", "se"] >= np.sqrt(v_t[0, 0]) * 0.99


def test_mixed_model_recovers_coefficients_and_variance_components():
    y, Z, src, tgt = _synthetic(seed=1, n_src=12, n_tgt=40)
    m = A.fit_mixed(y, Z, ["x1", "x2", "x3"], src, tgt)
    for term, true in zip(["x1", "x2", "x3"], BETA[1:]):
        assert m.table.loc[term, "ci_low"] <= true <= m.table.loc[term, "ci_high"], term
    assert m.variances["residual"] == pytest.approx(0.03 ** 2, rel=0.2)
    assert m.variances["target"] == pytest.approx(0.08 ** 2, rel=0.6)
    assert m.variances["source"] == pytest.approx(0.05 ** 2, rel=0.8)
    assert len(m.effects) == 12 + 40 and ("src", "s00") in m.effects


def test_loo_target_r2_on_synthetic_data():
    """y = 2 x + noise (sd 1), x ~ N(0, 1): the predictive R^2 is close to 1 - 1/5 = 0.8;
    predicting the training mean gives about 0; leaving targets out is honest (each fold's
    model never sees that target's rows)."""
    rng = np.random.default_rng(7)
    n_src, n_tgt = 6, 50
    data = pd.DataFrame({"src": np.repeat([f"s{i}" for i in range(n_src)], n_tgt),
                         "tgt": np.tile([f"t{j}" for j in range(n_tgt)], n_src)})
    data["x"] = rng.normal(size=len(data))
    data["y"] = 2 * data["x"] + rng.normal(size=len(data))
    pred = A.loo_target(data, ["x"])
    r2, mae = A.r2_mae(data["y"], pred)
    assert 0.74 < r2 < 0.86
    assert mae == pytest.approx(np.sqrt(2 / np.pi), rel=0.15)  # E|N(0,1)|
    r2_mean, _ = A.r2_mae(data["y"], A.loo_mean(data))
    assert -0.05 < r2_mean <= 0.0
    # a target-only signal cannot be predicted for an unseen target: LOO R^2 stays near 0
    data["y2"] = data["tgt"].map({t: rng.normal() for t in data["tgt"].unique()})
    r2_t, _ = A.r2_mae(data["y2"], A.loo_target(data.assign(y=data["y2"]), ["x"]))
    assert r2_t < 0.05


def test_langrank_relevance_and_ndcg_at_3_hand_computed():
    obs = [0.90, 0.80, 0.70, 0.10]  # observed scores of 4 candidate sources
    rel = A.relevance(obs)
    assert rel.tolist() == [10, 9, 8, 7]
    # predicted order: candidate 2nd, 1st, 4th
    pred = [0.5, 0.9, 0.1, 0.2]
    dcg = 9 / np.log2(2) + 10 / np.log2(3) + 7 / np.log2(4)
    idcg = 10 / np.log2(2) + 9 / np.log2(3) + 8 / np.log2(4)
    assert A.ndcg_at_k(rel, pred, k=3) == pytest.approx(dcg / idcg, abs=1e-12)
    assert A.ndcg_at_k(rel, obs, k=3) == pytest.approx(1.0)
    # top-10 cut-off and ties sharing the best rank
    many = [1.0, 1.0] + list(np.linspace(0.9, 0.1, 10))
    r = A.relevance(many)
    assert r[:2].tolist() == [10, 10] and r[2] == 8 and r[-1] == 0 and r[-2] == 0 and r[-3] == 1


def test_rank_sources_scores_each_target_separately():
    data = pd.DataFrame({"src": ["a", "b", "c"] * 2, "tgt": ["x"] * 3 + ["y"] * 3,
                         "y": [0.9, 0.5, 0.1, 0.2, 0.3, 0.8]})
    perfect = data["y"].to_numpy()
    reverse = -perfect
    out = A.rank_sources(data, {"perfect": perfect, "reverse": reverse}).set_index("tgt")
    assert out["ndcg_perfect"].tolist() == [1.0, 1.0]
    assert out.loc["x", "observed_top"] == "a, b, c" and out.loc["y", "top_reverse"] == "a, b, c"
    worst = (8 / 1 + 9 / np.log2(3) + 10 / 2) / (10 + 9 / np.log2(3) + 8 / 2)
    assert out.loc["x", "ndcg_reverse"] == pytest.approx(worst)


def test_fewshot_slopes_recover_a_log_curve():
    rows = []
    for tgt, (a, b) in {"deu_Latn": (0.5, 0.05), "zho_Hans": (0.3, 0.08)}.items():
        for k in (0, 8, 32, 128):
            for seed in (0, 1, 2):
                rows.append({"setting": "fewshot", "task": "sib200", "metric": "acc", "train_lang": "eng_Latn",
                             "test_lang": tgt, "shots": k, "seed": seed,
                             "value": a + b * np.log1p(k) + 0.001 * (seed - 1)})
    s = A.fewshot_slopes(pd.DataFrame(rows)).set_index("tgt")
    assert s.loc["deu_Latn", "b"] == pytest.approx(0.05, abs=1e-9)
    assert s.loc["zho_Hans", "a"] == pytest.approx(0.30, abs=1e-9)
    assert s.loc["zho_Hans", "b_low"] < 0.08 < s.loc["zho_Hans", "b_high"]
    assert s.loc["deu_Latn", "points"] == 12 and s.loc["deu_Latn", "seeds"] == 3
    assert "mean slope b = 0.0650" in A.fewshot_report(pd.DataFrame(rows))


def test_transfer_pairs_refuses_runs_without_train_languages():
    df = pd.DataFrame({"setting": ["bitext"] * 2, "train_lang": ["", ""], "test_lang": ["deu_Latn", "zho_Hans"],
                       "metric": ["acc_xx2en"] * 2, "value": [0.5, 0.4], "model": "m", "task": "tatoeba"})
    with pytest.raises(XlingError, match="no train languages"):
        A.transfer_pairs(df)
    inlang = df.assign(setting="zero_shot", train_lang=df["test_lang"], metric="acc", task="sib200")
    with pytest.raises(XlingError, match="no cross-lingual pairs"):
        A.transfer_pairs(inlang)


class _Typ:
    """A typology stand-in: URIEL knows a, b, c but not 'zzz_Latn'."""

    def __init__(self):
        langs = ["aaa_Latn", "bbb_Latn", "ccc_Latn", "zzz_Latn"]
        rng = np.random.default_rng(0)
        rows = [{"src": s, "tgt": t, "genetic": rng.random(), "syntactic": np.nan if "ccc" in (s + t) else rng.random(),
                 "same_script": 1} for s in langs for t in langs]
        self.pairs = pd.DataFrame(rows)
        self.langs = pd.DataFrame({"lang": langs, "in_uriel": [True, True, True, False]})
        self.missing = ["zzz_Latn"]


def test_join_says_what_it_excluded_and_imputed():
    pairs = pd.DataFrame([(s, t, 0.5) for s in ["aaa_Latn", "bbb_Latn", "zzz_Latn"]
                          for t in ["aaa_Latn", "bbb_Latn", "ccc_Latn", "zzz_Latn"] if s != t],
                         columns=["src", "tgt", "y"])
    d = A.join(pairs, _Typ(), predictors=("genetic", "syntactic", "same_script"))
    assert "excluded 5 pairs because URIEL has no data for 1 language(s): zzz_Latn" in d.notes
    assert "imputed 2 of 4 values of syntactic with its mean (no shared URIEL feature of that kind)" in d.notes
    assert "dropped predictor same_script: the same value for every pair" in d.notes
    assert len(d.data) == 4 and d.predictors == ["genetic", "syntactic"]
    z = d.z()
    assert np.isfinite(z).all() and np.allclose(z.mean(axis=0), 0, atol=1e-12)


def test_ndcg_at_3_over_three_candidates_carries_a_warning():
    import pandas as pd

    few = pd.DataFrame({"tgt": ["a", "b"], "candidates": [3, 2]})
    many = pd.DataFrame({"tgt": ["a", "b"], "candidates": [3, 13]})
    assert "NDCG@3 over at most 3 candidate sources per target" in A.ndcg_warning(few)
    assert A.ndcg_warning(many) is None


def test_coefficient_plot_legend_says_the_clustering_the_report_says():
    from types import SimpleNamespace

    assert A.ols_label(SimpleNamespace(clusters="one-way by target (5); one source only")) == \
        "OLS (SEs clustered one-way)"
    assert A.ols_label(SimpleNamespace(clusters="two-way by source (3) and target (5)")) == \
        "OLS (SEs clustered two-way)"
