"""Retrieval x Encoder: dense retrieval by cosine similarity, scored like trec_eval.

Queries are encoded with the 'query' role and documents with the 'passage' role (e5's
prefixes). A pool smaller than ``INDEX_MIN_DOCS`` documents is searched exactly in numpy
(float64 cosine of the whole pool, so LAReQA's mAP over the whole pool comes with it);
a larger one through a faiss inner-product index (``faiss-cpu``). Both ways end the same:
the candidates (top ``DEPTH + MARGIN``) are rescored by one deterministic float64 dot product
and ranked as trec_eval ranks (float32 score descending, docid descending), so the two searches
return the same top ``DEPTH`` documents; ``tests/test_retrieval_solver.py`` checks it.
The ``search`` solver option ('auto', 'exact', 'index') forces one way.

Rows: nDCG@10, Recall@100 and MRR@10 (and ``map`` where the whole pool was scored), means
over the queries that have judgments, with bootstrap CIs over queries; each query's
prediction keeps its top-10 docids and, as its score, its value of the task's main metric.
A ``Retriever`` (BM25) ranks from texts instead (``solvers/retrieve_texts.py``) and its cells
get their rows from the same ``scored``.
"""
from __future__ import annotations

import hashlib

import numpy as np

from ..core import Prediction, Scored
from ..errors import XlingError
from ..metrics import retrieval as rm
from ..metrics.uncertainty import mean_ci
from ..models import Encoder
from . import base

needs = (Encoder,)
fewshot = False

trains = base.never_trains


def settings(task):
    return base.task_settings(task, trains(None), fewshot)


QUERY, PASSAGE = "query", "passage"
DEPTH = 100  # documents kept per query (Recall@100 needs 100)
MARGIN = 32  # extra candidates rescored so both searches agree on the top DEPTH
INDEX_MIN_DOCS = 200_000  # pools at least this large are searched with a faiss index
KEEP = 10  # docids kept per query in samples/


# ---------------------------------------------------------------------------- data


class Pool:
    """The documents and judgments of one pool (one language, or all of them)."""

    def __init__(self, docids, texts, qrels, sources, data):
        self.docids, self.texts, self.qrels, self.data = docids, texts, qrels, data
        self.sources = sources  # qid -> where its judgments came from (for messages)
        self.index = {d: i for i, d in enumerate(docids)}
        # trec_eval's tie-break: position of each docid in descending string order
        order = sorted(range(len(docids)), key=docids.__getitem__, reverse=True)
        self.tie = np.empty(len(docids), np.int64)
        self.tie[order] = np.arange(len(docids))


def _signature(sigs: list[str]) -> str:
    sigs = list(dict.fromkeys(sigs))
    if len(sigs) <= 3:
        return "+".join(sigs)
    return "sha256:" + hashlib.sha256("+".join(sigs).encode()).hexdigest()[:16]


def pool(task, ctx, pool_lang: str) -> Pool:
    split = task.test_split

    def build():
        docids, texts, where, qrels, sources, sigs = [], [], {}, {}, {}, []
        for lang in task.pool_langs(pool_lang):
            for d in ctx.examples(task, lang, f"{split}/corpus"):
                if d.id in where:
                    raise XlingError(f"{d.source}: duplicate docid {d.id!r} in the {task.name} corpus "
                                     f"(also at {where[d.id]})")
                where[d.id] = d.source
                docids.append(d.id)
                texts.append(d.text)
            for j in ctx.examples(task, lang, f"{split}/qrels"):
                qid, docid = j.text, j.text_pair
                if docid not in where:
                    raise XlingError(f"{j.source}: qrels document {docid!r} (query {qid}) is not in the "
                                     f"{task.name} {lang} corpus ({len(texts)} documents)")
                qrels.setdefault(qid, {})[docid] = int(j.label)
                sources.setdefault(qid, j.source)
            sigs += [ctx.data_sig(task, lang, f"{split}/corpus"), ctx.data_sig(task, lang, f"{split}/qrels")]
        if not docids:
            raise XlingError(f"{task.name} {pool_lang} {split}: the corpus is empty")
        return Pool(docids, texts, qrels, sources, _signature(sigs))

    return ctx.memo(("pool", task.name, pool_lang, split), build)


def queries(task, ctx, cell):
    ex = ctx.examples(task, cell.query_lang or cell.test_lang, task.test_split, limit=True)
    seen = {}
    for e in ex:
        if e.id in seen:
            raise XlingError(f"{e.source}: duplicate query id {e.id!r} (first at {seen[e.id]})")
        seen[e.id] = e.source
    return ex


def texts(task, ctx, cell):
    return [(QUERY, [e.text for e in queries(task, ctx, cell)]), (PASSAGE, pool(task, ctx, cell.test_lang).texts)]


# ---------------------------------------------------------------------------- search


