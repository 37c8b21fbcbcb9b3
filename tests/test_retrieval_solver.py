"""Retrieval x Encoder: exact numpy search and the faiss index return the same top-k; the
solver's rows equal trec_eval on its own full ranking; LAReQA's three settings and MIRACL
with a small corpus run end to end (fake encoder); bad retrieval input is one line, exit 2."""
import gzip
import json
import shutil

import numpy as np
import pytest
import pytrec_eval

from xling import solve
from xling.cli import main
from xling.metrics import retrieval as rm
from xling.models.fake import FakeEncoder
from xling.api import evaluate
from xling.solvers import retrieve
from xling.task import ALL_LANGS_POOL
from tests.conftest import need_data


def _tie(docids):
    return retrieve.Pool(docids, [""] * len(docids), {}, {}, "").tie


def test_exact_search_and_faiss_index_agree():
    pytest.importorskip("faiss")
    rng = np.random.default_rng(0)
    D = rng.normal(size=(3000, 48)).astype(np.float32)
    D[1500:1600] = D[100:200]  # exact duplicates: tied scores, ordered by docid
    D[2000] = D[7] * 3.0  # same direction, another norm: ties after normalisation
    Q = np.concatenate([rng.normal(size=(60, 48)), D[[7, 100, 150]] + 1e-3]).astype(np.float32)
    docids = [f"{rng.integers(1000)}#{i}" for i in range(len(D))]
    tie = _tie(docids)
    exact, ranks, how_e = retrieve.search(Q, D, tie, 100, "exact")
    index, _, how_i = retrieve.search(Q, D, tie, 100, "index")
    assert (how_e, how_i) == ("exact", "index")
    for (ie, se), (ii, si) in zip(exact, index):
        assert np.array_equal(ie, ii) and np.array_equal(se, si)
        assert len(ie) == 100 and np.all(np.diff(se.astype(np.float32)) <= 0)
    # the duplicated pair tied for query 61 (near D[100]) is ordered by docid, descending
    top = [docids[i] for i in exact[61][0][:3]]
    assert {top[0], top[1]} == {docids[100], docids[1500]} and top[0] > top[1]
    # against a brute-force trec_eval ordering of the whole pool
    u = retrieve.unit(D)
    for qi in (0, 61):
        q = retrieve.unit(Q[qi:qi + 1])[0]
        scores = dict(zip(docids, ((u * q).sum(axis=1)).tolist()))
        assert [docids[i] for i in exact[qi][0]] == rm.ranking(scores)[:100]


def test_auto_uses_the_index_above_the_threshold(monkeypatch):
    pytest.importorskip("faiss")
    rng = np.random.default_rng(1)
    D, Q = rng.normal(size=(500, 16)), rng.normal(size=(5, 16))
    tie = _tie([str(i) for i in range(500)])
    assert retrieve.search(Q, D, tie, 10, "auto")[2] == "exact"
    monkeypatch.setattr(retrieve, "INDEX_MIN_DOCS", 400)
    assert retrieve.search(Q, D, tie, 10, "auto")[2] == "index"


def _pytrec(qrels, run):
    full = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100", "map"}).evaluate(run)
    cut = {q: {d: s[d] for d in rm.ranking(s)[:10]} for q, s in run.items()}
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut)
    return {"ndcg@10": [v["ndcg_cut_10"] for v in full.values()], "recall@100": [v["recall_100"] for v in full.values()],
            "map": [v["map"] for v in full.values()], "mrr@10": [rr[q]["recip_rank"] for q in full]}


def test_lareqa_cell_rows_equal_trec_eval_on_the_full_ranking(tmp_path):
    data = need_data()
    enc = FakeEncoder(dim=64)
    rep = evaluate("lareqa", model=enc, langs="en,de", setting="crosslingual", limit=80, data_dir=data,
                   out_dir=tmp_path, run_id="x", progress=False)
    row = {r["metric"]: r for r in rep.rows if r["query_lang"] == "eng_Latn" and r["test_lang"] == "deu_Latn"}
    assert set(row) == {"ndcg@10", "recall@100", "mrr@10", "map"} and row["map"]["n"] == 80
    # the whole German pool ranked for each English question, judged by the German qrels
    from xling.data import Local
    from xling.tasks import lareqa

    src = Local(data)
    qs = lareqa.TASK.load("eng_Latn", "test", src)[:80]
    docs = lareqa.TASK.load("deu_Latn", "test/corpus", src)
    qrels = {}
    for j in lareqa.TASK.load("deu_Latn", "test/qrels", src):
        qrels.setdefault(j.text, {})[j.text_pair] = int(j.label)
    Q = retrieve.unit(enc.encode([q.text for q in qs], "query"))
    D = retrieve.unit(enc.encode([d.text for d in docs], "passage"))
    run = {q.id: {d.id: float(s) for d, s in zip(docs, (D * Q[i]).sum(axis=1))} for i, q in enumerate(qs)}
    ref = _pytrec({q.id: qrels[q.id] for q in qs}, run)
    for m, values in ref.items():
        assert row[m]["value"] == pytest.approx(np.mean(values), abs=1e-9), m
        assert row[m]["ci_low"] <= row[m]["value"] <= row[m]["ci_high"]
    assert 0.0 < row["ndcg@10"]["value"] < 1.0


