"""MasakhaNEWS: the real mirror files (record counts, multi-line quoted records in eng/xho,
per-language label sets), the hub mapping with a fake load_dataset, and the probe with
per-language label subsets (restricted predictions, chance over the language's labels)."""
import csv

import numpy as np
import pytest

from xling import results, solve
from xling.data import Hub, Local
from xling.errors import XlingError
from xling.models.fake import FakeEncoder
from xling.api import evaluate
from xling.solvers import classify
from xling.tasks import masakhanews, sib200
from tests.conftest import need_data

T = masakhanews.TASK


@pytest.fixture(scope="module")
def local():
    return Local(need_data())


def _manifest():
    rows = csv.DictReader(open(need_data("languages.tsv"), encoding="utf-8"), delimiter="\t")
    return {(r["language"], r["split"]): int(r["rows"]) for r in rows if r["dataset"] == "masakhanews"}


def test_record_counts_and_label_sets_match_the_files(local):
    counts = _manifest()
    assert len(T.langs) == 16 and len(counts) == 32
    for lang, native in T.languages:
        labels_txt = need_data("masakhanews/data", native, "labels.txt").read_text(encoding="utf-8").split()
        assert T.labels_of(lang) == tuple(labels_txt), native
        assert 4 <= len(labels_txt) <= 7 and set(labels_txt) <= set(T.labels)
        for split in ("dev", "test"):
            ex = T.load(lang, split, local)
            assert len(ex) == counts[(native, split)], (native, split)
            assert {e.label for e in ex} == set(labels_txt), (native, split)
            assert [e.id for e in ex] == [str(i) for i in range(len(ex))]
    assert T.labels == tuple(sorted(set().union(*(T.labels_of(x) for x in T.langs))))


def test_multiline_quoted_records_in_eng_and_xho(local):
    eng = T.load("eng_Latn", "test", local)
    assert len(eng) == 948  # 20,101 physical lines
    first = eng[0]
    assert first.label == "business"
    assert first.text.startswith("CEO Secrets: 'Don't treat your business like your baby' Liz Jackson MBE is a director")
    assert first.text.endswith("\nVideo by series producer Dougal Shaw")  # the field's own newline, no quotes
    assert '""' not in eng[2].text and '"did not go far enough"' in eng[2].text
    xho = T.load("xho_Latn", "test", local)
    assert len(xho) == 297 and sum("\n" in e.text for e in xho) > 100
    assert eng[1].source.endswith("test.tsv:4") and xho[0].source.endswith("test.tsv:2")


def test_text_is_headline_then_article(local):
    path = need_data("masakhanews/data/hau/dev.tsv")
    with open(path, encoding="utf-8", newline="") as f:
        row = next(csv.DictReader(f, delimiter="\t"))
    ex = T.load("hau_Latn", "dev", local)[0]
    assert ex.text == row["headline"] + " " + row["text"] and ex.label == row["category"] == "entertainment"


def test_mirror_trains_on_dev_hub_on_train(local):
    assert T.probe_split(local) == "dev" and T.probe_split(Hub()) == "train"
    with pytest.raises(XlingError, match="train.tsv: missing data file"):
        T.load("yor_Latn", "train", local)


def test_hub_mapping():
    calls = []

    def fake(repo, config, split, revision):
        calls.append((repo, config, split, revision))
        return [{"label": 3, "headline": "H", "text": "T", "headline_text": "H T", "url": "/x"},
                {"label": 4, "headline": "A", "text": "B", "headline_text": "A B", "url": "/y"}]

    ex = T.load("yor_Latn", "train", Hub(load_dataset=fake))
    assert calls == [("masakhane/masakhanews", "yor", "train", "8ccc72e69e65f40c70e117d8b3c08306bb788b60")]
    assert [(e.text, e.label) for e in ex] == [("H T", "politics"), ("A B", "religion")]
    with pytest.raises(XlingError, match="amh_Ethi dev row 1: unknown label 4"):  # religion is not an Amharic label
        T.load("amh_Ethi", "dev", Hub(load_dataset=fake))


def test_unknown_label_for_the_language_names_file_and_line(tmp_path):
    d = tmp_path / "masakhanews/data/lin"
    d.mkdir(parents=True)
    (d / "dev.tsv").write_text("category\theadline\ttext\turl\nsports\th\tt\t/u\nreligion\th\tt\t/v\n", encoding="utf-8")
    with pytest.raises(XlingError, match=r"lin/dev\.tsv:3: unknown label 'religion'"):
        T.load("lin_Latn", "dev", Local(tmp_path))


def test_in_language_probe_trains_on_dev_and_chance_is_per_language(tmp_path):
    rep = evaluate("masakhanews", "fake", langs="amh,hau,lin", data_dir=need_data(), out_dir=tmp_path / "r",
                   progress=False)
    df = results.frame(rep.run_dir)
    assert set(df.train_split) == {"dev"} and set(df.split) == {"test"}
    chance = df[df.metric == "baseline_chance_acc"].set_index("test_lang").value
    assert chance.to_dict() == {"amh_Ethi": 1 / 4, "hau_Latn": 1 / 7, "lin_Latn": 1 / 4}
    acc = df[df.metric == "acc"].set_index("test_lang").value
    assert (acc > chance).all()  # character trigrams do find topics


def test_zero_shot_predictions_stay_in_the_test_languages_labels(local):
    ctx = solve.Context(source=local)
    cell = solve.Cell("eng_Latn", "amh_Ethi")
    scored = classify.solve(T, FakeEncoder(), cell, ctx)
    preds = {p.pred for p in scored.predictions}
    assert preds <= set(T.labels_of("amh_Ethi"))
    # the English probe knows entertainment and technology, which Amharic lacks
    clf, _ = classify.probe(T, FakeEncoder(), "eng_Latn", ctx)
    assert {"entertainment", "technology"} <= {T.labels[c] for c in clf.classes_}
    assert scored.metrics["baseline_chance_acc"][0] == 0.25 and scored.train_split == "dev"


def test_restricted_predict_matches_argmax_over_allowed():
    from sklearn.linear_model import LogisticRegression

    X = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [2, 0], [0, 2]], dtype=float)
    y = np.array([0, 1, 2, 3, 1, 2])
    clf = LogisticRegression(random_state=0).fit(X, y)
    full = clf.predict(X)
    assert (classify.predict(clf, X, [0, 1, 2, 3]) == full).all()
    scores = clf.decision_function(X)
    assert (classify.predict(clf, X, [1, 3]) == np.array([1, 3])[scores[:, [1, 3]].argmax(1)]).all()
    with pytest.raises(XlingError, match="share no label"):
        classify.predict(clf, X, [5])


def test_sib200_keeps_all_seven_labels_and_chance():
    assert sib200.TASK.labels_of("eng_Latn") == sib200.TASK.labels and sib200.TASK.lang_labels == ()
    assert sib200.TASK.probe_split(Hub()) == "train"
