"""Translation metrics (xling.metrics.mt) against sacrebleu 2.6 itself: the command line on
the same hypothesis and reference files for 10 target languages (real SIB-200 / FLORES-200
sentences, hypotheses perturbed from the references), sacrebleu's own paired bootstrap and
approximate randomisation, sentence scores; spBLEU from a local SentencePiece model with no
download; off-target coverage."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from xling.data import Local
from xling.errors import XlingError
from xling.metrics import mt, offtarget
from xling.plugins import get_task
from tests.conftest import need_data

# 10 targets: Chinese (zh), Japanese (ja-mecab), Thai and Burmese (char), Amharic, German,
# Russian, Arabic, Hindi, Korean (13a)
LANGS = ("zho_Hans", "jpn_Jpan", "tha_Thai", "mya_Mymr", "amh_Ethi", "deu_Latn", "rus_Cyrl", "ara_Arab",
         "hin_Deva", "kor_Hang")
TOKENIZERS = {"zho_Hans": "zh", "jpn_Jpan": "ja-mecab", "tha_Thai": "char", "mya_Mymr": "char",
              "amh_Ethi": "13a", "deu_Latn": "13a", "rus_Cyrl": "13a", "ara_Arab": "13a", "hin_Deva": "13a",
              "kor_Hang": "13a"}
SACREBLEU = [sys.executable, "-m", "sacrebleu"]


def references(lang: str, n: int = 204) -> list[str]:
    task = get_task("flores")
    return [e.text for e in task.load(lang, "test", Local(need_data()))][-n:]


def perturb(refs: list[str]) -> list[str]:
    """Deterministic damage: drop every 7th character (offset by item), swap the halves of
    every third sentence, leave every fifth intact, empty one."""
    out = []
    for i, r in enumerate(refs):
        h = r if i % 5 == 0 else "".join(c for j, c in enumerate(r) if (j + i) % 7)
        if i % 3 == 1:
            h = h[len(h) // 2:] + " " + h[: len(h) // 2]
        out.append("" if i == 11 else h)
    return out


def cli(tmp_path: Path, hyps, refs, *args) -> list[dict]:
    (tmp_path / "ref.txt").write_text("\n".join(refs) + "\n", encoding="utf-8")
    (tmp_path / "hyp.txt").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    out = subprocess.run(SACREBLEU + [str(tmp_path / "ref.txt"), "-i", str(tmp_path / "hyp.txt"), "-w", "15",
                                      "-f", "json", *args], capture_output=True, text=True, check=True,
                         env={**os.environ, "SACREBLEU": str(tmp_path / "sacrebleu-home")})
    got = json.loads(out.stdout)
    return got if isinstance(got, list) else [got]


@pytest.mark.parametrize("lang", LANGS)
def test_chrf_and_bleu_equal_the_sacrebleu_command_line(lang, tmp_path):
    refs = references(lang)
    hyps = perturb(refs)
    metrics = {m.name: m for m in mt.metrics_for(lang)}
    assert mt.bleu_tokenizer(lang) == TOKENIZERS[lang]
    ours_chrf = metrics["chrf++"].corpus(metrics["chrf++"].stats(hyps, refs))
    ours_bleu = metrics["bleu"].corpus(metrics["bleu"].stats(hyps, refs))
    got = cli(tmp_path, hyps, refs, "-m", "chrf", "bleu", "--chrf-word-order", "2", "--tokenize", TOKENIZERS[lang])
    bleu, chrf = got
    assert bleu["name"] == "BLEU" and chrf["name"] == "chrF2++"
    assert abs(ours_chrf - chrf["score"]) < 1e-9 and abs(ours_bleu - bleu["score"]) < 1e-9
    assert metrics["chrf++"].signature == chrf["signature"] and metrics["bleu"].signature == bleu["signature"]
    assert 10 < ours_chrf < 95 and 0 < ours_bleu < 95  # really damaged, not trivially equal


def test_sentence_scores_are_sacrebleu_sentence_scores():
    from sacrebleu.metrics import CHRF

    refs = references("deu_Latn", 40)
    hyps = perturb(refs)
    m = mt.metrics_for("deu_Latn")[0]
    per_item = m.per_item(m.stats(hyps, refs))
    ref = CHRF(word_order=2)
    assert np.allclose(per_item, [ref.sentence_score(h, [r]).score for h, r in zip(hyps, refs)], rtol=0, atol=1e-9)
    assert abs(per_item.mean() - m.corpus(m.stats(hyps, refs))) > 0.1  # the mean of sentences is not the corpus score


def test_paired_bootstrap_and_randomization_equal_sacrebleu(monkeypatch):
    from sacrebleu.metrics import BLEU, CHRF
    from sacrebleu.significance import PairedTest

    monkeypatch.delenv("SACREBLEU_SEED", raising=False)
    refs = references("deu_Latn", 150)
    base = perturb(refs)
    system = [r if i % 4 else h for i, (r, h) in enumerate(zip(refs, base))]
    for test_type, n in (("bs", 1000), ("ar", 2000)):
        sigs, scores = PairedTest([("base", base), ("sys", system)],
                                  {"chrf": CHRF(word_order=2), "bleu": BLEU(tokenize="13a")}, [refs],
                                  test_type=test_type, n_samples=n)()
        for name, ours in (("chrF2++", mt.metrics_for("deu_Latn")[0]), ("BLEU", mt.metrics_for("deu_Latn")[1])):
            theirs = scores[name][1]
            a, b = ours.stats(base, refs), ours.stats(system, refs)
            if test_type == "bs":
                p, mean, ci = mt.paired_bootstrap(ours, a, b, mt.sacrebleu_indices(len(refs), n))
                # sacrebleu sums float32 statistics (its mean and interval carry float32 rounding); ours
                # are exact integer sums: equal to float32 precision
                assert abs(mean - theirs.mean) < 1e-6 * mean and abs(ci - theirs.ci) < 1e-5 * ci
            else:
                p = mt.paired_randomization(ours, a, b, n_samples=n)
            assert p == theirs.p_value and abs(ours.corpus(b) - theirs.score) < 1e-9
            assert p < 0.01  # the system really is better


def test_bootstrap_resamples_are_sacrebleus_resample_scores():
    """Our resampled corpus scores (integer counts) equal sacrebleu's (float32 sums) resampling."""
    from sacrebleu.significance import _bootstrap_resample

    refs = references("zho_Hans", 120)
    hyps = perturb(refs)
    for m in mt.metrics_for("zho_Hans"):
        st = m.stats(hyps, refs)
        seed, theirs = _bootstrap_resample(m.metric._extract_corpus_statistics(hyps, [refs]), m.metric, 300)
        ours = mt.bootstrap_scores(m, st, np.random.default_rng(int(seed)).choice(len(refs), size=(300, len(refs))))
        assert np.allclose(ours, [float(s.score) for s in theirs], rtol=1e-6, atol=0)


