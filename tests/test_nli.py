"""NLI: AmericasNLI (real mirror files) and XNLI (its original layout, built here), both
hub doors with a fake load_dataset, the Encoder pair probe end to end, and a tiny random
sequence-classification checkpoint as a PairClassifier (including refused label maps)."""
import csv
import json

import numpy as np
import pytest

from xling import results
from xling.cli import main
from xling.data import Hub, Local
from xling.errors import XlingError
from xling.models import PairClassifier
from xling.plugins import load_model as load
from xling.api import evaluate
from xling.tasks import americasnli, xnli
from tests.conftest import need_data

LABELS = ("entailment", "neutral", "contradiction")


class FakeHub:
    def __init__(self, rows):
        self.rows, self.calls = rows, []

    def __call__(self, repo, config, split, revision):
        self.calls.append((repo, config, split, revision))
        return self.rows


@pytest.fixture(scope="module")
def local():
    return Local(need_data())


def _manifest():
    rows = csv.DictReader(open(need_data("languages.tsv"), encoding="utf-8"), delimiter="\t")
    return {(r["language"], r["split"]): int(r["rows"]) for r in rows if r["dataset"] == "americasnli"}


# ---------------------------------------------------------------- AmericasNLI data


def test_americasnli_languages_and_codes():
    assert americasnli.TASK.languages == (
        ("aym_Latn", "aym"), ("bzd_Latn", "bzd"), ("cni_Latn", "cni"), ("grn_Latn", "gn"), ("hch_Latn", "hch"),
        ("nah_Latn", "nah"), ("oto_Latn", "oto"), ("quy_Latn", "quy"), ("shp_Latn", "shp"), ("tar_Latn", "tar"))
    assert americasnli.TASK.probe_split(Hub()) == "dev"  # no train split anywhere


def test_americasnli_row_counts_match_the_manifest(local):
    counts = _manifest()
    assert len(counts) == 20
    for lang, native in americasnli.TASK.languages:
        for split in ("dev", "test"):
            ex = americasnli.TASK.load(lang, split, local)
            assert len(ex) == counts[(native, split)], (native, split)
            assert {e.label for e in ex} == set(LABELS)
            assert all(e.lang == lang and e.text and e.text_pair for e in ex)
            assert len({e.id for e in ex}) == len(ex)
    assert len(americasnli.TASK.load("oto_Latn", "dev", local)) == 222


def test_americasnli_first_rows(local):
    ex = americasnli.TASK.load("grn_Latn", "dev", local)
    assert (ex[0].id, ex[0].label) == ("0", "neutral")
    assert ex[0].text == "Ha ha'e he'i: Mama, aime ógape."
    assert ex[0].text_pair == "Ohenói isýpe oguejymíre mba'yrúgui."
    nah = americasnli.TASK.load("nah_Latn", "test", local)[0]
    assert nah.label == "contradiction" and nah.text_pair == "Ayoc nicamohuihtoc"


def test_americasnli_unknown_label_names_file_and_line(tmp_path):
    d = tmp_path / "americasnli" / "dev"
    d.mkdir(parents=True)
    (d / "quy.tsv").write_text("language\tpremise\thypothesis\tlabel\nquy\ta\tb\tneutral\nquy\tc\td\tmaybe\n")
    with pytest.raises(XlingError, match=r"dev/quy\.tsv:3: unknown label 'maybe'"):
        americasnli.TASK.load("quy_Latn", "dev", Local(tmp_path))


def test_americasnli_hub_mapping():
    fake = FakeHub([{"premise": "p0", "hypothesis": "h0", "label": 2}, {"premise": "p1", "hypothesis": "h1", "label": 0}])
    ex = americasnli.TASK.load("grn_Latn", "dev", Hub(load_dataset=fake))
    assert fake.calls == [("nala-cub/americas_nli", "gn", "validation", "668b53909c205ece201487394833a36ebab47245")]
    assert [(e.text, e.text_pair, e.label) for e in ex] == [("p0", "h0", "contradiction"), ("p1", "h1", "entailment")]
    americasnli.TASK.load("oto_Latn", "test", Hub(load_dataset=fake))
    assert fake.calls[-1][1:3] == ("oto", "test")
    with pytest.raises(XlingError, match="row 0: unknown label -1"):
        americasnli.TASK.load("quy_Latn", "test", Hub(load_dataset=FakeHub([{"premise": "p", "hypothesis": "h", "label": -1}])))


# ---------------------------------------------------------------- XNLI


