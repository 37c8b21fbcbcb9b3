"""How well predictions of transfer scores hold up, as pure functions: leave-one-target-
language-out OLS predictions, R^2 and MAE, and LangRank's source ranking scored by NDCG@3
(Lin et al., 2019: the observed top-10 sources get relevance 10..1, the others 0; sklearn's
``ndcg_score``, ties averaged). Used by ``xling.analysis`` (typology) and
``xling.analysis_similarity`` (the model's own language geometry).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _lstsq_predict(Xtr, ytr, Xte):
    A = np.column_stack([np.ones(len(Xtr)), Xtr])
    beta, *_ = np.linalg.lstsq(A, ytr, rcond=None)
    return np.column_stack([np.ones(len(Xte)), Xte]) @ beta


def loo_target(data: pd.DataFrame, predictors: list[str], extra: str | None = None) -> np.ndarray:
    """Leave-one-target-language-out OLS predictions (missing values imputed with the training
    fold's means). ``extra='src'`` adds source fixed effects (dummies)."""
    raw = data[predictors].astype(float).to_numpy()
    y = data["y"].to_numpy(float)
    tgt = data["tgt"].to_numpy()
    pred = np.full(len(y), np.nan)
    dummies = pd.get_dummies(data["src"]).to_numpy(float) if extra == "src" else None
    for t in pd.unique(tgt):
        te = tgt == t
        tr = ~te
        if tr.sum() == 0:
            continue
        mu = np.nanmean(raw[tr], axis=0)
        mu = np.where(np.isfinite(mu), mu, 0.0)
        Xtr = np.where(np.isnan(raw[tr]), mu, raw[tr])
        Xte = np.where(np.isnan(raw[te]), mu, raw[te])
        if dummies is not None:
            Xtr = np.column_stack([Xtr, dummies[tr][:, 1:]])
            Xte = np.column_stack([Xte, dummies[te][:, 1:]])
        pred[te] = _lstsq_predict(Xtr, y[tr], Xte)
    return pred


def loo_mean(data: pd.DataFrame) -> np.ndarray:
    """Leave-one-target-out prediction by the mean of the training fold (the R^2 = 0 reference)."""
    y = data["y"].to_numpy(float)
    tgt = data["tgt"].to_numpy()
    out = np.empty_like(y)
    for t in pd.unique(tgt):
        te = tgt == t
        out[te] = y[~te].mean() if (~te).any() else np.nan
    return out


def r2_mae(y, pred) -> tuple[float, float]:
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    ok = np.isfinite(pred)
    y, pred = y[ok], pred[ok]
    sst = ((y - y.mean()) ** 2).sum()
    return float(1 - ((y - pred) ** 2).sum() / sst) if sst > 0 else float("nan"), float(np.abs(y - pred).mean())


# ---------------------------------------------------------------------------------------------
# ranking (LangRank protocol)


def relevance(scores, top: int = 10) -> np.ndarray:
    """LangRank relevance of candidate sources from their observed scores: the best gets
    ``top``, the next ``top - 1`` ... (rank with ties sharing the best rank, pandas 'min'),
    beyond the top ``top`` 0."""
    rank = pd.Series(np.asarray(scores, float)).rank(method="min", ascending=False).to_numpy()
    return np.where(rank <= top, top + 1 - rank, 0.0)


def ndcg_at_k(rel, predicted, k: int = 3) -> float:
    """NDCG@k of the ordering by ``predicted`` (higher first; ties averaged) with gains ``rel``."""
    from sklearn.metrics import ndcg_score

    rel = np.asarray(rel, float)
    if len(rel) < 2:
        return float("nan")
    return float(ndcg_score(rel[None, :], np.asarray(predicted, float)[None, :], k=k))


def rank_sources(data: pd.DataFrame, scores: dict[str, np.ndarray], k: int = 3) -> pd.DataFrame:
    """Per target: NDCG@k of each candidate-source ranking (higher score = better source),
    and the top-k sources each ranking and the observation put first."""
    rows = []
    for t, g in data.groupby("tgt", sort=True):
        if len(g) < 2:
            continue
        rel = relevance(g["y"].to_numpy())
        row = {"tgt": t, "candidates": len(g),
               "observed_top": ", ".join(g.sort_values("y", ascending=False)["src"].head(k))}
        for name, s in scores.items():
            sc = np.asarray(s, float)[g.index]
            row[f"ndcg_{name}"] = ndcg_at_k(rel, sc, k)
            order = np.argsort(-sc, kind="stable")
            row[f"top_{name}"] = ", ".join(g["src"].to_numpy()[order][:k])
        rows.append(row)
    return pd.DataFrame(rows)
