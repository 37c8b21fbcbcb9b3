"""BM25 as a Retriever (``bm25``, bm25s): script-aware tokenization, Lucene's BM25 with
Anserini's k1/b, trec_eval's tie order; the Retriever solver scores it with the same
trec_eval-identical rows as dense retrieval, on real LAReQA (mAP over the whole pool, also the
multilingual pool) and on a MIRACL-layout mirror (whole-pool and top-k paths agree)."""
import math
from collections import Counter

import numpy as np
import pytest
import pytrec_eval

from xling import solve
from xling.api import evaluate
from xling.data import Local
from xling.errors import XlingError
from xling.models import Encoder, Retriever
from xling.models.bm25 import tokenize
from xling.plugins import get_task, load_model
from xling.solvers import retrieve, retrieve_texts
from xling.task import ALL_LANGS_POOL
from tests.conftest import need_data
from tests.test_retrieval_solver import _pytrec, lareqa_mirror, miracl_mirror  # noqa: F401  (fixtures)

# ---------------------------------------------------------------- tokenization


def test_unspaced_scripts_become_character_bigrams():
    assert tokenize("黑豹队的防守") == ["黑豹", "豹队", "队的", "的防", "防守"]
    assert tokenize("ภาษาไทย") == ["ภา", "าษ", "ษา", "าไ", "ไท", "ทย"]
    assert tokenize("東京タワー") == ["東京", "京タ", "タワ", "ワー"]
    assert tokenize("한국어 문장") == ["한국", "국어", "문장"]  # Korean bigrams, as Lucene's CJKAnalyzer
    assert tokenize("只丢了 308分") == ["只丢", "丢了", "308", "分"]  # a lone character stays a unigram
    # spaced scripts: whole words of letters, marks and digits; case folded, NFKC (full width folded)
    assert tokenize("Ｔｈｅ Panthers’ defense, 24 interceptions!") == ["the", "panthers", "defense", "24",
                                                                        "interceptions"]
    assert tokenize("हिन्दी भाषा") == ["हिन्दी", "भाषा"]  # vowel signs (marks) stay inside the word
    assert tokenize("Straße") == ["strasse"]
    assert tokenize("黑豹队的防守", "words") == ["黑豹队的防守"]  # bm25:words: no bigrams
    assert tokenize("...") == []


# ---------------------------------------------------------------- scoring: Lucene's BM25 formula


def lucene_bm25(docs: list[list[str]], query: list[str], k1=0.9, b=0.4) -> list[float]:
    """Reference: Lucene's BM25Similarity (exact document lengths), query terms counted."""
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)
    df = Counter(t for d in docs for t in set(d))
    out = []
    for d in docs:
        tf, s = Counter(d), 0.0
        for t in query:
            if tf[t]:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += idf * tf[t] / (tf[t] + k1 * (1 - b + b * len(d) / avgdl))
        out.append(s)
    return out


@pytest.fixture(scope="module")
def zh_pool():
    src = Local(need_data())
    task = get_task("lareqa")
    return task.load("zho_Hans", "test/corpus", src), task.load("zho_Hans", "test", src)


def test_scores_are_lucene_bm25_with_anserini_defaults(zh_pool):
    docs, queries = zh_pool
    m = load_model("bm25")
    assert isinstance(m, Retriever) and not isinstance(m, Encoder)
    assert m.name.startswith("bm25@bm25s-0.3.16-script1-k1=0.9-b=0.4")
    ids, texts = [d.id for d in docs], [d.text for d in docs]
    toks = [tokenize(t) for t in texts]
    for q in queries[:5]:
        (pos, s), = m.retrieve(ids, texts, [q.text], None)
        want = np.asarray(lucene_bm25(toks, tokenize(q.text)))
        assert len(pos) == len(docs) and sorted(pos) == list(range(len(docs)))
        np.testing.assert_allclose(s, want[pos], rtol=2e-6, atol=1e-6)
        assert s[0] > 5 and s[-1] == 0.0
    other = load_model("bm25:words,k1=1.5,b=0.75")  # bm25s's own defaults, for comparison
    assert other.name.endswith("-words1-k1=1.5-b=0.75")
    (pos, s), = other.retrieve(ids, texts, [queries[0].text], 3)
    want = np.asarray(lucene_bm25([tokenize(t, "words") for t in texts], tokenize(queries[0].text, "words"), 1.5,
                                  0.75))
    np.testing.assert_allclose(s, np.sort(want)[::-1][:3], rtol=2e-6)


def test_ties_follow_trec_eval_and_k_cuts():
    m = load_model("bm25")
    ids = ["d1", "d3", "d2", "d0"]
    texts = ["apple pie", "apple pie", "banana", "apple pie"]  # three equal scores
    (pos, s), = m.retrieve(ids, texts, ["apple"], None)
    assert [ids[i] for i in pos] == ["d3", "d1", "d0", "d2"] and s[0] == s[1] == s[2] > s[3] == 0
    (pos, s), = m.retrieve(ids, texts, ["apple"], 2)
    assert [ids[i] for i in pos] == ["d3", "d1"]
    (pos, s), = m.retrieve(ids, texts, ["cherry"], None)  # no term in the pool: all zero, docid order
    assert [ids[i] for i in pos] == ["d3", "d2", "d1", "d0"] and not s.any()


@pytest.mark.parametrize("spec,message", [
    ("bm25:stem", "expected bm25[:script|words]"), ("bm25:b=1.5", "0 <= b <= 1"), ("bm25:k1=x", "k1 >= 0"),
])
def test_bad_specs_are_one_line(spec, message):
    with pytest.raises(XlingError, match=message.replace("[", r"\[").replace("|", r"\|")):
        load_model(spec)


