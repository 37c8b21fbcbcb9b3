"""matrix and fewshot settings end to end with the fake encoder on the mini mirror, and their
bad input."""
import json

import numpy as np
import pandas as pd
import pytest

from xling import analysis, results
from xling.cli import main
from xling.errors import XlingError
from xling.models.fake import FakeEncoder
from xling.api import evaluate
from xling.rundir import COLUMNS

LANGS = "eng_Latn,deu_Latn,zho_Hans"


def _texts(mirror, langs, splits):
    from xling import plugins
    from xling import data

    t, src = plugins.get_task("sib200"), data.source_for(mirror)
    return {e.text for lang in langs for s in splits for e in t.load(lang, s, src)}


def test_matrix_three_by_three_embeds_each_language_once(mini_mirror, tmp_path):
    enc = FakeEncoder()
    rep = evaluate("sib200", model=enc, langs=LANGS, setting="matrix", train_langs=LANGS, data_dir=mini_mirror,
                   out_dir=tmp_path / "runs", progress=False)
    df = results.frame(rep.run_dir)
    assert list(df.columns) == list(COLUMNS)
    acc = df[df.metric == "acc"]
    assert len(acc) == 9 and rep.cells_done == 9
    assert set(zip(acc.train_lang, acc.test_lang)) == {(s, t) for s in LANGS.split(",") for t in LANGS.split(",")}
    assert set(acc.setting) == {"matrix"} and set(acc.shots) == {""}
    # every distinct text (3 train + 3 test splits) was encoded exactly once, however many pairs use it
    assert enc.calls == len(_texts(mini_mirror, LANGS.split(","), ["train", "test"]))
    # a source's own column equals the zero_shot run from that source (same probe, same seed)
    zs = results.frame(evaluate("sib200", model=FakeEncoder(), langs=LANGS, setting="zero_shot",
                                train_langs="deu_Latn", data_dir=mini_mirror, out_dir=tmp_path / "zs",
                                progress=False).run_dir)
    a = acc[acc.train_lang == "deu_Latn"].set_index("test_lang")["value"]
    b = zs[zs.metric == "acc"].set_index("test_lang")["value"]
    assert a.sort_index().tolist() == b.sort_index().tolist()
    # in-language pairs beat transfer with the trigram encoder
    m = acc.pivot(index="train_lang", columns="test_lang", values="value")
    assert m.loc["eng_Latn", "eng_Latn"] > m.loc["eng_Latn", "zho_Hans"]
    assert (rep.run_dir / "samples" / "zho_Hans__deu_Latn.jsonl").exists()


def test_matrix_train_lang_all_means_every_task_language(mini_mirror, tmp_path, monkeypatch):
    from xling import plugins
    from xling import solve

    seen = {}
    real_plan = solve.plan

    def spy(task, setting, test_langs, train_langs, **kw):
        seen["train"] = list(train_langs)
        raise XlingError("stop here")

    monkeypatch.setattr(solve, "plan", spy)
    with pytest.raises(XlingError, match="stop here"):
        evaluate("sib200", model=FakeEncoder(), langs="deu_Latn", setting="matrix", train_langs="all",
                 data_dir=mini_mirror, out_dir=tmp_path, progress=False)
    assert seen["train"] == list(plugins.get_task("sib200").langs) and len(seen["train"]) == 205
    cells = real_plan(plugins.get_task("sib200"), "matrix", ["deu_Latn", "zho_Hans"], ["eng_Latn", "deu_Latn"])
    assert [(c.train_lang, c.test_lang) for c in cells] == [("eng_Latn", "deu_Latn"), ("eng_Latn", "zho_Hans"),
                                                           ("deu_Latn", "deu_Latn"), ("deu_Latn", "zho_Hans")]


def test_fewshot_rows_carry_shots_and_seed_and_slopes_are_fitted(mini_mirror, tmp_path):
    enc = FakeEncoder()
    rep = evaluate("sib200", model=enc, langs="deu_Latn,zho_Hans", setting="fewshot", train_langs="eng_Latn",
                   data_dir=mini_mirror, out_dir=tmp_path / "runs", progress=False,
                   options={"shots": [0, 8, 64], "seeds": [0, 1]})
    df = results.frame(rep.run_dir)
    acc = df[df.metric == "acc"]
    assert len(acc) == 2 * 3 * 2 and rep.cells_done == 12
    assert sorted(set(acc.shots)) == [0, 8, 64] and sorted(set(acc.seed)) == [0, 1]
    assert acc.signature.str.contains("shots:64|shot_seed:1", regex=False).any()
    # k = 0 is the plain zero-shot probe: identical for every seed
    k0 = acc[acc.shots == 0].groupby("test_lang")["value"].nunique()
    assert (k0 == 1).all()
    # the shots are a seeded, nested sample of the target's train split: only those were encoded
    # beyond the source's training and the targets' test sets
    base = _texts(mini_mirror, ["eng_Latn"], ["train"]) | _texts(mini_mirror, ["deu_Latn", "zho_Hans"], ["test"])
    assert len(base) < enc.calls <= len(base) + 2 * 64 * 2
    s = analysis.fewshot_slopes(df).set_index("tgt")
    assert set(s.index) == {"deu_Latn", "zho_Hans"} and s["points"].tolist() == [6, 6]
    assert np.isfinite(s["b"]).all()
    # 64 Chinese examples teach the trigram probe Chinese: the curve rises
    assert s.loc["zho_Hans", "b"] > 0 and s.loc["zho_Hans", "score_kmax"] > s.loc["zho_Hans", "score_k0"]
    assert (rep.run_dir / "samples" / "k64-s1" / "eng_Latn__zho_Hans.jsonl").exists()
    # resuming finds every (shots, seed) cell done
    again = evaluate("sib200", model=FakeEncoder(), langs="deu_Latn,zho_Hans", setting="fewshot",
                     train_langs="eng_Latn", data_dir=mini_mirror, out_dir=tmp_path / "runs", progress=False,
                     options={"shots": [0, 8, 64], "seeds": [0, 1]})
    assert again.cells_done == 0 and again.cells_skipped == 12