def _xnli_file(path, rows):
    header = ["language", "gold_label", "sentence1_binary_parse", "sentence2_binary_parse", "sentence1_parse",
              "sentence2_parse", "sentence1", "sentence2", "promptID", "pairID", "genre", "label1", "label2", "label3",
              "label4", "label5", "sentence1_tokenized", "sentence2_tokenized", "match"]
    lines = ["\t".join(header)]
    for lang, gold, s1, s2, pair in rows:
        lines.append("\t".join([lang, gold, "", "", "", "", s1, s2, "1", pair, "facetoface", gold, gold, gold, gold, gold,
                                s1, s2, "True"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_xnli_local_door_reads_the_original_layout(tmp_path):
    _xnli_file(tmp_path / "xnli/XNLI-1.0/xnli.dev.tsv", [
        ("ar", "neutral", "وقال، ماما، لقد عدت للمنزل.", "اتصل بأمه حالما أوصلته حافلة المدرسية.", "1"),
        ("de", "contradiction", "und er hat gesagt, Mama ich bin daheim.", 'Er sagte kein "Wort".', "2"),
        ("de", "entailment", "Ich wusste nicht", "Ich war unsicher", "3")])
    src = Local(tmp_path)
    de = xnli.TASK.load("deu_Latn", "dev", src)
    assert [(e.id, e.label, e.text_pair) for e in de] == [("2", "contradiction", 'Er sagte kein "Wort".'),
                                                          ("3", "entailment", "Ich war unsicher")]
    ar = xnli.TASK.load("ara_Arab", "dev", src)
    assert len(ar) == 1 and ar[0].text.startswith("وقال")
    assert xnli.TASK.probe_split(src) == "dev" and xnli.TASK.probe_split(Hub()) == "train"
    with pytest.raises(XlingError, match="xnli.test.tsv: missing data file"):
        xnli.TASK.load("deu_Latn", "test", src)
    with pytest.raises(XlingError, match="no train split"):
        xnli.TASK.load("deu_Latn", "train", src)


def test_xnli_languages_and_hub_mapping():
    assert [c for c, _ in xnli.TASK.languages] == [
        "ara_Arab", "bul_Cyrl", "deu_Latn", "ell_Grek", "eng_Latn", "spa_Latn", "fra_Latn", "hin_Deva", "rus_Cyrl",
        "swa_Latn", "tha_Thai", "tur_Latn", "urd_Arab", "vie_Latn", "zho_Hans"]
    fake = FakeHub([{"premise": "p", "hypothesis": "h", "label": 1}])
    ex = xnli.TASK.load("zho_Hans", "dev", Hub(load_dataset=fake))
    assert fake.calls == [("facebook/xnli", "zh", "validation", "b8dd5d7af51114dbda02c0e3f6133f332186418e")]
    assert ex[0].label == "neutral"
    xnli.TASK.load("swa_Latn", "train", Hub(load_dataset=fake))
    assert fake.calls[-1][1:3] == ("sw", "train")


def test_hub_label_names_come_from_the_classlabel_feature():
    class Rows(list):
        features = {"label": type("ClassLabel", (), {"names": ["contradiction", "entailment", "neutral"]})()}

    ex = xnli.TASK.load("eng_Latn", "test", Hub(load_dataset=FakeHub(Rows([{"premise": "p", "hypothesis": "h", "label": 0}]))))
    assert ex[0].label == "contradiction"


# ---------------------------------------------------------------- Encoder pair probe


def test_pair_probe_end_to_end_with_fake_encoder(tmp_path, capsys):
    code = main(["run", "--model", "fake", "--task", "americasnli", "--lang", "gn,quy", "--data-dir", str(need_data()),
                 "--out", str(tmp_path / "runs"), "--no-board"])
    assert code == 0
    df = results.frame(tmp_path / "runs")
    assert set(df.train_split) == {"dev"} and set(df.split) == {"test"} and set(df.setting) == {"in_language"}
    acc = df[df.metric == "acc"].set_index("test_lang")
    assert set(acc.n) == {750} and (acc.train_lang == acc.index).all()
    # hashed character trigrams know nothing about entailment: near chance, but a real 3-way probe
    assert ((acc.value > 0.25) & (acc.value < 0.6)).all()
    chance = df[df.metric == "baseline_chance_acc"].value
    assert np.allclose(chance, 1 / 3)
    samples = (tmp_path / "runs").glob("*/samples/grn_Latn__grn_Latn.jsonl")
    lines = next(samples).read_text().splitlines()
    assert len(lines) == 750 and json.loads(lines[0])["pred"] in LABELS


def test_pair_texts_list_premises_and_hypotheses(local):
    from xling import solve

    ctx = solve.Context(source=local, limit=5)
    groups = solve.texts(americasnli.TASK, ctx, solve.Cell("quy_Latn", "grn_Latn"))
    test = americasnli.TASK.load("grn_Latn", "test", local)[:5]
    assert groups[0] == ("query", [e.text for e in test] + [e.text_pair for e in test])
    assert len(groups[1][1]) == 2 * 743  # the whole labelled dev split of the train language


def test_pair_probe_is_deterministic_and_uses_pair_features(local):
    from xling import solve
    from xling.models.fake import FakeEncoder
    from xling.solvers import pair

    U, V = np.array([[1.0, 2.0]]), np.array([[3.0, -1.0]])
    assert pair.features(U, V).tolist() == [[1, 2, 3, -1, 2, 3, 3, -2]]
    runs = []
    for _ in range(2):
        ctx = solve.Context(source=local, limit=40)
        runs.append(pair.solve(americasnli.TASK, FakeEncoder(), solve.Cell("quy_Latn", "aym_Latn"), ctx))
    assert [p.pred for p in runs[0].predictions] == [p.pred for p in runs[1].predictions]
    assert runs[0].train_split == "dev" and runs[0].metrics["acc"][3] == 40


# ---------------------------------------------------------------- PairClassifier (tiny random checkpoint)


def _tiny_seqcls(path, id2label):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    chars = sorted(set("abcdefghijklmnopqrstuvwxyzäöüáéíóúñ'ýẽĩõũ0123456789.,;:!?-"))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars]
    path.mkdir(parents=True)
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tok = transformers.BertTokenizerFast(vocab_file=str(path / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                  intermediate_size=37, max_position_embeddings=256, num_labels=len(id2label),
                                  id2label=id2label, label2id={v: k for k, v in id2label.items()})
    transformers.BertForSequenceClassification(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny_nli(tmp_path_factory):
    # names in another order and case than the task's: mapped by name, not position
    return _tiny_seqcls(tmp_path_factory.mktemp("nli") / "ckpt", {0: "CONTRADICTION", 1: "Entailment", 2: "neutral"})


def test_tiny_pair_classifier_maps_labels_by_name(tiny_nli):
    model = load(f"hf:{tiny_nli}", threads=1)
    assert isinstance(model, PairClassifier) and model.order == ("contradiction", "entailment", "neutral")
    prem = ["ha ha'e he'i: mama, aime ógape.", "x", "a much longer premise " * 30]
    hyp = ["ohenói isýpe", "y", "short"]
    out = model.classify(prem, hyp)
    assert len(out) == 3 and set(out) <= set(LABELS)
    assert out == [model.classify([p], [h])[0] for p, h in zip(prem, hyp)]  # batching/sorting keeps order
    import torch

    enc = model.tokenizer(prem[:1], hyp[:1], return_tensors="pt")
    with torch.inference_mode():
        k = int(model.model(**enc).logits.argmax(-1))
    assert out[0] == ("contradiction", "entailment", "neutral")[k]


def test_tiny_pair_classifier_end_to_end(tiny_nli, tmp_path, capsys):
    code = main(["run", "--model", f"hf:{tiny_nli}", "--task", "americasnli", "--lang", "gn,tar_Latn", "--setting",
                 "zero_shot", "--train-lang", "eng_Latn", "--limit", "12", "--data-dir", str(need_data()),
                 "--out", str(tmp_path / "runs"), "--threads", "1", "--no-board"])
    assert code == 0, capsys.readouterr().err
    df = results.frame(tmp_path / "runs")
    assert set(df.train_lang) == {"eng_Latn"} and set(df.train_split) == {""}  # recorded, nothing trained here
    assert set(df.metric) == {"acc", "macro_f1", "baseline_chance_acc"} and set(df.n) == {12}
    assert ((df.value >= 0) & (df.value <= 1)).all()
    assert df.model.str.startswith("hf:").all()


def _error_lines(capsys):
    """stderr lines other than transformers' progress bars."""
    return [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("xling:")]


def test_mismatched_labels_are_refused_in_one_line(tmp_path, capsys):
    bad = _tiny_seqcls(tmp_path / "bad", {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    with pytest.raises(XlingError, match=r"does not name the 3 NLI labels.*refusing to guess"):
        load(f"hf:{bad}", threads=1)
    two = _tiny_seqcls(tmp_path / "two", {0: "entailment", 1: "not_entailment"})
    code = main(["run", "--model", f"hf:{two}", "--task", "americasnli", "--lang", "gn", "--limit", "3",
                 "--data-dir", str(need_data()), "--out", str(tmp_path / "runs")])
    err = _error_lines(capsys)
    assert code == 2 and len(err) == 1 and "0:entailment, 1:not_entailment" in err[0]


def test_pair_classifier_cannot_do_single_text_classification(tiny_nli, mini_mirror, tmp_path, capsys):
    code = main(["run", "--model", f"hf:{tiny_nli}", "--task", "sib200", "--lang", "eng_Latn", "--data-dir",
                 str(mini_mirror), "--out", str(tmp_path / "runs")])
    err = _error_lines(capsys)
    assert code == 2 and len(err) == 1 and "cannot do task 'sib200'" in err[0]


def test_probe_with_pair_classifier_rejects_unknown_model_labels():
    from xling import solve
    from xling.solvers import pair

    class Wrong:
        name, labels = "wrong@1", ("yes", "no", "maybe")

        def classify(self, p, h):
            return ["yes"] * len(p)

    ctx = solve.Context(source=Local(need_data()), limit=3)
    with pytest.raises(XlingError, match="predicts yes, no, maybe"):
        pair.solve(americasnli.TASK, Wrong(), solve.Cell("", "grn_Latn"), ctx)
