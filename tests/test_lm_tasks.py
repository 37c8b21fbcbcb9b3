"""Language modelling on the 205-way parallel FLORES sentences of SIB-200: the corpus, the
corpus-sum statistics (equal to lm-evaluation-harness's aggregations), information parity,
bootstrap intervals, the LM solver end to end with the fake LanguageModel."""
import math

import numpy as np
import pytest

import xling
from tests.conftest import need_data
from xling.data import Local
from xling.errors import XlingError
from xling.metrics import lm as lmm
from xling.tasks import flores_lm, sib200


def test_corpus_is_all_1004_sib200_sentences_with_their_ids():
    root = need_data()
    eng = flores_lm.TASK.load("eng_Latn", "all", Local(root))
    zho = flores_lm.TASK.load("zho_Hant", "all", Local(root))
    assert len(eng) == len(zho) == 1004 and [e.id for e in eng] == [e.id for e in zho]
    sib_ids = [e.id for s in ("train", "dev", "test") for e in sib200.TASK.load("eng_Latn", s, Local(root))]
    assert [e.id for e in eng] == sib_ids
    assert len(flores_lm.TASK.langs) == 205


def test_bits_per_byte_is_lm_eval_weighted_aggregation():
    from lm_eval.api import metrics as lmeval

    ll = [-12.5, -40.0, -3.25]
    texts = ["Hello world.", "Ein längerer Satz über Käse.", "猫"]
    nb = [lmm.nbytes(t) for t in texts]
    items = list(zip(ll, nb))
    assert lmm.bits_per_unit(ll, nb) == pytest.approx(lmeval.bits_per_byte(items), rel=1e-12)
    assert 2 ** lmm.bits_per_unit(ll, nb) == pytest.approx(lmeval.weighted_perplexity(items), rel=1e-12)  # byte_perplexity
    assert nb == [12, 31, 3]
    words = [lmm.nwords(t) for t in texts]
    assert words == [2, 5, 1]  # lm-eval's count_words: len(re.split(r"\s+", text))
    # by hand: -(sum ll) / (sum bytes) / ln 2 -- not the mean of per-sentence ratios
    assert lmm.bits_per_unit(ll, nb) == pytest.approx(55.75 / (12 + 31 + 3) / math.log(2))
    assert lmm.bits_per_unit(ll, nb) != pytest.approx(np.mean([-a / b / math.log(2) for a, b in items]))


def test_information_parity_and_others_by_hand():
    eng, deu = np.array([-10.0, -20.0]), np.array([-15.0, -25.0])
    assert lmm.information_parity(eng, deu) == pytest.approx(30 / 40)
    assert lmm.bits_per_sentence(deu) == pytest.approx(20 / math.log(2))
    assert lmm.token_perplexity(deu, np.array([5, 15])) == pytest.approx(math.exp(2.0))
    assert lmm.nchars("e\u0301") == 1 and lmm.nbytes("é") == 2  # NFC characters, UTF-8 bytes
    idx = np.array([[0, 0], [1, 1]])
    assert lmm.information_parity(eng, deu, idx).tolist() == pytest.approx([10 / 15, 20 / 25])


def test_lm_solver_end_to_end_and_rerun(tmp_path):
    root = need_data()
    langs = ["eng_Latn", "deu_Latn", "amh_Ethi"]
    rep = xling.evaluate("flores_lm", "fake-lm", langs=langs, data_dir=root, out_dir=tmp_path / "a", progress=False)
    assert rep.model_calls == 3 * 1004
    f = rep.frame().set_index(["test_lang", "metric"])
    s = rep.samples()
    for lang in langs:
        rows = [p if isinstance(p, dict) else __import__("json").loads(p) for p in s[s.test_lang == lang].pred]
        ll = np.array([r["ll"] for r in rows])
        assert f.loc[(lang, "bits_per_byte"), "value"] == pytest.approx(-ll.sum() / sum(r["bytes"] for r in rows) / math.log(2))
        assert f.loc[(lang, "bits_per_char"), "value"] == pytest.approx(-ll.sum() / sum(r["chars"] for r in rows) / math.log(2))
        assert f.loc[(lang, "bits_per_sentence"), "value"] == pytest.approx(-ll.sum() / 1004 / math.log(2))
        assert s[s.test_lang == lang].score.mean() == pytest.approx(f.loc[(lang, "bits_per_byte"), "value"])
        lo, hi = f.loc[(lang, "bits_per_byte"), ["ci_low", "ci_high"]]
        assert lo < f.loc[(lang, "bits_per_byte"), "value"] < hi
    assert f.loc[("eng_Latn", "information_parity"), "value"] == 1.0
    eng_bits = f.loc[("eng_Latn", "bits_per_sentence"), "value"]
    assert f.loc[("deu_Latn", "information_parity"), "value"] == pytest.approx(eng_bits / f.loc[("deu_Latn", "bits_per_sentence"), "value"])
    assert xling.metrics.registry.get("bits_per_byte").better == "lower"
    again = xling.evaluate("flores_lm", "fake-lm", langs=langs, data_dir=root, out_dir=tmp_path / "b", progress=False)
    assert again.model_calls == 0


def test_a_sentence_without_its_english_counterpart_is_refused(tmp_path):
    src = need_data("sib-200/data/annotated")
    for lang in ("eng_Latn", "deu_Latn"):
        d = tmp_path / "sib-200/data/annotated" / lang
        d.mkdir(parents=True)
        for split in ("train", "dev", "test"):
            lines = (src / lang / f"{split}.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
            d.joinpath(f"{split}.tsv").write_text("".join(lines[:3] if lang == "eng_Latn" and split == "test" else lines),
                                                  encoding="utf-8")
    with pytest.raises(XlingError, match="have no eng_Latn counterpart"):
        xling.evaluate("flores_lm", "fake-lm", langs=["deu_Latn"], data_dir=tmp_path, out_dir=tmp_path / "r", progress=False)