def unit(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _finish(q: np.ndarray, docs: np.ndarray, tie: np.ndarray, cand: np.ndarray, k: int):
    """Rescore candidates with one deterministic float64 dot product (elementwise product,
    row sums) and rank them as trec_eval does (scores compared as float32, ties by docid
    descending); the top k (indices, float64 scores)."""
    cand = np.unique(cand[cand >= 0])
    s = (docs[cand] * q).sum(axis=1)
    order = np.lexsort((tie[cand], -s.astype(np.float32)))[:k]
    return cand[order], s[order]


def _exact(Q: np.ndarray, D: np.ndarray, tie: np.ndarray, k: int, relevant=None):
    """Top k per query from the whole score matrix (chunks of queries); with ``relevant``
    (per query, pool indices of its relevant documents) also their 1-based ranks in the
    whole pool, ties ordered as trec_eval orders them."""
    n = len(D)
    width = min(n, k + MARGIN)
    rows = max(1, (1 << 24) // max(n, 1))
    top, ranks = [], []
    for c in range(0, len(Q), rows):
        S = Q[c:c + rows] @ D.T
        for i, s in enumerate(S):
            if width < n:
                part = np.argpartition(-s, width - 1)[:width]
                cand = np.flatnonzero(s >= s[part].min())  # every document tied at the boundary
            else:
                cand = np.arange(n)
            top.append(_finish(Q[c + i], D, tie, cand, k))
            if relevant is not None:
                ranks.append([_rank(Q[c + i], D, s, tie, r) for r in relevant[c + i]])
    return top, ranks


def _rank(q: np.ndarray, D: np.ndarray, s: np.ndarray, tie: np.ndarray, r: int, eps: float = 1e-6) -> int:
    """1-based rank of document ``r`` in the whole pool. ``s`` (matrix product) decides
    every document clearly above or below it (``eps`` is many float32 steps); the ones
    within ``eps`` are rescored and compared as ``_finish`` compares them, so ties and
    near-ties fall exactly as in the top-k ranking and in trec_eval."""
    above = int((s > s[r] + eps).sum())
    near = np.flatnonzero(np.abs(s - s[r]) <= eps)
    d = (D[near] * q).sum(axis=1).astype(np.float32)
    dr = d[np.searchsorted(near, r)]
    return above + int(((d > dr) | ((d == dr) & (tie[near] < tie[r]))).sum()) + 1


def _faiss():
    try:
        import faiss
    except ImportError as e:
        raise XlingError("searching a pool this large needs faiss: pip install faiss-cpu "
                         "(or pass the solver option search=exact)") from e
    return faiss


def _index(Q: np.ndarray, D: np.ndarray, tie: np.ndarray, k: int):
    """Top k per query through a faiss flat inner-product index over float32 unit vectors."""
    faiss = _faiss()
    index = faiss.IndexFlatIP(D.shape[1])
    index.add(np.ascontiguousarray(D, dtype=np.float32))
    _, cand = index.search(np.ascontiguousarray(Q, dtype=np.float32), min(len(D), k + MARGIN))
    return [_finish(Q[i], D, tie, cand[i], k) for i in range(len(Q))]


def search(Q, D, docids_tie: np.ndarray, k: int = DEPTH, method: str = "auto", relevant=None):
    """(top k per query as (indices, scores), ranks of ``relevant`` or None, method used)."""
    Q, D = unit(Q), unit(D)
    if method not in ("auto", "exact", "index"):
        raise XlingError(f"solver option search={method!r}: expected auto, exact or index")
    if method == "index" or (method == "auto" and len(D) >= INDEX_MIN_DOCS):
        return _index(Q, D, docids_tie, k), None, "index"
    top, ranks = _exact(Q, D, docids_tie, k, relevant)
    return top, (ranks if relevant is not None else None), "exact"


# ---------------------------------------------------------------------------- solve


def judged_queries(task, ctx, cell, p: Pool) -> list:
    """The cell's queries that have judgments (trec_eval scores only those); none is an error."""
    qs = queries(task, ctx, cell)
    judged = [e for e in qs if e.id in p.qrels]
    if not judged:
        raise XlingError(f"{task.name}: none of the {len(qs)} {cell.query_lang or cell.test_lang} queries has "
                         f"judgments in the {cell.test_lang} qrels")
    return judged


def relevant(p: Pool, judged) -> list[list[int]]:
    """Per query, the pool positions of its relevant documents (judgment >= 1)."""
    return [[p.index[d] for d, g in p.qrels[e.id].items() if g >= 1] for e in judged]


def solve(task, model, cell, ctx):
    p = pool(task, ctx, cell.test_lang)
    judged = judged_queries(task, ctx, cell, p)
    D = ctx.memo(("passages", task.name, model.name, cell.test_lang), lambda: model.encode(p.texts, PASSAGE))
    Q = model.encode([e.text for e in judged], QUERY)
    top, ranks, _ = search(Q, D, p.tie, DEPTH, ctx.options.get("search", "auto"), relevant(p, judged))
    return scored(task, ctx, cell, p, judged, (top, ranks))


def scored(task, ctx, cell, p: Pool, judged, found) -> Scored:
    """The rows of a retrieval cell from ``found``: each judged query's top documents (pool
    positions, scores) and, where the whole pool was ranked, the ranks of its relevant documents
    (for mAP; else None): trec_eval's measures, means over queries with bootstrap CIs, and one
    prediction per query."""
    top, ranks = found
    run = {e.id: {p.docids[i]: float(s) for i, s in zip(*t)} for e, t in zip(judged, top)}
    per_query = rm.evaluate({e.id: p.qrels[e.id] for e in judged}, run, rm.MEASURES)
    names = list(rm.MEASURES)
    if ranks is not None:
        for e, r, rel in zip(judged, ranks, relevant(p, judged)):
            per_query[e.id]["map"] = rm.average_precision_from_ranks(r, len(rel))
        names.append("map")
    metrics = {}
    for name in names:
        values = np.asarray([per_query[e.id][name] for e in judged])
        metrics[name] = (float(values.mean()), *mean_ci(values, ctx.seed), len(values))
    main = task.main_metric if task.main_metric in names else "ndcg@10"  # each query's part of the main metric
    preds = [Prediction(e.id, e.lang, sorted(d for d, g in p.qrels[e.id].items() if g >= 1),
                        [p.docids[i] for i in t[0][:KEEP]], per_query[e.id][main], e.text)
             for e, t in zip(judged, top)]
    data = _signature([ctx.data_sig(task, cell.query_lang or cell.test_lang, task.test_split), p.data])
    return Scored(cell, task.test_split, "", preds, metrics, data)