def test_tokenizer_per_script():
    assert [mt.bleu_tokenizer(c) for c in ("yue_Hant", "zho_Hant", "lao_Laoo", "khm_Khmr", "bod_Tibt", "dzo_Tibt",
                                           "shn_Mymr", "eng_Latn", "kas_Deva", "nqo_Nkoo")] == \
        ["zh", "zh", "char", "char", "char", "char", "char", "13a", "13a", "13a"]


def test_japanese_without_mecab_has_no_bleu(monkeypatch):
    monkeypatch.setattr(mt, "mecab_available", lambda: False)
    assert mt.bleu_tokenizer("jpn_Jpan") is None
    assert [m.name for m in mt.metrics_for("jpn_Jpan")] == ["chrf++"]


def _tiny_spm(tmp_path: Path) -> Path:
    spm = pytest.importorskip("sentencepiece")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(references("deu_Latn", 300) + references("zho_Hans", 300)), encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(tmp_path / "tiny"), vocab_size=2000, hard_vocab_limit=False,
                                   character_coverage=1.0, minloglevel=2)
    return tmp_path / "tiny.model"


def test_spbleu_with_a_local_model_equals_sacrebleu_flores200_and_never_downloads(tmp_path, monkeypatch):
    import sacrebleu.utils

    model = _tiny_spm(tmp_path)
    called = []
    monkeypatch.setattr(sacrebleu.utils, "download_file", lambda *a, **k: called.append(a))
    refs = references("zho_Hans", 100)
    hyps = perturb(refs)
    metrics = {m.name: m for m in mt.metrics_for("zho_Hans", spm_model=str(model))}
    sp = metrics["spbleu"]
    ours = sp.corpus(sp.stats(hyps, refs))
    # sacrebleu's own flores200 tokenizer reading the same model file where it keeps its models
    home = tmp_path / "sacrebleu-home" / "models"
    home.mkdir(parents=True)
    (home / "flores200sacrebleuspm").write_bytes(model.read_bytes())
    (got,) = cli(tmp_path, hyps, refs, "-m", "bleu", "--tokenize", "flores200")
    assert abs(ours - got["score"]) < 1e-9 and 1 < ours < 95
    assert sp.signature == got["signature"].replace("tok:flores200", f"tok:{sp.metric.tokenizer.name}")
    assert called == []


