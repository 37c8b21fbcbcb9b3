"""The run directory of ``xling similarity``: ``similarity.md``, CSVs and plots, all written
atomically.

* ``alignment.csv``: per language, sentences, mean translation cosine and MEXA at the chosen
  layer (+ MEXA's mean and max over layers for a checkpoint with layers);
* ``alignment_layers.csv``: per language and layer;
* ``similarity.csv``: the centred language x language cosine similarity;
  ``similarity_raw.csv``: the raw cosine of the language centroids (what centring corrects);
* ``nearest.csv``: each language's nearest languages;
* ``mantel.csv``: Mantel and partial Mantel (geography controlled) per URIEL distance;
* ``similarity_heatmap.png`` (clustered, with the dendrogram), ``alignment.png``,
  ``alignment_layers.png`` (several layers only); ``config.json``.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .io import write_atomic

MAX_FULL_TABLE = 40  # more languages than this: the report shows the 10 least and 10 most aligned


def _table(df: pd.DataFrame, floatfmt: str = ".4f") -> str:
    from tabulate import tabulate

    return tabulate(df, headers="keys", tablefmt="github", floatfmt=floatfmt, showindex=False, missingval="")


def _alignment_section(r) -> list[str]:
    from .models.hidden import POOLINGS

    a = r.alignment.sort_values(["mexa", "mean_cosine"]).reset_index(drop=True)
    pooling = getattr(r.config, "pooling", "")
    how = (f"layer {r.layer} of {r.n_layers} (0 = embeddings), pooling: {POOLINGS.get(pooling, pooling)}"
           if r.n_layers > 1 else "the model's sentence embedding")
    n_mexa = r.config.mexa_sentences
    lines = ["## Alignment to " + r.langs[0], "",
             f"Per language, on its sentences paired with their {r.langs[0]} translations ({how}): mean cosine of each "
             "sentence with its translation (Language Ranker) and MEXA (the fraction of sentences whose translation is "
             "the strict nearest neighbour by cosine in both directions, as cisnlp/MEXA's compute_mexa.py; "
             + (f"over the first {n_mexa} pairs" if n_mexa else "over all pairs, not MEXA's default first 100")
             + "). Sorted by MEXA, least aligned first.", ""]
    if len(a) > MAX_FULL_TABLE:
        lines += ["10 least aligned:", "", _table(a.head(10)), "", "10 most aligned:", "", _table(a.tail(10)), "",
                  "All languages: alignment.csv.", ""]
    else:
        lines += [_table(a), ""]
    rho = a[["mean_cosine", "mexa"]].corr(method="spearman").iloc[0, 1] if len(a) > 2 else float("nan")
    lines += [f"Spearman correlation of the two measures over languages: {rho:.3f}.", ""]
    if r.n_layers > 1:
        per = r.layers.groupby("layer", as_index=False)[["mean_cosine", "mexa"]].mean()
        lines += ["### Per layer (mean over languages)", "", _table(per), ""]
    return lines


def _similarity_section(r) -> list[str]:
    S, R = r.similarity.to_numpy(), r.raw_similarity.to_numpy()
    off = ~np.eye(len(S), dtype=bool)
    k = r.config.nearest_k
    near = r.nearest.copy()
    show = pd.DataFrame({"lang": near["lang"], "nearest": [
        ", ".join(f"{near.loc[i, f'nearest_{j}']} {near.loc[i, f'sim_{j}']:.2f}" for j in range(1, k + 1)
                  if f"nearest_{j}" in near) for i in range(len(near))]})
    return ["## Language x language similarity", "",
            "A language's vector is the mean over its sentences of (its embedding - the embedding of the pivot's "
            "translation); the vectors are centred (their mean over all languages subtracted) and compared by cosine. "
            "On fully parallel data this is the cosine of the language centroids after subtracting the global mean "
            "embedding: it removes the common direction (anisotropy) that makes raw cosines of centroids all high. "
            f"Off-diagonal mean: raw centroid cosine {R[off].mean():.3f} (min {R[off].min():.3f}), centred "
            f"{S[off].mean():.3f} (min {S[off].min():.3f}, max {S[off].max():.3f}). Centred vectors sum to zero, so "
            f"with {len(S)} languages the centred similarities average about -1/{len(S) - 1}: read them relative to "
            "each other, not to 0.", "",
            f"Nearest {k} languages of each (centred cosine); full matrix: similarity.csv; clustered heatmap: "
            "similarity_heatmap.png.", "", _table(show), ""]


def _mantel_section(r) -> list[str]:
    if r.mantel is None:
        return ["## Mantel tests", "", "Not run (uriel = none).", ""]
    perms = int(r.mantel["permutations"].dropna().iloc[0]) if "permutations" in r.mantel and \
        r.mantel["permutations"].notna().any() else r.config.permutations
    cols = [c for c in ("distance", "languages", "pairs", "mantel_r", "p", "partial_r_geo", "partial_p_geo",
                        "partial_pairs", "note")
            if c in r.mantel]
    return ["## Mantel tests against URIEL distances", "",
            f"Pearson correlation between the model's language distances (1 - centred similarity) and each URIEL "
            f"distance (URIEL mode {r.config.uriel}) over the language pairs both have; p = (1 + hits) / (1 + "
            f"{perms}) from {perms} seeded permutations of the model's matrix (upper tail). partial_r_geo / "
            "partial_p_geo: partial Mantel test with URIEL geographic distance controlled (the same permutations, on the pairs "
            "with a geographic distance). All tests use the languages URIEL has every distance for, so their r are "
            "comparable; pairs without shared features of a kind are left out of that test.", "",
            _table(_mantel_shown(r.mantel[cols]), ".4g"), ""]


def _mantel_shown(df: pd.DataFrame) -> pd.DataFrame:
    """The Mantel table as printed: counts as integers, an empty cell where a test does not apply
    (the partial test of geography controlled for geography itself)."""
    df = df.astype(object)
    for c in ("languages", "pairs", "partial_pairs"):
        if c in df:
            df[c] = pd.Series([None if pd.isna(v) else int(v) for v in df[c]], index=df.index, dtype=object)
    return df.where(df.notna(), None)


def markdown(r) -> str:
    cfg = r.config
    lines = [f"# Language similarity: {r.model_name} on {cfg.task}", "",
             f"<!-- generated by: xling similarity --model {cfg.model} --task {cfg.task} --pivot {r.langs[0]} -->", "",
             f"{len(r.langs)} languages (pivot {r.langs[0]}), {int(r.alignment['sentences'].max()) if len(r.alignment) else 0}"
             f" sentence pairs per language; " + (f"embeddings from the cache (role query): {r.model_calls:,} texts sent "
                                                  f"to the model, {r.cache_hits:,} answered by the cache." if r.cached
                                                  else f"{r.model_calls:,} texts featurised ({r.model_name}: outside "
                                                  "the embedding cache)."), ""]
    lines += [f"- {n}" for n in r.notes] + ([""] if r.notes else [])
    lines += _alignment_section(r) + _similarity_section(r) + _mantel_section(r)
    lines += ["## Time", "", ", ".join(f"{k} {v:.2f} s" for k, v in r.seconds.items()) + ".", ""]
    return "\n".join(lines) + "\n"


def write(r) -> None:
    from . import plots
    from .similarity import cluster

    d = r.run_dir
    write_atomic(d / "config.json", json.dumps({**r.config.to_json(), "model_name": r.model_name,
                                                "langs": r.langs, "layer": r.layer, "n_layers": r.n_layers},
                                               indent=2, sort_keys=True) + "\n")
    write_atomic(d / "alignment.csv", r.alignment.to_csv(index=False))
    write_atomic(d / "alignment_layers.csv", r.layers.to_csv(index=False))
    write_atomic(d / "similarity.csv", r.similarity.to_csv(index_label="lang"))
    write_atomic(d / "similarity_raw.csv", r.raw_similarity.to_csv(index_label="lang"))
    write_atomic(d / "nearest.csv", r.nearest.to_csv(index=False))
    if r.mantel is not None:
        write_atomic(d / "mantel.csv", r.mantel.to_csv(index=False))
    plots.clustered_heatmap(r.similarity.to_numpy(), r.langs, cluster(r.similarity.to_numpy()),
                            d / "similarity_heatmap.png", f"{r.model_name}: centred language similarity ({r.config.task})")
    if len(r.alignment):
        plots.alignment_bars(r.alignment, d / "alignment.png", f"{r.model_name}: alignment to {r.langs[0]}")
    if r.n_layers > 1:
        per = r.layers.groupby("layer", as_index=False)[["mean_cosine", "mexa"]].mean()
        plots.layer_curves(per, d / "alignment_layers.png", f"{r.model_name}: alignment to {r.langs[0]} per layer")
    write_atomic(d / "similarity.md", markdown(r))


def summary(r) -> str:
    """A few lines for the terminal."""
    a = r.alignment.sort_values(["mexa", "mean_cosine"])
    lines = [f"similarity: {r.run_dir / 'similarity.md'} (+ CSVs, similarity_heatmap.png, alignment.png)",
             f"{len(r.langs)} languages; {_work(r)}; {r.seconds.get('total', sum(r.seconds.values())):.1f} s"]
    lines += [f"  {n}" for n in r.notes]
    if len(a):
        lines.append("least aligned to " + r.langs[0] + " (MEXA, mean cosine): " + ", ".join(
            f"{x.lang} {x.mexa:.3f}/{x.mean_cosine:.3f}" for x in a.head(10).itertuples()))
    if r.mantel is not None and "mantel_r" in r.mantel:
        lines.append("Mantel r (p; partial with geography r, p): " + "; ".join(
            f"{m.distance} {m.mantel_r:.3f} ({m.p:.4f}; {m.partial_r_geo:.3f}, {m.partial_p_geo:.4f})"
            for m in r.mantel.dropna(subset=["mantel_r"]).itertuples()))
    return "\n".join(lines)


def _work(r) -> str:
    """What the model did, truthfully for a model outside the cache (charngram)."""
    if not r.cached:
        return f"{r.model_calls:,} texts featurised ({r.model_name}: not cached)"
    return f"{r.model_calls:,} texts encoded, {r.cache_hits:,} from the cache"


def plan_text(plan) -> str:
    """``xling similarity --dry-run``: what would be embedded, and how long that should take."""
    others = ", ".join(plan.langs[1:11]) + (f" and {len(plan.langs) - 11} more" if len(plan.langs) > 11 else "")
    lines = [f"plan: similarity x {plan.model_name}, {len(plan.langs)} languages (pivot {plan.langs[0]}"
             + (f"; {others}" if others else "") + ")",
             f"  sentences: {plan.sentences:,}; distinct texts to embed: {plan.texts:,} "
             + (f"({plan.misses:,} not in the cache)" if plan.cached
                else f"({plan.model_name}: not cached, every text is featurised)")]
    lines += [f"  {n}" for n in plan.notes]
    if plan.estimate is not None:
        lines.append(f"  estimated time to embed them: {_about(plan.estimate)} (measured "
                     f"{1 / plan.seconds_per_text:.1f} texts/s, warm"
                     + (f"; the {plan.probed} texts measured are cached)" if plan.cached else ")"))
    else:
        lines.append("  nothing to embed: every text is in the cache")
    lines.append("  nothing else was run (no similarity, Mantel test or run directory)")
    return "\n".join(lines)


def _about(seconds: float) -> str:
    return f"about {seconds:.0f} s" if seconds < 120 else f"about {seconds / 60:.1f} min"
