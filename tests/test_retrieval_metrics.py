"""nDCG@10, Recall@100, MRR@10 and AP equal trec_eval's (through pytrec_eval) to 1e-9, per
query and in the mean, on MIRACL's real dev qrels with a constructed run: seeded random
scores on a coarse grid, some nudged by less than float32 resolution (so many ties, which
trec_eval breaks by docid, descending) over the judged documents plus unjudged ones."""
import random

import numpy as np
import pytest
import pytrec_eval

from xling.metrics import retrieval as rm
from tests.conftest import need_data

LANGS = ("sw", "yo", "te", "de", "ko", "zh")


def miracl_qrels(lang):
    path = need_data("miracl", "qrels", f"qrels.miracl-v1.0-{lang}-dev.tsv")
    qrels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        qid, _, docid, rel = line.split("\t")
        qrels.setdefault(qid, {})[docid] = int(rel)
    return qrels


def constructed_run(qrels, seed):
    rng = random.Random(seed)
    run = {}
    for qid, judged in qrels.items():
        docs = list(judged) + [f"{rng.randint(1, 99999)}#{rng.randint(0, 30)}" for _ in range(rng.randint(0, 160))]
        rng.shuffle(docs)
        # coarse scores (ties everywhere), relevant documents nudged up so values spread over (0, 1)
        run[qid] = {d: (rng.randint(0, 30) + 6 * judged.get(d, 0)) / 7.0 + rng.choice((0, 1e-9, 3e-9)) for d in docs}
    return run


def trec_eval(qrels, run):
    full = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100", "map"}).evaluate(run)
    # MRR@10 = trec_eval -M 10 -m recip_rank: the ranking cut at 10 documents (in trec_eval's order)
    cut = {q: {d: s[d] for d in rm.ranking(s)[:10]} for q, s in run.items()}
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut)
    return {q: {"ndcg@10": v["ndcg_cut_10"], "recall@100": v["recall_100"], "map": v["map"],
                "mrr@10": rr[q]["recip_rank"]} for q, v in full.items()}


@pytest.mark.parametrize("lang", LANGS)
def test_equal_to_trec_eval_on_real_miracl_qrels(lang):
    qrels = miracl_qrels(lang)
    assert len(qrels) > 100
    run = constructed_run(qrels, seed=len(lang) * 7 + ord(lang[0]))
    run["not-judged-query"] = {"1#1": 1.0}  # trec_eval skips queries missing from the qrels
    ref = trec_eval(qrels, run)
    mine = rm.evaluate(qrels, run, ("ndcg@10", "recall@100", "mrr@10", "map"))
    assert set(mine) == set(ref) == set(qrels)
    for q in ref:
        for m in ref[q]:
            assert mine[q][m] == pytest.approx(ref[q][m], abs=1e-9), (q, m)
    for m in ("ndcg@10", "recall@100", "mrr@10", "map"):
        assert rm.mean(mine, m) == pytest.approx(np.mean([v[m] for v in ref.values()]), abs=1e-9)
    # the run is not trivial: values spread over (0, 1)
    nd = [v["ndcg@10"] for v in mine.values()]
    assert 0.05 < np.mean(nd) < 0.95 and min(nd) < max(nd)


def test_ties_are_broken_by_docid_descending():
    qrels = {"q": {"a": 1, "b": 0}}
    run = {"q": {"a": 1.0, "b": 1.0, "c": 1.0}}  # trec_eval order: c, b, a
    assert rm.ranking(run["q"]) == ["c", "b", "a"]
    got = rm.evaluate(qrels, run, ("mrr@10", "ndcg@10"))["q"]
    ref = trec_eval(qrels, run)["q"]
    assert got["mrr@10"] == ref["mrr@10"] == pytest.approx(1 / 3)
    assert got["ndcg@10"] == pytest.approx(ref["ndcg@10"]) == pytest.approx(0.5)


def test_scores_are_compared_as_float32_like_trec_eval():
    """trec_eval keeps scores as C floats: 0.5 + 1e-9 ties with 0.5 (and the tie goes to the
    greater docid), 0.5 + 1e-7 does not."""
    qrels = {"q": {"a": 1}}
    for eps, rr in ((1e-9, 0.5), (1e-7, 1.0)):
        run = {"q": {"a": 0.5 + eps, "b": 0.5}}
        assert rm.evaluate(qrels, run, ("mrr@10",))["q"]["mrr@10"] == trec_eval(qrels, run)["q"]["mrr@10"] == rr


def test_graded_gain_and_queries_without_relevant_documents():
    qrels = {"graded": {"a": 2, "b": 1, "c": 0, "z": 3}, "none": {"a": 0, "b": 0}}
    run = {"graded": {"a": 0.9, "b": 0.8, "c": 0.95, "d": 0.5}, "none": {"a": 0.3, "b": 0.1}}
    got = rm.evaluate(qrels, run, ("ndcg@10", "recall@100", "mrr@10", "map"))
    ref = trec_eval(qrels, run)
    for q in ref:
        for m in ref[q]:
            assert got[q][m] == pytest.approx(ref[q][m], abs=1e-12)
    assert got["none"] == {"ndcg@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0, "map": 0.0}
    assert got["graded"]["recall@100"] == pytest.approx(2 / 3)  # z is relevant but not retrieved
    # gain = level: (2/log2(3) + 1/log2(4)) / (3 + 2/log2(3) + 1/log2(4))
    ideal = 3 + 2 / np.log2(3) + 1 / 2
    assert got["graded"]["ndcg@10"] == pytest.approx((2 / np.log2(3) + 1 / 2) / ideal)


def test_average_precision_from_ranks_matches_trec_eval_map():
    rng = np.random.default_rng(3)
    qrels, run, ranks = {}, {}, {}
    for i in range(40):
        docs = [f"d{j:03d}" for j in range(300)]
        scores = np.round(rng.random(300), 2)  # ties
        rel = set(rng.choice(300, size=rng.integers(1, 12), replace=False).tolist())
        qrels[f"q{i}"] = {docs[j]: 1 for j in rel}
        run[f"q{i}"] = dict(zip(docs, scores.tolist()))
        order = rm.ranking(run[f"q{i}"])
        ranks[f"q{i}"] = [order.index(docs[j]) + 1 for j in rel]
    ref = pytrec_eval.RelevanceEvaluator(qrels, {"map"}).evaluate(run)
    for q in qrels:
        assert rm.average_precision_from_ranks(ranks[q], len(qrels[q])) == pytest.approx(ref[q]["map"], abs=1e-12)


def test_ir_measures_agrees_where_there_are_no_ties():
    """ir-measures' RR@10 (its msmarco provider) orders tied scores otherwise, so it is
    compared on a run without ties; nDCG@10 and R@100 go through pytrec_eval there too."""
    import ir_measures
    from ir_measures import RR, R, nDCG

    qrels = miracl_qrels("yo")
    rng = random.Random(5)
    run = {q: {d: rng.random() for d in list(j) + [f"x{k}" for k in range(50)]} for q, j in qrels.items()}
    mine = rm.evaluate(qrels, run)
    for m in ir_measures.iter_calc([RR @ 10, nDCG @ 10, R @ 100], qrels, run):
        name = {"RR@10": "mrr@10", "nDCG@10": "ndcg@10", "R@100": "recall@100"}[str(m.measure)]
        assert mine[m.query_id][name] == pytest.approx(m.value, abs=1e-9)


def test_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="unknown retrieval measure"):
        rm.evaluate({"q": {"a": 1}}, {"q": {"a": 1.0}}, ("p@5",))
