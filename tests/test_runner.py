"""End to end through the runner with the fake encoder on a small real mirror."""
import json

import pandas as pd
import pytest

from xling import results
from xling.models.fake import FakeEncoder
from xling.api import evaluate
from xling.rundir import COLUMNS


def _run(mirror, out, **kw):
    kw.setdefault("model", FakeEncoder())
    return evaluate("sib200", langs="eng_Latn,deu_Latn,zho_Hans", data_dir=mirror, out_dir=out, progress=False, **kw)


def test_zero_shot_rows_are_tidy_and_complete(mini_mirror, tmp_path):
    rep = _run(mini_mirror, tmp_path / "runs", setting="zero_shot", train_langs="en")
    df = results.frame(rep.run_dir)
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == 3 * 4  # 3 languages x (acc, macro_f1, 2 baselines)
    assert set(df.train_lang) == {"eng_Latn"} and set(df.test_lang) == {"eng_Latn", "deu_Latn", "zho_Hans"}
    acc = df[df.metric == "acc"].set_index("test_lang")
    assert (acc.n == 204).all() and (acc.ci_low <= acc.value).all() and (acc.value <= acc.ci_high).all()
    # the probe learns something in English with the fake encoder, and transfer to Chinese is worse
    assert acc.loc["eng_Latn", "value"] > 0.3 > acc.loc["zho_Hans", "value"]
    base = df[df.metric == "baseline_majority_acc"].set_index("test_lang")
    # majority class of the English train split (science/technology, 176/701) is 51 of 204 test items
    assert base.loc["eng_Latn", "value"] == pytest.approx(51 / 204)
    assert df.signature.str.contains("task:sib200@1").all() and df.signature.str.contains("seed:0").all()
    samples = (rep.run_dir / "samples" / "eng_Latn__deu_Latn.jsonl").read_text().splitlines()
    assert len(samples) == 204 and set(json.loads(samples[0])) == {"id", "lang", "gold", "pred", "score", "input"}


def test_probe_is_deterministic(mini_mirror, tmp_path):
    a = results.frame(_run(mini_mirror, tmp_path / "a", setting="zero_shot", train_langs="eng_Latn").run_dir)
    b = results.frame(_run(mini_mirror, tmp_path / "b", setting="zero_shot", train_langs="eng_Latn").run_dir)
    cols = ["test_lang", "metric", "value", "ci_low", "ci_high", "signature"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_second_identical_run_makes_zero_model_calls(mini_mirror, tmp_path):
    first = FakeEncoder()
    rep1 = _run(mini_mirror, tmp_path / "a", model=first)
    assert first.calls == rep1.model_calls > 0
    second = FakeEncoder()
    rep2 = _run(mini_mirror, tmp_path / "b", model=second)  # new run dir, same cache
    assert second.calls == 0 and rep2.model_calls == 0
    assert rep2.cells_done == 3


def test_rerun_resumes_finished_cells(mini_mirror, tmp_path):
    enc = FakeEncoder()
    rep1 = _run(mini_mirror, tmp_path / "runs", model=enc)
    before = (rep1.run_dir / "results.jsonl").read_text()
    first = json.loads((rep1.run_dir / "config.json").read_text())["provenance"]
    rep2 = _run(mini_mirror, tmp_path / "runs", model=FakeEncoder())
    assert rep2.cells_done == 0 and rep2.cells_skipped == 3
    assert (rep2.run_dir / "results.jsonl").read_text() == before
    # the resumed run's provenance keeps the first invocation's start and wall time (the run that did the work)
    prov = json.loads((rep2.run_dir / "config.json").read_text())["provenance"]
    assert prov["earlier"] == [{k: first[k] for k in ("started", "wall_seconds", "command", "executor")}]
    assert first["wall_seconds"] > 0


def test_tatoeba_both_directions(mini_mirror, tmp_path):
    rep = evaluate("tatoeba", model=FakeEncoder(), langs="deu,cmn", data_dir=mini_mirror,
                   out_dir=tmp_path / "runs", progress=False, limit=100)
    df = results.frame(rep.run_dir)
    assert set(df.metric) == {"acc_xx2en", "acc_en2xx"} and set(df.n) == {100}
    assert set(df.test_lang) == {"deu_Latn", "zho_Hans"} and set(df.train_lang) == {""}
    deu = df[(df.test_lang == "deu_Latn")].set_index("metric")
    assert 0 < deu.loc["acc_xx2en", "value"] < 1  # shared names and numbers let trigrams find some pairs
