"""Transfer analysis: which language properties predict how well a model transfers from a
source language to a target language.

``main`` (``xling analyze RUN``) joins the tidy rows of a ``matrix`` or ``zero_shot`` run
(one score per source x target pair) with the URIEL+ typology of each pair
(``xling.typology``) and fits

* OLS on standardised predictors, standard errors clustered two-way by source and by target
  (Cameron-Gelbach-Miller; statsmodels ``cov_type='cluster'`` with a 2-column group array,
  t-based intervals with min(#sources, #targets) - 1 degrees of freedom);
* a linear mixed model with crossed random intercepts for source and target (statsmodels
  MixedLM, variance components over one all-covering group);
* leave-one-target-language-out R^2 and MAE of the OLS (imputation means refitted per fold);
* variance inflation factors;
* a ranking of candidate sources per target, scored by NDCG@3 against the observed scores
  with LangRank's relevance (Lin et al., 2019: the observed top-10 sources get relevance
  10..1, the others 0; sklearn's ``ndcg_score``, ties averaged), next to a "closest by
  genetic distance" baseline. Model rankings are leave-one-target-out predictions.

For a ``fewshot`` run it fits score = a + b log(1 + k) per target and reports the slopes b.
Everything is written atomically: ``analysis.md``, ``heatmap.png``, ``coefficients.png``,
``predicted_vs_observed.png`` (or ``fewshot.png``), ``pairs.csv``.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import XlingError

PREDICTORS = ("genetic", "geographic", "syntactic", "phonological", "inventory", "featural", "script",
              "same_script", "same_family")
TRANSFER_SETTINGS = ("matrix", "zero_shot")


# ---------------------------------------------------------------------------------------------
# data


def transfer_pairs(df: pd.DataFrame, metric: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """(src, tgt, y) rows of a matrix/zero_shot results frame, and the lines saying what was left out."""
    notes: list[str] = []
    if df.empty:
        raise XlingError("no result rows to analyse")
    settings = ", ".join(sorted(set(df["setting"].dropna().astype(str))))
    df = df[df["setting"] != "fewshot"]
    trained = df[df["train_lang"].fillna("").astype(str) != ""]
    if trained.empty:
        raise XlingError(f"the run has no train languages (setting {settings}); analyze needs a --setting matrix "
                         "or zero_shot run (source x target pairs)")
    for col in ("model", "task"):
        if trained[col].nunique() > 1:
            raise XlingError(f"analyze one {col} at a time: found {', '.join(sorted(trained[col].unique()))}")
    metric = main_metric(trained, metric)
    rows = trained[trained["metric"] == metric]
    if rows.empty:
        raise XlingError(f"no {metric!r} rows (metrics: {', '.join(sorted(trained['metric'].unique()))})")
    pooled = rows["train_lang"].str.contains(r"\+")
    if pooled.any():
        notes.append(f"excluded {int(pooled.sum())} pairs because the source is a pooled probe (a+b), not one language")
    rows = rows[~pooled]
    same = rows["train_lang"] == rows["test_lang"]
    if same.any():
        notes.append(f"excluded {int(same.sum())} pairs because source == target (in-language, not transfer)")
    rows = rows[~same]
    if rows.empty:
        raise XlingError(f"the run has no cross-lingual pairs (setting {settings}: every row trains and tests in "
                         "the same language); analyze needs a --setting matrix or zero_shot run")
    out = (rows.groupby(["train_lang", "test_lang"], as_index=False)["value"].mean()
           .rename(columns={"train_lang": "src", "test_lang": "tgt", "value": "y"}))
    return out, notes


@dataclass
class Design:
    """The joined data: pairs with typology, the predictors kept, and what was done to them."""

    data: pd.DataFrame
    predictors: list[str]
    notes: list[str] = field(default_factory=list)
    mean: pd.Series | None = None  # raw means and sds used to standardise
    sd: pd.Series | None = None

    def z(self, frame: pd.DataFrame | None = None) -> np.ndarray:
        frame = self.data if frame is None else frame
        raw = frame[self.predictors].astype(float)
        return ((raw.fillna(self.mean) - self.mean) / self.sd).to_numpy()


def join(pairs: pd.DataFrame, typ, predictors=PREDICTORS) -> Design:
    """Pairs joined with typology; pairs whose languages URIEL lacks are excluded (said so);
    single missing distances are imputed with the predictor's mean (said so)."""
    notes: list[str] = []
    t = typ.pairs.rename(columns={"src": "src", "tgt": "tgt"})
    data = pairs.merge(t, on=["src", "tgt"], how="left")
    absent = set(typ.missing) | (set(pairs.src) | set(pairs.tgt)) - set(typ.langs["lang"])
    bad = data["src"].isin(absent) | data["tgt"].isin(absent)
    if bad.any():
        langs = sorted(absent & (set(data.loc[bad, "src"]) | set(data.loc[bad, "tgt"])))
        notes.append(f"excluded {int(bad.sum())} pairs because URIEL has no data for "
                     f"{len(langs)} language(s): {', '.join(langs)}")
    data = data[~bad].reset_index(drop=True)
    if data.empty:
        raise XlingError("no pair left to analyse: " + "; ".join(notes))
    kept = []
    for p in predictors:
        col = pd.to_numeric(data[p], errors="coerce")
        data[p] = col
        if col.notna().sum() == 0:
            notes.append(f"dropped predictor {p}: missing for every pair")
            continue
        if col.nunique(dropna=True) < 2:
            notes.append(f"dropped predictor {p}: the same value for every pair")
            continue
        n_miss = int(col.isna().sum())
        if n_miss:
            why = "no shared URIEL feature of that kind" if p != "genetic" else \
                "an all-zero URIEL genetic vector; see the coverage notes"
            notes.append(f"imputed {n_miss} of {len(col)} values of {p} with its mean ({why})")
        kept.append(p)
    if not kept:
        raise XlingError("no usable predictor: " + "; ".join(notes))
    mean = data[kept].mean()
    sd = data[kept].std(ddof=0)
    return Design(data, kept, notes, mean, sd)