@pytest.fixture
def lareqa_mirror(tmp_path):
    """The real XQuAD-R files cut to their first two articles (every language, same cut)."""
    src = need_data("lareqa", "xquad-r")
    dst = tmp_path / "mirror" / "lareqa" / "xquad-r"
    dst.mkdir(parents=True)
    for f in src.glob("*.json"):
        raw = json.loads(f.read_text(encoding="utf-8"))
        raw["data"] = raw["data"][:2]
        (dst / f.name).write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return tmp_path / "mirror"


def test_lareqa_settings_end_to_end(capsys, tmp_path, lareqa_mirror):
    data = lareqa_mirror
    out = tmp_path / "runs"
    base = ["run", "--model", "fake", "--task", "lareqa", "--lang", "en,de,zh", "--limit", "15",
            "--data-dir", str(data), "--out", str(out), "--no-board"]
    for setting, cells in (("monolingual", 3), ("crosslingual", 9), ("multilingual_pool", 3)):
        assert main(base + ["--setting", setting, "--run-id", setting]) == 0, capsys.readouterr().err
        rows = [json.loads(x) for x in (out / setting / "results.jsonl").read_text().splitlines()]
        pairs = {(r["query_lang"], r["test_lang"]) for r in rows}
        assert len(pairs) == cells and len(rows) == 4 * cells
        assert {r["metric"] for r in rows} == {"ndcg@10", "recall@100", "mrr@10", "map"}
        assert all(r["n"] == 15 and r["train_lang"] == "" for r in rows)
        if setting == "monolingual":
            assert pairs == {("eng_Latn", "eng_Latn"), ("deu_Latn", "deu_Latn"), ("zho_Hans", "zho_Hans")}
        if setting == "multilingual_pool":
            assert {t for _, t in pairs} == {ALL_LANGS_POOL}
            sample = out / setting / "samples" / f"{ALL_LANGS_POOL}__q-deu_Latn.jsonl"
            preds = [json.loads(x) for x in sample.read_text().splitlines()]
            assert len(preds) == 15 and all(len(p["pred"]) == 10 and len(p["gold"]) == 11 for p in preds)
            assert {g.split("_")[0] for g in preds[0]["gold"]} == {"ar", "de", "el", "en", "es", "hi", "ru", "th",
                                                                   "tr", "vi", "zh"}


def test_retrieval_plan():
    from xling.tasks import lareqa

    cells = solve.plan(lareqa.TASK, "crosslingual", ["eng_Latn", "deu_Latn"], [])
    assert [(c.query_lang, c.test_lang) for c in cells] == [("eng_Latn", "eng_Latn"), ("eng_Latn", "deu_Latn"),
                                                            ("deu_Latn", "eng_Latn"), ("deu_Latn", "deu_Latn")]
    assert [c.test_lang for c in solve.plan(lareqa.TASK, "multilingual_pool", ["eng_Latn"], [])] == [ALL_LANGS_POOL]
    with pytest.raises(Exception, match="--train-lang does not apply"):
        solve.plan(lareqa.TASK, "monolingual", ["eng_Latn"], ["deu_Latn"])


# ---------------------------------------------------------------------------- MIRACL with a built corpus

TOPICS = "miracl/topics/topics.miracl-v1.0-yo-dev.tsv"
QRELS = "miracl/qrels/qrels.miracl-v1.0-yo-dev.tsv"
CORPUS = "miracl/miracl-corpus-v1.0-yo/docs.jsonl.gz"


