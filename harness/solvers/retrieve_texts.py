"""Retrieval x Retriever: a model that ranks a pool from its texts (BM25), scored exactly as
dense retrieval is (``solvers/retrieve.py``: the same pools, judged queries, trec_eval measures,
bootstrap CIs and per-query predictions).

A pool smaller than ``retrieve.INDEX_MIN_DOCS`` documents (or any pool with the solver option
``search=exact``) is ranked whole: the retriever returns every document, in batches of queries
(at most ``CELLS`` scores at a time), so mAP over the whole pool (LAReQA's main metric) is
computed as for encoders, and the top ``DEPTH`` documents are the ranking's first. A larger pool
(MIRACL, Mr. TyDi with their corpora) asks for the top ``DEPTH`` only, and reports no mAP, like
the dense index search. The retriever's output is checked (positions inside the pool, finite
scores, best first) and the documents are re-ranked as trec_eval ranks them (score as float32
descending, docid descending), whatever order of ties the retriever used.
"""
from __future__ import annotations

import numpy as np

from ..errors import XlingError
from ..models import Retriever
from . import base, retrieve

needs = (Retriever,)
fewshot = False
CELLS = 1 << 22  # pool scores held at once (queries x documents)

trains = base.never_trains


def settings(task):
    return base.task_settings(task, trains(None), fewshot)

texts = base.no_texts


def _checked(model, out, n_queries: int, n_docs: int, k: int | None):
    if len(out) != n_queries:
        raise XlingError(f"model {model.name} returned {len(out)} rankings for {n_queries} queries")
    for i, (pos, s) in enumerate(out):
        pos, s = np.asarray(pos), np.asarray(s, dtype=np.float64)
        want = n_docs if k is None else min(k, n_docs)
        if pos.shape != s.shape or len(pos) != want:
            raise XlingError(f"model {model.name} returned {len(pos)} documents and {len(s)} scores for query {i} "
                             f"(expected {want} of a pool of {n_docs})")
        if len(pos) and (pos.min() < 0 or pos.max() >= n_docs or len(np.unique(pos)) != len(pos)):
            raise XlingError(f"model {model.name} returned positions outside the pool of {n_docs} or twice, "
                             f"for query {i}")
        if not np.isfinite(s).all() or (np.diff(s) > 0).any():
            raise XlingError(f"model {model.name} returned NaN/inf or unsorted scores for query {i}")
        yield pos.astype(np.int64), s


def _trec_order(p, pos: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Indices into (pos, s) in trec_eval's order: float32 score descending, docid descending."""
    return np.lexsort((p.tie[pos], -s.astype(np.float32)))


def _whole_pool(model, p, judged, relevant):
    """Every query's top DEPTH and the 1-based ranks of its relevant documents in the whole pool."""
    n = len(p.docids)
    top, ranks = [], []
    rows = max(1, CELLS // n)
    for c in range(0, len(judged), rows):
        batch = judged[c:c + rows]
        out = model.retrieve(p.docids, p.texts, [e.text for e in batch], None)
        for j, (pos, s) in enumerate(_checked(model, out, len(batch), n, None)):
            order = _trec_order(p, pos, s)
            pos, s = pos[order], s[order]
            rank = np.empty(n, np.int64)
            rank[pos] = np.arange(1, n + 1)
            top.append((pos[:retrieve.DEPTH], s[:retrieve.DEPTH]))
            ranks.append([int(rank[r]) for r in relevant[c + j]])
    return top, ranks


def _top(model, p, judged):
    out = model.retrieve(p.docids, p.texts, [e.text for e in judged], retrieve.DEPTH)
    top = []
    for pos, s in _checked(model, out, len(judged), len(p.docids), retrieve.DEPTH):
        order = _trec_order(p, pos, s)
        top.append((pos[order], s[order]))
    return top


def solve(task, model, cell, ctx):
    p = retrieve.pool(task, ctx, cell.test_lang)
    judged = retrieve.judged_queries(task, ctx, cell, p)
    method = ctx.options.get("search", "auto")
    if method not in ("auto", "exact", "index"):
        raise XlingError(f"solver option search={method!r}: expected auto, exact or index")
    if method == "exact" or (method == "auto" and len(p.docids) < retrieve.INDEX_MIN_DOCS):
        top, ranks = _whole_pool(model, p, judged, retrieve.relevant(p, judged))
    else:
        top, ranks = _top(model, p, judged), None
    return retrieve.scored(task, ctx, cell, p, judged, (top, ranks))