# ---------------------------------------------------------------------------------------------
# models


@dataclass
class OLSFit:
    table: pd.DataFrame  # coef, se, ci_low, ci_high, p per term (standardised predictors)
    r2: float
    r2_adj: float
    n: int
    clusters: str
    result: object = None


def fit_ols(y: np.ndarray, Z: np.ndarray, names: list[str], src=None, tgt=None) -> OLSFit:
    """OLS of y on standardised Z with standard errors clustered two-way by source and target
    (one-way where only one of them varies), t intervals."""
    import statsmodels.api as sm

    X = sm.add_constant(np.asarray(Z, float), has_constant="add")
    model = sm.OLS(np.asarray(y, float), X)
    groups, how = _groups(src, tgt)
    if groups is None:
        res = model.fit(cov_type="HC1", use_t=True)
    else:
        res = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        if groups.ndim == 2 and not np.all(np.diag(res.cov_params()) > 0):
            # two-way CGM variance need not be positive definite: fall back to the larger clustering
            col = int(np.argmax([len(np.unique(groups[:, 0])), len(np.unique(groups[:, 1]))]))
            res = model.fit(cov_type="cluster", cov_kwds={"groups": groups[:, col]}, use_t=True)
            how = f"one-way by {'source' if col == 0 else 'target'} (two-way variance not positive)"
    ci = np.asarray(res.conf_int(0.05))
    table = pd.DataFrame({"coef": res.params, "se": res.bse, "ci_low": ci[:, 0], "ci_high": ci[:, 1],
                          "p": res.pvalues}, index=["const"] + list(names))
    return OLSFit(table, float(res.rsquared), float(res.rsquared_adj), int(res.nobs), how, res)


def _groups(src, tgt):
    if src is None or tgt is None:
        return None, "none (HC1)"
    s = pd.factorize(np.asarray(src))[0]
    t = pd.factorize(np.asarray(tgt))[0]
    ns, nt = s.max() + 1, t.max() + 1
    if ns >= 2 and nt >= 2:
        return np.column_stack([s, t]), f"two-way by source ({ns}) and target ({nt})"
    if nt >= 2:
        return t, f"one-way by target ({nt}); one source only"
    if ns >= 2:
        return s, f"one-way by source ({ns}); one target only"
    return None, "none (HC1)"


@dataclass
class MixedFit:
    table: pd.DataFrame  # fixed effects: coef, se, ci_low, ci_high, p
    variances: dict  # source, target, residual
    effects: dict  # ('src'|'tgt', lang) -> BLUP
    converged: bool
    cov_fe: np.ndarray | None = None


