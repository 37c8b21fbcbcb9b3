"""Ranked-retrieval metrics computed exactly as trec_eval 9 computes them (pytrec_eval and
ir-measures give the same numbers: tests/test_retrieval_metrics.py checks every query of
MIRACL's real qrels to 1e-9).

trec_eval's conventions, followed here:

* a run is ranked by score, descending; equal scores are ordered by docid, descending
  (trec_eval compares docnos with ``strcmp``; Python's ``str`` order is the same as the
  order of the UTF-8 bytes). trec_eval holds scores as single-precision floats, so two
  scores that round to the same float32 are equal: 0.5 + 1e-9 ties with 0.5;
* a document is relevant when its judgment is >= 1; unjudged documents are not relevant;
* nDCG's gain is the judgment level itself (levels <= 0 gain nothing), the discount is
  ``log2(rank + 1)`` and the ideal ranking is every judged document sorted by level;
* only queries present in both the qrels and the run are scored (trec_eval without ``-c``);
  a query whose judgments hold no relevant document scores 0 on every measure;
* MRR@10 is ``recip_rank`` over the first 10 documents of the ranking (``trec_eval -M 10``),
  Recall@100 is ``recall_100``, nDCG@10 is ``ndcg_cut_10``, AP is ``map`` over the whole run.

Qrels: ``{qid: {docid: level}}``; run: ``{qid: {docid: score}}``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Mapping[str, float]]

# the measures every retrieval cell reports (names as they appear in result rows)
MEASURES = ("ndcg@10", "recall@100", "mrr@10")


def ranking(scores: Mapping[str, float]) -> list[str]:
    """Docids in trec_eval's order: score (as float32) descending, then docid descending."""
    docs = list(scores)
    s32 = np.asarray([scores[d] for d in docs], dtype=np.float32).astype(np.float64).tolist()
    return [d for _, d in sorted(zip(s32, docs), reverse=True)]


def ndcg(ranked: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    dcg = 0.0
    for i, d in enumerate(ranked[:k]):
        g = judged.get(d, 0)
        if g > 0:
            dcg += g / math.log2(i + 2)
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = 0.0
    for i, g in enumerate(ideal):
        idcg += g / math.log2(i + 2)
    return dcg / idcg if idcg > 0 else 0.0


def recall(ranked: Sequence[str], judged: Mapping[str, int], k: int = 100) -> float:
    n_rel = sum(1 for g in judged.values() if g >= 1)
    if n_rel == 0:
        return 0.0
    return sum(1 for d in ranked[:k] if judged.get(d, 0) >= 1) / n_rel


def reciprocal_rank(ranked: Sequence[str], judged: Mapping[str, int], k: int | None = 10) -> float:
    for i, d in enumerate(ranked if k is None else ranked[:k]):
        if judged.get(d, 0) >= 1:
            return 1.0 / (i + 1)
    return 0.0


def average_precision(ranked: Sequence[str], judged: Mapping[str, int]) -> float:
    """trec_eval ``map`` for one query: mean over its relevant documents of the precision at
    each one's rank (relevant documents the run does not hold contribute 0)."""
    n_rel = sum(1 for g in judged.values() if g >= 1)
    ranks = [i + 1 for i, d in enumerate(ranked) if judged.get(d, 0) >= 1]
    return average_precision_from_ranks(ranks, n_rel)


def average_precision_from_ranks(ranks, n_relevant: int) -> float:
    """AP from the 1-based ranks of the relevant documents found (any order) and the number
    of relevant documents judged; for a ranking of a whole pool computed elsewhere."""
    if n_relevant == 0:
        return 0.0
    r = np.sort(np.asarray(ranks, dtype=np.float64))
    return float((np.arange(1, len(r) + 1) / r).sum() / n_relevant)


_FUNCS = {
    "ndcg@10": lambda r, j: ndcg(r, j, 10),
    "recall@100": lambda r, j: recall(r, j, 100),
    "mrr@10": lambda r, j: reciprocal_rank(r, j, 10),
    "map": average_precision,
}


def evaluate(qrels: Qrels, run: Run, measures: Sequence[str] = MEASURES) -> dict[str, dict[str, float]]:
    """Per-query values ``{qid: {measure: value}}`` for the queries in both qrels and run."""
    unknown = [m for m in measures if m not in _FUNCS]
    if unknown:
        raise ValueError(f"unknown retrieval measure(s) {', '.join(unknown)} (known: {', '.join(_FUNCS)})")
    out: dict[str, dict[str, float]] = {}
    for qid, scores in run.items():
        if qid not in qrels:
            continue
        ranked = ranking(scores)
        out[qid] = {m: _FUNCS[m](ranked, qrels[qid]) for m in measures}
    return out


def mean(per_query: Mapping[str, Mapping[str, float]], measure: str) -> float:
    """trec_eval's 'all' line: the arithmetic mean over the scored queries."""
    values = [v[measure] for v in per_query.values()]
    return float(sum(values) / len(values)) if values else float("nan")