def test_spbleu_refuses_a_missing_model():
    with pytest.raises(XlingError, match="--spm-model .* is not a file"):
        mt.metrics_for("deu_Latn", spm_model="/nonexistent/flores200.model")


def test_off_target_coverage_on_real_references():
    """A target is judged by lid.176.ftz or py3langid where one of them recognises 90% of its
    references; the check rules out the ones neither tells apart (dialects read as their
    standard language) and those neither has a model of."""
    task = get_task("flores")
    src = Local(need_data())
    ok, reason = offtarget.identifiable([e.text for e in task.load("deu_Latn", "test", src)][:200], "deu_Latn")
    assert ok and reason == ""
    ok, reason = offtarget.identifiable([e.text for e in task.load("arz_Arab", "test", src)][:200], "arz_Arab")
    assert not ok and "references" in reason
    ok, reason = offtarget.identifiable(["anything"], "fon_Latn")
    assert not ok and reason == "lid.176.ftz has no model of fon_Latn; py3langid has no model of fon_Latn"
    for ident in ("lid.176.ftz", "py3langid"):
        assert offtarget.flags(["Das ist ein deutscher Satz über das Wetter.", "This is an English sentence.", "1887"],
                               "deu_Latn", ident) == [0.0, 1.0, None]


@pytest.mark.parametrize("lang", ("deu_Latn", "zho_Hans", "tha_Thai"))
def test_vectorised_scores_equal_sacrebleu_row_by_row(lang):
    """The bootstrap's many rows use sacrebleu's formulas vectorised: equal to its own
    ``_compute_score_from_stats`` on resamples, single sentences (empty ones too) and zeros."""
    refs = references(lang, 150)
    hyps = perturb(refs)
    hyps[3], hyps[4] = refs[3][:2], "x"  # shorter than 4 BLEU tokens: orders with no n-grams
    for m in mt.metrics_for(lang):
        st = m.stats(hyps, refs)
        rows = np.vstack([mt.resample_sums(st, np.random.default_rng(1).integers(0, len(refs), (200, len(refs)))),
                          st, np.zeros((1, st.shape[1]), dtype=np.int64)])
        assert mt.vectorised(m.metric, rows) is not None
        theirs = np.array([m.metric._compute_score_from_stats([int(v) for v in r]).score for r in rows])
        assert np.allclose(m.scores(rows), theirs, rtol=0, atol=1e-9)