def fit_mixed(y, Z, names: list[str], src, tgt) -> MixedFit:
    """MixedLM with crossed random intercepts for source and target (variance components,
    one group spanning all rows), REML."""
    import warnings

    import statsmodels.formula.api as smf

    d = pd.DataFrame(np.asarray(Z, float), columns=list(names))
    d["y"] = np.asarray(y, float)
    d["src"] = np.asarray(src)
    d["tgt"] = np.asarray(tgt)
    d["one"] = 1
    vc = {}
    if d["src"].nunique() > 1:
        vc["src"] = "0 + C(src)"
    if d["tgt"].nunique() > 1:
        vc["tgt"] = "0 + C(tgt)"
    formula = "y ~ " + (" + ".join(names) if names else "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = smf.mixedlm(formula, d, groups="one", vc_formula=vc, re_formula="0")
        res = model.fit(reml=True, method=["lbfgs", "powell"])
    fe = res.fe_params
    ci = res.conf_int(0.05).loc[fe.index]
    table = pd.DataFrame({"coef": fe, "se": res.bse_fe, "ci_low": ci[0], "ci_high": ci[1],
                          "p": res.pvalues.loc[fe.index]})
    table.index = ["const"] + list(names)
    variances = {"residual": float(res.scale)}
    for name, v in zip(model.exog_vc.names, np.atleast_1d(res.vcomp)):
        variances["source" if name == "src" else "target"] = float(v)
    effects = {}
    re = res.random_effects.get(1, pd.Series(dtype=float))
    for label, value in re.items():  # labels like 'src[C(src)[eng_Latn]]'
        kind = "src" if str(label).startswith("src") else "tgt"
        lang = str(label).rsplit("[", 1)[-1].rstrip("]")
        effects[(kind, lang)] = float(value)
    return MixedFit(table, variances, effects, bool(res.converged), np.asarray(res.cov_params().loc[fe.index, fe.index]))


def vifs(Z: np.ndarray, names: list[str]) -> pd.Series:
    from statsmodels.stats.outliers_influence import variance_inflation_factor
    import statsmodels.api as sm

    X = sm.add_constant(np.asarray(Z, float), has_constant="add")
    return pd.Series([variance_inflation_factor(X, i + 1) for i in range(len(names))], index=list(names))


# leave-one-target-out predictions and the LangRank ranking live in transfer_eval (shared with
# analysis_similarity); the names stay importable from here
from .transfer_eval import (  # noqa: E402,F401
    loo_mean, loo_target, ndcg_at_k, r2_mae, rank_sources, relevance)


# ---------------------------------------------------------------------------------------------
# few-shot curves


def fewshot_slopes(df: pd.DataFrame, metric: str | None = None) -> pd.DataFrame:
    """Per (source, target): OLS of score on log(1 + k) over every (k, seed) row: intercept a,
    slope b with its 95% CI, R^2, number of points."""
    import statsmodels.api as sm

    few = df[(df["setting"] == "fewshot")]
    if few.empty:
        raise XlingError("no fewshot rows")
    metric = main_metric(few, metric)
    few = few[few["metric"] == metric].copy()
    few["k"] = pd.to_numeric(few["shots"], errors="coerce")
    out = []
    for (src, tgt), g in few.groupby(["train_lang", "test_lang"], sort=True):
        x = np.log1p(g["k"].to_numpy(float))
        y = g["value"].to_numpy(float)
        row = {"src": src, "tgt": tgt, "points": len(g), "shots": ",".join(str(int(v)) for v in sorted(set(g["k"]))),
               "seeds": g["seed"].nunique(), "score_k0": float(g.loc[g["k"] == 0, "value"].mean())
               if (g["k"] == 0).any() else float("nan"),
               "score_kmax": float(g.loc[g["k"] == g["k"].max(), "value"].mean())}
        if len(np.unique(x)) < 2:
            row.update(a=float(y.mean()), b=float("nan"), b_low=float("nan"), b_high=float("nan"), r2=float("nan"))
        else:
            res = sm.OLS(y, sm.add_constant(x)).fit()
            ci = np.asarray(res.conf_int(0.05))
            row.update(a=float(res.params[0]), b=float(res.params[1]), b_low=float(ci[1, 0]),
                       b_high=float(ci[1, 1]), r2=float(res.rsquared))
        out.append(row)
    return pd.DataFrame(out)


def fewshot_report(df: pd.DataFrame, metric: str | None = None) -> str:
    from tabulate import tabulate

    s = fewshot_slopes(df, metric)
    show = s[["src", "tgt", "shots", "seeds", "score_k0", "score_kmax", "a", "b", "b_low", "b_high", "r2"]]
    lines = ["## Few-shot curves: score = a + b log(1 + k)", "",
             f"{len(s)} targets; mean slope b = {s['b'].mean():.4f} (per unit of log(1+k); "
             f"k 0 -> 128 adds b * {np.log1p(128):.2f})", "",
             tabulate(show, headers="keys", tablefmt="github", floatfmt=".4f", showindex=False), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# prediction for a pair not run


def predict_pair(design: Design, ols: OLSFit, mixed: MixedFit | None, typ, src: str, tgt: str) -> list[str]:
    """Predicted score of (src, tgt) with 95% intervals: OLS prediction interval, and the mixed
    model's (fixed part + the source's and target's random effects where they were estimated,
    their variance added where not)."""
    from scipy import stats

    row = typ.lookup(src, tgt)
    frame = pd.DataFrame([row])
    for p in design.predictors:
        frame[p] = pd.to_numeric(frame[p], errors="coerce")
    missing = [p for p in design.predictors if pd.isna(frame[p].iloc[0])]
    z = design.z(frame)
    x = np.concatenate([[1.0], z[0]])
    res = ols.result
    fit = float(x @ res.params)
    se_fit = float(np.sqrt(x @ res.cov_params() @ x))
    se_obs = float(np.sqrt(se_fit ** 2 + res.scale))
    q = stats.t.ppf(0.975, res.df_resid) if getattr(res, "use_t", False) else 1.96
    lines = [f"predicted {src} -> {tgt}:",
             f"  OLS on typology: {fit:.4f}  (95% CI of the mean {fit - q * se_fit:.4f} .. {fit + q * se_fit:.4f}; "
             f"95% prediction interval {fit - q * se_obs:.4f} .. {fit + q * se_obs:.4f})"]
    if mixed is not None:
        beta = mixed.table["coef"].to_numpy()
        m = float(x @ beta)
        var = float(x @ mixed.cov_fe @ x) + mixed.variances["residual"]
        parts = []
        for kind, lang, label in (("src", src, "source"), ("tgt", tgt, "target")):
            if (kind, lang) in mixed.effects:
                m += mixed.effects[(kind, lang)]
                parts.append(f"{label} effect {mixed.effects[(kind, lang)]:+.4f} (estimated)")
            elif label in mixed.variances:
                var += mixed.variances[label]
                parts.append(f"{label} unseen: its variance {mixed.variances[label]:.4f} added")
        sd = float(np.sqrt(var))
        lines.append(f"  mixed model: {m:.4f}  (95% prediction interval {m - 1.96 * sd:.4f} .. {m + 1.96 * sd:.4f}; "
                     + "; ".join(parts) + ")")
    if missing:
        lines.append(f"  imputed with the mean: {', '.join(missing)} (no shared URIEL features)")
    return lines


# ---------------------------------------------------------------------------------------------
# output


def _write_png(fig, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _write_bytes(path, buf.getvalue())


def _write_bytes(path: Path, data: bytes) -> None:
    from .io import write_atomic

    write_atomic(path, data)


def _family_order(langs, typ) -> list[str]:
    fam = dict(zip(typ.langs["lang"], typ.langs["family"].fillna("").astype(str)))
    return sorted(langs, key=lambda c: (fam.get(c, "") or "~", c))


def plot_heatmap(data: pd.DataFrame, typ, path: Path, metric: str) -> None:
    """Targets (rows, grouped by family: the family names on a right-hand axis at the middle of
    their band) x sources; constrained layout puts the colour bar beyond those names."""
    from matplotlib.figure import Figure

    srcs = _family_order(data["src"].unique(), typ)
    tgts = _family_order(data["tgt"].unique(), typ)
    mat = data.pivot_table(index="tgt", columns="src", values="y").reindex(index=tgts, columns=srcs)
    fam = dict(zip(typ.langs["lang"], typ.langs["family"].fillna("").astype(str)))
    small = len(tgts) > 60
    fig = Figure(figsize=(4.5 + 0.42 * len(srcs), 1.5 + 0.12 * len(tgts)), layout="constrained")
    ax = fig.add_subplot(111)
    im = ax.imshow(mat.to_numpy(float), aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_xticks(range(len(srcs)), [f"{s}\n{fam.get(s, '')[:14]}" for s in srcs], rotation=90, fontsize=7)
    ax.set_yticks(range(len(tgts)), tgts, fontsize=5 if small else 8)
    bands = _bands([fam.get(t, "") or "?" for t in tgts])
    for start, _, _ in bands[1:]:  # family bands of the targets
        ax.axhline(start - 0.5, color="white", lw=0.6)
    right = ax.secondary_yaxis("right")
    right.set_yticks([(start + end - 1) / 2 for start, end, _ in bands], [f for _, _, f in bands],
                     fontsize=5 if small else 7)
    right.tick_params(length=0)
    ax.set_xlabel("source (train) language")
    ax.set_ylabel("target (test) language, grouped by family")
    ax.set_title(f"transfer {metric}, sources x targets ordered by family")
    fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
    _write_png(fig, path)


def _bands(families: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, family) of each run of equal families."""
    out: list[tuple[int, int, str]] = []
    for i, f in enumerate(families):
        if out and out[-1][2] == f:
            out[-1] = (out[-1][0], i + 1, f)
        else:
            out.append((i, i + 1, f))
    return out


def ols_label(ols: OLSFit) -> str:
    """The OLS legend entry, saying the clustering the report says (two-way, or one-way)."""
    return f"OLS (SEs clustered {ols.clusters.split(' by ')[0]})"


def plot_coefficients(ols: OLSFit, mixed: MixedFit | None, path: Path) -> None:
    from matplotlib.figure import Figure

    terms = [t for t in ols.table.index if t != "const"]
    fig = Figure(figsize=(6.5, 0.45 * len(terms) + 1.5))
    ax = fig.add_subplot(111)
    y = np.arange(len(terms))
    for off, (name, tab, color) in zip((-0.15, 0.15), ((ols_label(ols), ols.table, "C0"),
                                                       ("mixed model", mixed.table if mixed else None, "C1"))):
        if tab is None:
            continue
        t = tab.loc[terms]
        ax.errorbar(t["coef"], y + off, xerr=[t["coef"] - t["ci_low"], t["ci_high"] - t["coef"]], fmt="o",
                    color=color, label=name, capsize=2)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, terms)
    ax.invert_yaxis()
    ax.set_xlabel("effect of +1 SD on the score (95% CI)")
    ax.legend(fontsize=8)
    _write_png(fig, path)


def plot_predicted(data: pd.DataFrame, pred: np.ndarray, r2: float, path: Path, metric: str) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.2, 5))
    ax = fig.add_subplot(111)
    fam = data.get("same_family")
    colors = np.where(pd.to_numeric(fam, errors="coerce").fillna(0).to_numpy() > 0, "C3", "C0") \
        if fam is not None else "C0"
    ax.scatter(pred, data["y"], s=6, alpha=0.5, c=colors, linewidths=0)
    lo = float(np.nanmin([np.nanmin(pred), data["y"].min()]))
    hi = float(np.nanmax([np.nanmax(pred), data["y"].max()]))
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
    ax.set_xlabel(f"predicted {metric} (leave-one-target-out OLS)")
    ax.set_ylabel(f"observed {metric}")
    ax.set_title(f"predicted vs observed (LOO R^2 = {r2:.3f}; red: same family)")
    _write_png(fig, path)


def plot_fewshot(df: pd.DataFrame, slopes: pd.DataFrame, path: Path, metric: str) -> None:
    from matplotlib.figure import Figure

    few = df[(df["setting"] == "fewshot") & (df["metric"] == metric)].copy()
    few["k"] = pd.to_numeric(few["shots"], errors="coerce")
    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.add_subplot(111)
    for i, r in enumerate(slopes.itertuples()):
        g = few[(few.train_lang == r.src) & (few.test_lang == r.tgt)].groupby("k")["value"].mean()
        ax.plot(np.log1p(g.index.to_numpy(float)), g.to_numpy(), "o", color=f"C{i % 10}", ms=3)
        xs = np.linspace(0, np.log1p(g.index.max()), 20)
        ax.plot(xs, r.a + r.b * xs, "-", color=f"C{i % 10}", lw=1, label=f"{r.tgt} b={r.b:.3f}")
    ax.set_xlabel("log(1 + k target-language examples)")
    ax.set_ylabel(metric)
    ax.legend(fontsize=6, ncol=2)
    _write_png(fig, path)


def _fmt_table(tab: pd.DataFrame) -> str:
    from tabulate import tabulate

    t = tab.copy()
    t.insert(0, "term", t.index)
    return tabulate(t, headers="keys", tablefmt="github", floatfmt=".4f", showindex=False)


@dataclass
class AnalysisConfig:
    """Options of ``main`` (``xling analyze``)."""

    out: object = None  # where analysis.md and the plots go (default: the first run directory)
    metric: str | None = None  # default: the task's main metric
    predict: object = None  # (source, target): predict a pair instead of writing the report
    uriel: str = "plus"
    cache_dir: object = None
    progress: bool = True
    similarity: object = None  # a run directory of ``xling similarity``: the model's own language geometry as predictors


@dataclass
class _Fitted:
    """The joined data and the typology models fitted on it."""

    df: pd.DataFrame
    metric: str
    notes: list[str]
    typ: object
    design: Design
    ols: OLSFit
    mixed: MixedFit | None


def main(runs, **options) -> str:
    """``xling analyze``: write the report and plots, return a short summary (or the prediction).
    ``options``: the fields of ``AnalysisConfig``."""
    unknown = set(options) - set(AnalysisConfig.__dataclass_fields__)
    if unknown:
        raise XlingError(f"analyze: unknown option(s) {', '.join(sorted(unknown))}")
    cfg = AnalysisConfig(**options)
    from . import results

    df = results.frame(*runs)
    _check_runs(runs, df)
    out_dir = Path(cfg.out) if cfg.out else _run_dir(runs[0])
    if (df["setting"] == "fewshot").any() and not df["setting"].isin(TRANSFER_SETTINGS).any():
        return _fewshot_main(df, out_dir, cfg.metric, runs)
    fit = _fit(df, cfg, runs)
    if cfg.predict:
        return _predict_text(fit, cfg.predict)
    data, y = fit.design.data, fit.design.data["y"].to_numpy(float)
    loo = loo_target(data, fit.design.predictors)
    r2_loo, mae_loo = r2_mae(y, loo)
    ranking, ndcg = _ranking(data, fit.design, loo)
    lines = _report_lines(fit, runs, cfg.uriel, (loo, r2_loo, mae_loo), (ranking, ndcg))
    sim_summary: list[str] = []
    if cfg.similarity:
        from . import analysis_similarity

        sim_lines, sim_summary = analysis_similarity.section(fit.design, cfg.similarity, out_dir)
        lines[-1:-1] = sim_lines  # before the URIEL coverage
    _write_outputs(fit, loo, r2_loo, out_dir, lines)
    return "\n".join(_summary(fit, out_dir, (r2_loo, mae_loo), (ranking, ndcg)) + sim_summary)


NEEDS = ("analyze needs the directory of an 'xling run' with --setting matrix, zero_shot or fewshot "
         "(or a directory of such runs, or their results.jsonl)")


def _check_runs(runs, df: pd.DataFrame) -> None:
    """One line, before any typology is read, where a path is not a run analyze can use: no
    results.jsonl (an 'xling similarity' run is named as such), no rows, a damaged config.json."""
    from .rundir import result_files, run_dirs

    for p in map(Path, runs):
        if not result_files(p):
            if (p / "similarity.csv").is_file():
                raise XlingError(f"{p} is a run of 'xling similarity', not a transfer run: pass it as --similarity "
                                 f"beside a matrix or zero_shot run; {NEEDS}")
            raise XlingError(f"{p} holds no results.jsonl: {NEEDS}")
    for rd in run_dirs(*runs):
        cfg = rd.config()  # a one-line error naming config.json where it is damaged
        if cfg is not None and not isinstance(cfg, dict):
            raise XlingError(f"{rd.config_path}: not a JSON object (damaged?): move it aside or rerun")
    if df.empty:
        raise XlingError(f"{', '.join(map(str, runs))}: no rows in results.jsonl (the run scored nothing yet): {NEEDS}")


def _fit(df: pd.DataFrame, cfg: AnalysisConfig, runs) -> _Fitted:
    """Transfer pairs joined with typology; OLS and mixed model fitted."""
    from . import typology

    metric = main_metric(df, cfg.metric, runs)
    pairs, notes = transfer_pairs(df, metric)
    if len(pairs) < len(PREDICTORS) + 3:  # said before any typology is read (or built, outside the shipped table)
        raise XlingError(f"only {len(pairs)} source-target pairs for {len(PREDICTORS)} typology predictors (at least "
                         f"{len(PREDICTORS) + 3} needed): run a matrix with more sources or targets")
    langs = set(pairs["src"]) | set(pairs["tgt"])
    predict = None
    if cfg.predict:
        from . import languages

        predict = [languages.normalize(c) for c in cfg.predict]
        langs |= set(predict)
        cfg.predict = predict
    langs = sorted(_task_langs(runs, langs))
    typ = typology.table(langs, mode=cfg.uriel, cache_dir=cfg.cache_dir, progress=cfg.progress)
    design = join(pairs, typ)
    notes += design.notes
    data = design.data
    if len(data) < len(design.predictors) + 3:
        raise XlingError(f"only {len(data)} pairs for {len(design.predictors)} predictors: run more sources/targets")
    Z = design.z()
    y = data["y"].to_numpy(float)
    ols = fit_ols(y, Z, design.predictors, data["src"], data["tgt"])
    try:
        mixed = fit_mixed(y, Z, design.predictors, data["src"], data["tgt"])
    except (np.linalg.LinAlgError, ValueError) as e:
        mixed = None
        notes.append(f"mixed model not fitted: {e}")
    return _Fitted(df, metric, notes, typ, design, ols, mixed)


def _predict_text(fit: _Fitted, predict) -> str:
    data = fit.design.data
    seen = data[(data["src"] == predict[0]) & (data["tgt"] == predict[1])]
    observed = [f"  observed in the run: {seen['y'].iloc[0]:.4f}"] if len(seen) else []
    return "\n".join(fit.notes + predict_pair(fit.design, fit.ols, fit.mixed, fit.typ, predict[0], predict[1])
                     + observed)


def _ranking(data: pd.DataFrame, design: Design, loo: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """NDCG@3 of each source ranking: typology (LOO), with source effects, source mean, genetic."""
    loo_src = loo_target(data, design.predictors, extra="src") if data["src"].nunique() > 1 else None
    scores = {"typology": loo}
    if loo_src is not None:
        scores["typology_source"] = loo_src
        scores["source_mean"] = _loo_source_mean(data)
    scores["genetic_baseline"] = -data["genetic"].fillna(data["genetic"].max()).to_numpy(float) \
        if "genetic" in data else np.zeros(len(data))
    ranking = rank_sources(data, scores)
    ndcg = {name: float(ranking[f"ndcg_{name}"].mean()) for name in scores} if len(ranking) else {}
    return ranking, ndcg


def ndcg_warning(ranking: pd.DataFrame, k: int = 3) -> str | None:
    """A caution where targets have at most ``k`` candidate sources: NDCG@k then scores the
    order of every candidate, and even a random ranking scores high."""
    if not len(ranking) or int(ranking["candidates"].max()) > k:
        return None
    return (f"warning: NDCG@{k} over at most {int(ranking['candidates'].max())} candidate sources per target ranks "
            f"every candidate: even a random ranking scores high; compare the rankings with each other, not with 1")


def _report_lines(fit: _Fitted, runs, uriel: str, loo_fit: tuple, ranked: tuple) -> list[str]:
    """analysis.md: OLS, mixed model, VIFs, source ranking, URIEL coverage (the last line)."""
    from tabulate import tabulate

    from . import typology

    df, data, design, ols, mixed = fit.df, fit.design.data, fit.design, fit.ols, fit.mixed
    (_, r2_loo, mae_loo), (ranking, ndcg) = loo_fit, ranked
    r2_base, mae_base = r2_mae(data["y"].to_numpy(float), loo_mean(data))
    vif = vifs(design.z(), design.predictors)
    n_src, n_tgt = data["src"].nunique(), data["tgt"].nunique()
    lines = [f"# Transfer analysis: {df['model'].iloc[0]} on {df['task'].iloc[0]} ({fit.metric})", "",
             f"<!-- generated by: xling analyze {' '.join(map(str, runs))} -->", "",
             f"{len(data)} source x target pairs ({n_src} sources x {n_tgt} targets); URIEL mode {uriel} "
             f"(urielplus {fit.typ.meta.get('urielplus')}).", ""]
    lines += [f"- {n}" for n in fit.notes] + [""]
    lines += ["## OLS on standardised predictors",
              f"Standard errors clustered {ols.clusters}; 95% t intervals.", "",
              _fmt_table(ols.table), "",
              f"R^2 in sample {ols.r2:.4f} (adjusted {ols.r2_adj:.4f}); leave-one-target-language-out "
              f"R^2 {r2_loo:.4f}, MAE {mae_loo:.4f} (predicting the training mean: R^2 {r2_base:.4f}, "
              f"MAE {mae_base:.4f}).", ""]
    if mixed is not None:
        lines += ["## Mixed model: crossed random intercepts for source and target", "",
                  _fmt_table(mixed.table), "",
                  "Variance components: " + ", ".join(f"{k} {v:.5f}" for k, v in mixed.variances.items())
                  + ("" if mixed.converged else " (the optimiser did not report convergence)"), ""]
    lines += ["## Variance inflation factors", "",
              tabulate(vif.rename("VIF").reset_index().rename(columns={"index": "predictor"}), headers="keys",
                       tablefmt="github", floatfmt=".2f", showindex=False), ""]
    if len(ranking):
        lines += ["## Ranking candidate sources per target (NDCG@3, LangRank relevance)", "",
                  "Mean NDCG@3 over targets: " + ", ".join(f"{k} {v:.4f}" for k, v in ndcg.items()) + "."
                  + (f" {ndcg_warning(ranking).capitalize()}." if ndcg_warning(ranking) else ""),
                  "typology: leave-one-target-out OLS prediction; typology_source: the same plus source fixed "
                  "effects; source_mean: the source's mean score on the other targets; genetic_baseline: "
                  "closest source by URIEL genetic distance.", "",
                  tabulate(ranking, headers="keys", tablefmt="github", floatfmt=".3f", showindex=False), ""]
    lines.append(typology.coverage(fit.typ))
    return lines


def _write_outputs(fit: _Fitted, loo: np.ndarray, r2_loo: float, out_dir: Path, lines: list[str]) -> None:
    from .io import write_atomic

    data, design = fit.design.data, fit.design
    plot_heatmap(data, fit.typ, out_dir / "heatmap.png", fit.metric)
    plot_coefficients(fit.ols, fit.mixed, out_dir / "coefficients.png")
    plot_predicted(data, loo, r2_loo, out_dir / "predicted_vs_observed.png", fit.metric)
    cols = ["src", "tgt", "y"] + design.predictors
    write_atomic(out_dir / "pairs.csv", data[cols].assign(loo_pred=loo).to_csv(index=False))
    write_atomic(out_dir / "analysis.md", "\n".join(lines) + "\n")


def _summary(fit: _Fitted, out_dir: Path, loo_fit: tuple, ranked: tuple) -> list[str]:
    ranking, ndcg = ranked
    data = fit.design.data
    r2_loo, mae_loo = loo_fit
    summary = [f"analysis: {out_dir / 'analysis.md'} (+ heatmap.png, coefficients.png, predicted_vs_observed.png)"]
    summary += fit.notes
    summary.append(f"pairs: {len(data)} ({data['src'].nunique()} sources x {data['tgt'].nunique()} targets); R^2 in "
                   f"sample {fit.ols.r2:.4f}, leave-one-target-out R^2 {r2_loo:.4f} (MAE {mae_loo:.4f})")
    for term, r in fit.ols.table.iterrows():
        summary.append(f"  {term:13s} {r.coef:+.4f}  [{r.ci_low:+.4f}, {r.ci_high:+.4f}]")
    if ndcg:
        summary.append("NDCG@3: " + ", ".join(f"{k} {v:.4f}" for k, v in ndcg.items()))
        summary += [w for w in [ndcg_warning(ranking)] if w]
    return summary


def _task_langs(runs, langs: set) -> set:
    """All the task's languages (from the runs' config.json) where the run's are among them:
    one cached typology table serves every run of the task."""
    from .rundir import run_dirs

    task_langs = set()
    for rd in run_dirs(*runs):
        task_langs |= set((rd.config() or {}).get("task_langs") or [])
    return task_langs if task_langs and langs <= task_langs else langs


def main_metric(df: pd.DataFrame, metric: str | None = None, runs=()) -> str:
    """``metric`` if given, else the task's main metric as the runs' config.json records it,
    else (rows of runs that predate that record) the first metric that is not a baseline."""
    if metric:
        return metric
    from .results import task_info

    task = str(df["task"].dropna().iloc[0]) if len(df) else ""
    info = task_info(*runs) if runs else {}
    if task in info:
        return info[task][0]
    found = next((str(m) for m in df["metric"] if not str(m).startswith("baseline_")), None)
    if found is None:
        raise XlingError(f"{', '.join(map(str, runs)) or 'the runs'}: no metric to model (only baselines): pass --metric")
    return found


def _loo_source_mean(data: pd.DataFrame) -> np.ndarray:
    out = np.full(len(data), np.nan)
    for t in data["tgt"].unique():
        te = (data["tgt"] == t).to_numpy()
        means = data[~te].groupby("src")["y"].mean()
        out[te] = data.loc[te, "src"].map(means).fillna(means.mean() if len(means) else 0.0).to_numpy()
    return out


def _run_dir(path) -> Path:
    p = Path(path)
    return p.parent if p.is_file() else p


def _fewshot_main(df: pd.DataFrame, out_dir: Path, metric: str | None, runs) -> str:
    metric = main_metric(df, metric, runs)
    slopes = fewshot_slopes(df, metric)
    text = fewshot_report(df, metric)
    from .io import write_atomic

    head = f"# Few-shot analysis: {df['model'].iloc[0]} on {df['task'].iloc[0]} ({metric})\n\n" \
           f"<!-- generated by: xling analyze {' '.join(map(str, runs))} -->\n\n"
    write_atomic(out_dir / "analysis.md", head + text)
    write_atomic(out_dir / "slopes.csv", slopes.to_csv(index=False))
    plot_fewshot(df, slopes, out_dir / "fewshot.png", metric)
    return f"analysis: {out_dir / 'analysis.md'} (+ fewshot.png, slopes.csv)\n" + text