@pytest.fixture
def miracl_mirror(tmp_path):
    """Real Yorùbá dev topics and qrels, and a corpus of every judged document (text made
    from the query it is judged for, so relevant documents are findable) plus distractors."""
    src, dst = need_data(), tmp_path / "mirror"
    for rel in (TOPICS, QRELS):
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / rel, dst / rel)
    queries = dict(line.split("\t") for line in (src / TOPICS).read_text(encoding="utf-8").splitlines())
    docs = {}
    for line in (src / QRELS).read_text(encoding="utf-8").splitlines():
        qid, _, docid, rel = line.split("\t")
        words = queries[qid].split()
        docs[docid] = " ".join(words if rel == "1" else words[: max(1, len(words) // 3)]) + f" ({docid})"
    docs.update({f"9999{i}#0": f"ọ̀rọ̀ mìíràn {i}" for i in range(300)})
    write_corpus(dst, [{"docid": d, "title": "", "text": t} for d, t in docs.items()])
    return dst


def write_corpus(mirror, docs):
    path = mirror / CORPUS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode()))
    return path


def test_miracl_end_to_end_exact_and_index_rows_agree(miracl_mirror, tmp_path):
    pytest.importorskip("faiss")
    kw = dict(langs="yo", data_dir=miracl_mirror, out_dir=tmp_path, progress=False)
    exact = evaluate("miracl", model=FakeEncoder(), run_id="e", options={"search": "exact"}, **kw)
    index = evaluate("miracl", model=FakeEncoder(), run_id="i", options={"search": "index"}, **kw)
    ve = {r["metric"]: r["value"] for r in exact.rows}
    vi = {r["metric"]: r["value"] for r in index.rows}
    assert set(ve) == {"ndcg@10", "recall@100", "mrr@10", "map"} and set(vi) == {"ndcg@10", "recall@100", "mrr@10"}
    assert all(ve[m] == vi[m] for m in vi)
    assert all(r["n"] == 119 and r["setting"] == "monolingual" and r["query_lang"] == "yor_Latn" for r in exact.rows)
    assert 0.3 < ve["ndcg@10"] < 1.0 and ve["recall@100"] > ve["ndcg@10"] * 0.5
    assert exact.rows[0]["data"].count("sha256:") == 3  # topics, corpus and qrels files


# ---------------------------------------------------------------------------- bad input


def _run(capsys, mirror, tmp_path):
    code = main(["run", "--model", "fake", "--task", "miracl", "--lang", "yo", "--data-dir", str(mirror),
                 "--out", str(tmp_path / "runs"), "--no-board"])
    return code, capsys.readouterr().err.strip()


def _mini(tmp_path, topics="1\tKí ni?\n2\tTa ni?\n", qrels="1\tQ0\ta#0\t1\n2\tQ0\tb#0\t1\n2\tQ0\ta#0\t0\n",
          docs=({"docid": "a#0", "title": "A", "text": "Kí ni"}, {"docid": "b#0", "title": "B", "text": "Ta ni"})):
    mirror = tmp_path / "mini"
    for rel, text in ((TOPICS, topics), (QRELS, qrels)):
        (mirror / rel).parent.mkdir(parents=True, exist_ok=True)
        (mirror / rel).write_text(text, encoding="utf-8")
    write_corpus(mirror, list(docs))
    return mirror


def test_mini_mirror_runs(capsys, tmp_path):
    code, err = _run(capsys, _mini(tmp_path), tmp_path)
    assert code == 0, err


@pytest.mark.parametrize("case,fragment", [
    ("missing_doc", f"{QRELS}:3: qrels document 'c#9' (query 2) is not in the miracl yor_Latn corpus"),
    ("duplicate_query", f"{TOPICS}:3: duplicate query id '1' (first at line 1)"),
    ("empty_corpus", f"{CORPUS}: file is empty"),
    ("blank_corpus", f"{CORPUS}: file is empty"),
    ("qrels_fields", f"{QRELS}:2: expected 4 fields (query id, Q0, docid, relevance), found 3"),
    ("qrels_relevance", f"{QRELS}:2: relevance 'high' is not an integer"),
    ("corpus_json", f"{CORPUS}:2: invalid JSON"),
    ("duplicate_doc", f"{CORPUS}:2: duplicate docid 'a#0' (first at line 1)"),
])
def test_bad_retrieval_input_is_one_line_exit_2(capsys, tmp_path, case, fragment):
    mirror = _mini(tmp_path, **{
        "missing_doc": dict(qrels="1\tQ0\ta#0\t1\n2\tQ0\tb#0\t1\n2\tQ0\tc#9\t0\n"),
        "duplicate_query": dict(topics="1\tKí ni?\n2\tTa ni?\n1\tKí ni?\n"),
        "empty_corpus": dict(docs=()),
        "blank_corpus": dict(),
        "qrels_fields": dict(qrels="1\tQ0\ta#0\t1\n2\tb#0\t1\n"),
        "qrels_relevance": dict(qrels="1\tQ0\ta#0\t1\n2\tQ0\tb#0\thigh\n"),
        "corpus_json": dict(),
        "duplicate_doc": dict(docs=({"docid": "a#0", "text": "x"}, {"docid": "a#0", "text": "y"})),
    }[case])
    if case == "blank_corpus":
        (mirror / CORPUS).write_bytes(gzip.compress(b"\n\n"))
    if case == "corpus_json":
        (mirror / CORPUS).write_bytes(gzip.compress(b'{"docid": "a#0", "text": "x"}\n{"docid": "b#0", "text": \n'))
    code, err = _run(capsys, mirror, tmp_path)
    assert code == 2, err
    assert err.startswith("xling: error: ") and len(err.splitlines()) == 1
    assert fragment in err, err
