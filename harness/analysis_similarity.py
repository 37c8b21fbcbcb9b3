"""Does the model's own language geometry predict transfer? (``xling analyze RUN --similarity DIR``)

Joins each source x target pair of a transfer run with what ``xling similarity`` measured for
the same model (its run directory ``DIR``): the centred similarity of the two languages
(``model_similarity``) and each language's alignment to the pivot (MEXA and mean
translation cosine, ``src_mexa``, ``tgt_mexa``, ``src_cosine``, ``tgt_cosine``; the pivot
itself counts as perfectly aligned, 1). Then, on the same pairs (those URIEL and the
similarity run both cover), leave-one-target-language-out R^2 and MAE of OLS on typology
alone, on similarity alone (and its two parts: the pair's similarity only, the
alignments only) and on both (``xling.transfer_eval.loo_target``: the target's rows
never train its own prediction), and NDCG@3 of ranking the candidate sources of each target by
each prediction and by the raw ``model_similarity``.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import XlingError

SIM_PREDICTORS = ("model_similarity", "src_mexa", "tgt_mexa", "src_cosine", "tgt_cosine")


def read_run(run_dir) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(similarity matrix indexed by language, alignment per language, config) of a similarity run."""
    d = Path(run_dir)
    try:
        sim = pd.read_csv(d / "similarity.csv", index_col="lang")
        align = pd.read_csv(d / "alignment.csv")
        cfg = json.loads((d / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as e:
        raise XlingError(f"--similarity {d}: not a readable xling similarity run ({e})") from e
    if list(sim.index) != list(sim.columns) or not {"lang", "mexa", "mean_cosine"} <= set(align.columns):
        raise XlingError(f"--similarity {d}: similarity.csv or alignment.csv lacks the expected columns")
    pivot = cfg.get("langs", [None])[0]
    if pivot is not None and pivot not in set(align["lang"]):
        align = pd.concat([align, pd.DataFrame([{"lang": pivot, "mexa": 1.0, "mean_cosine": 1.0}])], ignore_index=True)
    return sim, align.set_index("lang"), cfg


def add_predictors(data: pd.DataFrame, sim: pd.DataFrame, align: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``data`` (src, tgt, ...) with the similarity predictors; pairs the run lacks are left out (said so)."""
    langs = set(sim.index)
    out = data.copy()
    missing = sorted((set(out["src"]) | set(out["tgt"])) - langs)
    keep = out["src"].isin(langs) & out["tgt"].isin(langs)
    notes = []
    if (~keep).any():
        notes.append(f"similarity: excluded {int((~keep).sum())} pairs because the similarity run lacks "
                     f"{len(missing)} language(s): {', '.join(missing[:30])}{' ...' if len(missing) > 30 else ''}")
    out = out[keep].reset_index(drop=True)
    if out.empty:
        raise XlingError("similarity: no pair whose languages the similarity run covers")
    S = sim.to_numpy(float)
    pos = {c: i for i, c in enumerate(sim.index)}
    out["model_similarity"] = S[out["src"].map(pos).to_numpy(), out["tgt"].map(pos).to_numpy()]
    for side in ("src", "tgt"):
        out[f"{side}_mexa"] = out[side].map(align["mexa"]).to_numpy(float)
        out[f"{side}_cosine"] = out[side].map(align["mean_cosine"]).to_numpy(float)
    return out, notes


def _usable(data: pd.DataFrame, predictors) -> list[str]:
    return [p for p in predictors if data[p].notna().any() and data[p].nunique(dropna=True) > 1]


def compare(data: pd.DataFrame, typology_predictors: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """LOO-target R^2 / MAE of typology, similarity and both on the same pairs, NDCG@3 of the
    source rankings; returns (table, per-target ranking, notes)."""
    from .transfer_eval import loo_target, r2_mae, rank_sources

    sim_preds = _usable(data, SIM_PREDICTORS)
    notes = [f"similarity: dropped {p} (the same value for every pair)" for p in SIM_PREDICTORS if p not in sim_preds]
    y = data["y"].to_numpy(float)
    sets = {"typology": list(typology_predictors), "similarity": sim_preds,
            "both": list(typology_predictors) + sim_preds,
            "model_similarity_only": [p for p in sim_preds if p == "model_similarity"],
            "alignment_only": [p for p in sim_preds if p != "model_similarity"]}
    sets = {k: v for k, v in sets.items() if v}
    rows, scores = [], {}
    for name, preds in sets.items():
        pred = loo_target(data, preds)
        r2, mae = r2_mae(y, pred)
        scores[name] = pred
        rows.append({"predictors": name, "n_predictors": len(preds), "pairs": len(data), "loo_r2": r2, "loo_mae": mae,
                     "terms": ", ".join(preds)})
    scores["raw_model_similarity"] = data["model_similarity"].to_numpy(float)
    ranking = rank_sources(data, scores)
    table = pd.DataFrame(rows)
    ndcg = {name: float(ranking[f"ndcg_{name}"].mean()) if len(ranking) else float("nan") for name in scores}
    table["ndcg3"] = table["predictors"].map(ndcg)
    table = pd.concat([table, pd.DataFrame([{"predictors": "raw_model_similarity", "n_predictors": 1,
                                             "pairs": len(data), "ndcg3": ndcg["raw_model_similarity"],
                                             "terms": "rank sources by model_similarity(src, tgt)"}])],
                      ignore_index=True)
    return table, ranking, notes


def section(design, run_dir, out_dir: Path) -> tuple[list[str], list[str]]:
    """The analysis.md section and the summary lines; writes ``similarity_pairs.csv``."""
    from tabulate import tabulate

    from .io import write_atomic

    sim, align, cfg = read_run(run_dir)
    data, notes = add_predictors(design.data, sim, align)
    table, ranking, more = compare(data, design.predictors)
    notes += more
    write_atomic(Path(out_dir) / "similarity_pairs.csv",
                 data[["src", "tgt", "y"] + [p for p in SIM_PREDICTORS if p in data]].to_csv(index=False))
    lines = ["## The model's language geometry as a predictor", "",
             f"Similarity run: {run_dir} (model {cfg.get('model_name', '?')}, task {cfg.get('task', '?')}, pivot "
             f"{cfg.get('langs', ['?'])[0]}). Leave-one-target-language-out OLS on the same {len(data)} pairs; "
             "NDCG@3 ranks each target's candidate sources by the prediction (raw_model_similarity: by the centred "
             "similarity itself).", ""]
    lines += [f"- {n}" for n in notes] + ([""] if notes else [])
    lines += [tabulate(table, headers="keys", tablefmt="github", floatfmt=".4f", showindex=False), ""]
    summary = ["similarity as predictor (LOO-target R^2 / NDCG@3): " + ", ".join(
        f"{r.predictors} {r.loo_r2:.4f} / {r.ndcg3:.4f}" if np.isfinite(r.loo_r2) else f"{r.predictors} - / {r.ndcg3:.4f}"
        for r in table.itertuples())]
    return lines, notes + summary