def test_fewshot_cli_prints_slopes(mini_mirror, tmp_path, capsys):
    code = main(["run", "--model", "fake", "--task", "sib200", "--lang", "zho_Hans", "--setting", "fewshot",
                 "--train-lang", "eng_Latn", "--shots", "0,16", "--seeds", "0,1", "--data-dir", str(mini_mirror),
                 "--out", str(tmp_path / "runs"), "--no-board"])
    out = capsys.readouterr().out
    assert code == 0 and "score = a + b log(1 + k)" in out and "zho_Hans" in out
    run = next((tmp_path / "runs").iterdir())
    code = main(["analyze", str(run)])
    assert code == 0 and (run / "analysis.md").exists() and (run / "fewshot.png").read_bytes()[:4] == b"\x89PNG"
    slopes = pd.read_csv(run / "slopes.csv")
    assert slopes["tgt"].tolist() == ["zho_Hans"] and slopes["points"].tolist() == [4]


@pytest.mark.parametrize("argv, message", [
    (["--setting", "fewshot", "--train-lang", "eng_Latn"], "--setting fewshot needs --shots"),
    (["--setting", "fewshot", "--train-lang", "eng_Latn", "--shots", "8,x"], "--shots takes comma-separated"),
    (["--setting", "fewshot", "--train-lang", "eng_Latn", "--shots", "800"], "exceeds the 701 training examples"),
    (["--setting", "zero_shot", "--train-lang", "eng_Latn", "--shots", "8"], "apply to --setting fewshot only"),
    (["--setting", "matrix", "--train-lang", "eng_Latn", "--seeds", "1"], "apply to --setting fewshot only"),
    (["--setting", "matrix"], "--setting matrix needs --train-lang"),
    (["--setting", "zero_shot", "--train-lang", "all"], "--train-lang all applies to --setting matrix only"),
    (["--setting", "matrix", "--train-lang", "eng_Latn,fra_Latn"], None),  # fra is not in the mini mirror
])
def test_bad_transfer_input_is_one_line_exit_2(mini_mirror, tmp_path, capsys, argv, message):
    code = main(["run", "--model", "fake", "--task", "sib200", "--lang", "deu_Latn", "--data-dir", str(mini_mirror),
                 "--out", str(tmp_path / "runs"), "--no-board"] + argv)
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("xling: error: ")
    if message:
        assert message in err


def test_analyze_refuses_runs_without_transfer_pairs(mini_mirror, tmp_path, capsys):
    evaluate("sib200", model=FakeEncoder(), langs=LANGS, setting="in_language", data_dir=mini_mirror,
             out_dir=tmp_path / "runs", run_id="inlang", progress=False)
    evaluate("tatoeba", model=FakeEncoder(), langs="deu", data_dir=mini_mirror, out_dir=tmp_path / "runs",
             run_id="bitext", progress=False, limit=20)
    capsys.readouterr()
    assert main(["analyze", str(tmp_path / "runs" / "inlang")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no cross-lingual pairs" in err
    assert main(["analyze", str(tmp_path / "runs" / "bitext")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "the run has no train languages" in err
    assert main(["analyze", str(tmp_path / "nowhere")]) == 2
    assert "no results at" in capsys.readouterr().err


def test_result_rows_of_other_settings_keep_an_empty_shots_column(mini_mirror, tmp_path):
    rep = evaluate("sib200", model=FakeEncoder(), langs="deu_Latn", setting="zero_shot", train_langs="eng_Latn",
                   data_dir=mini_mirror, out_dir=tmp_path, progress=False)
    rows = [json.loads(line) for line in (rep.run_dir / "results.jsonl").read_text().splitlines()]
    assert {r["shots"] for r in rows} == {""} and {r["seed"] for r in rows} == {0}


def test_list_shows_the_transfer_settings_where_they_apply(capsys):
    from xling import plugins
    from xling import solve

    assert main(["list"]) == 0
    rows = {r.split()[0]: r.split()[4] for r in capsys.readouterr().out.splitlines()[2:] if not r.startswith(" ")}
    assert rows["sib200"] == "in_language,zero_shot,matrix,fewshot,prompted"  # prompted: a LanguageModel scores the labels
    assert rows["xcopa"] == "prompted" and rows["flores_lm"] == "in_language" == rows["flores_tokens"]
    assert rows["americasnli"] == "in_language,zero_shot,matrix"  # the pair probe adds no target shots
    assert rows["masakhaner"] == "in_language,zero_shot,matrix"  # the CRF trains here: one tagger per source
    assert rows["tatoeba"] == "bitext"
    enc = FakeEncoder.from_spec("16")
    assert len(solve.plan(plugins.get_task("americasnli"), "matrix", ["quy_Latn"], ["aym_Latn", "grn_Latn"], model=enc)) == 2
    with pytest.raises(XlingError, match="fewshot"):
        solve.plan(plugins.get_task("americasnli"), "fewshot", ["quy_Latn"], ["aym_Latn"], model=enc, options={"shots": [8]})