# ---------------------------------------------------------------- the Retriever solver


def test_dispatch_prefers_encoders_and_finds_the_retriever():
    lareqa = get_task("lareqa")
    assert solve.solver(lareqa, load_model("bm25")) is retrieve_texts
    assert solve.solver(lareqa, load_model("fake")) is retrieve
    with pytest.raises(XlingError, match="cannot do task 'sib200'"):
        solve.check_capable(get_task("sib200"), load_model("bm25"))


def test_lareqa_rows_equal_trec_eval_on_the_whole_pool(tmp_path, zh_pool):
    data = need_data()
    rep = evaluate("lareqa", "bm25", langs="zh", setting="monolingual", limit=300, data_dir=data,
                   out_dir=tmp_path, progress=False)
    row = {r["metric"]: r for r in rep.rows}
    assert set(row) == {"ndcg@10", "recall@100", "mrr@10", "map"} and row["map"]["n"] == 300
    docs, queries = zh_pool
    task = get_task("lareqa")
    qrels = {}
    for j in task.load("zho_Hans", "test/qrels", Local(data)):
        qrels.setdefault(j.text, {})[j.text_pair] = int(j.label)
    m = load_model("bm25")
    out = m.retrieve([d.id for d in docs], [d.text for d in docs], [q.text for q in queries[:300]], None)
    run = {q.id: {docs[i].id: float(s) for i, s in zip(*o)} for q, o in zip(queries[:300], out)}
    ref = _pytrec({q.id: qrels[q.id] for q in queries[:300]}, run)
    for metric, values in ref.items():
        assert row[metric]["value"] == pytest.approx(np.mean(values), abs=1e-12), metric
    assert 0.7 < row["map"]["value"] < 0.9  # Chinese questions share bigrams with their answer sentence
    # the same cell with whole-word tokens: a Chinese sentence is a few 'words', retrieval collapses
    words = evaluate("lareqa", "bm25:words", langs="zh", setting="monolingual", limit=300, data_dir=data,
                     out_dir=tmp_path, progress=False)
    assert {r["metric"]: r["value"] for r in words.rows}["map"] < row["map"]["value"] - 0.4


def test_multilingual_pool_end_to_end(tmp_path, lareqa_mirror):  # noqa: F811
    rep = evaluate("lareqa", "bm25", langs="en,zh", setting="multilingual_pool", limit=20, data_dir=lareqa_mirror,
                   out_dir=tmp_path, progress=False)
    rows = rep.rows
    assert {(r["query_lang"], r["test_lang"]) for r in rows} == {("eng_Latn", ALL_LANGS_POOL),
                                                                 ("zho_Hans", ALL_LANGS_POOL)}
    assert {r["metric"] for r in rows} == {"ndcg@10", "recall@100", "mrr@10", "map"} and {r["n"] for r in rows} == {20}
    s = rep.samples()
    assert len(s) == 40 and s.input.str.len().gt(0).all()
    m = {(r["query_lang"], r["metric"]): r["value"] for r in rows}
    # an English question finds its own-language sentence, not the ten translations: AP well below 1
    assert 0.05 < m[("eng_Latn", "map")] < 0.3


def test_miracl_mirror_whole_pool_and_top_k_agree(tmp_path, miracl_mirror):  # noqa: F811
    kw = dict(langs="yo", data_dir=miracl_mirror, out_dir=tmp_path, progress=False)
    exact = evaluate("miracl", "bm25", run_id="e", options={"search": "exact"}, **kw)
    top = evaluate("miracl", "bm25", run_id="i", options={"search": "index"}, **kw)
    ve = {r["metric"]: r["value"] for r in exact.rows}
    vt = {r["metric"]: r["value"] for r in top.rows}
    assert set(ve) == {"ndcg@10", "recall@100", "mrr@10", "map"} and set(vt) == {"ndcg@10", "recall@100", "mrr@10"}
    assert all(ve[k] == vt[k] for k in vt)
    assert all(r["n"] == 119 and r["setting"] == "monolingual" for r in exact.rows)
    assert ve["ndcg@10"] > 0.5  # the relevant documents repeat their query's words
    assert exact.samples().input.tolist()[0] == get_task("miracl").load("yor_Latn", "dev", Local(miracl_mirror))[0].text


class BadRetriever:
    def __init__(self, mode):
        self.name, self.mode = f"bad-{mode}@1", mode

    def retrieve(self, doc_ids, doc_texts, queries, k):
        n = len(doc_ids)
        out = [(np.arange(n), np.linspace(1, 0, n)) for _ in queries]
        if self.mode == "short":
            return out[1:]
        if self.mode == "outside":
            return [(p + 1, s) for p, s in out]
        if self.mode == "unsorted":
            return [(p, s[::-1]) for p, s in out]
        return [(p, s * np.nan) for p, s in out]


@pytest.mark.parametrize("mode,message", [("short", "rankings for 5 queries"), ("outside", "outside the pool"),
                                          ("unsorted", "unsorted scores"), ("nan", "NaN/inf")])
def test_bad_retriever_output_is_refused(tmp_path, lareqa_mirror, mode, message):  # noqa: F811
    with pytest.raises(XlingError, match=message):
        evaluate("lareqa", BadRetriever(mode), langs="de", setting="monolingual", limit=5, data_dir=lareqa_mirror,
                 out_dir=tmp_path, progress=False)
