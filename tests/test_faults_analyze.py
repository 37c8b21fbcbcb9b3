"""Faults of ``xling analyze`` (issue 20, items 11-12): a directory that is not a transfer run, and
a damaged config.json, each give one line naming what is wrong, exit 2, before any typology is
read or built."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from xling import typology as T
from xling.cli import main

LANGS = ["eng_Latn", "deu_Latn", "fra_Latn", "rus_Cyrl", "hin_Deva", "zho_Hans"]


def _matrix_run(root: Path) -> Path:
    """A small matrix run (6 x 6, synthetic scores) with the config.json ``xling run`` writes."""
    rng = np.random.default_rng(0)
    run = root / "run"
    run.mkdir(parents=True)
    rows = [{"model": "fake@64", "task": "sib200", "task_version": "1", "setting": "matrix", "train_lang": s,
             "train_split": "train", "shots": "", "test_lang": t, "query_lang": "", "split": "test", "metric": "acc",
             "value": float(rng.uniform(0.3, 0.8)), "n": 204, "ci_low": 0, "ci_high": 1, "seed": 0, "data": "",
             "signature": "", "harness_version": "0", "run_id": "run"} for s in LANGS for t in LANGS]
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = {"task": "sib200", "main_metric": "acc", "task_langs": LANGS, "model": "fake@64"}
    (run / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    return run


@pytest.fixture
def no_typology(monkeypatch):
    """Any typology read or build fails the test: the error must come first."""
    def boom(*a, **k):
        raise AssertionError("typology read before the run was checked")

    monkeypatch.setattr(T, "table", boom)
    monkeypatch.setattr(T, "built_table", boom)


def _analyze(capsys, *args) -> tuple[int, str, str]:
    code = main(["analyze", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_an_empty_directory_is_one_line_saying_what_analyze_needs(tmp_path, capsys, no_typology):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = _analyze(capsys, empty)
    line = _one_line(err)
    assert code == 2 and out == ""
    assert str(empty) in line and "no results.jsonl" in line
    assert "matrix" in line and "zero_shot" in line  # what analyze needs


def test_a_similarity_run_is_named_as_such_with_the_way_on(tmp_path, capsys, no_typology):
    sim = tmp_path / "similarity-run"
    sim.mkdir()
    (sim / "similarity.csv").write_text("lang,eng_Latn\neng_Latn,1.0\n")
    (sim / "alignment.csv").write_text("lang,mexa,mean_cosine\n")
    (sim / "config.json").write_text(json.dumps({"model_name": "fake", "langs": ["eng_Latn"]}))
    code, out, err = _analyze(capsys, sim)
    line = _one_line(err)
    assert code == 2 and out == ""
    assert str(sim) in line and "xling similarity" in line and "--similarity" in line


def test_a_run_without_rows_is_one_line(tmp_path, capsys, no_typology):
    run = _matrix_run(tmp_path)
    (run / "results.jsonl").write_text("")
    code, out, err = _analyze(capsys, run)
    line = _one_line(err)
    assert code == 2 and str(run) in line and "no rows" in line


@pytest.mark.parametrize("damage", ["truncated", "list"])
def test_a_damaged_config_json_is_one_line_naming_it(tmp_path, capsys, no_typology, damage):
    run = _matrix_run(tmp_path)
    cfg = run / "config.json"
    text = cfg.read_text()
    cfg.write_text(text[: len(text) // 2] if damage == "truncated" else "[]\n")
    code, out, err = _analyze(capsys, run)
    line = _one_line(err)
    assert code == 2 and out == ""
    assert str(cfg) in line
    assert not (run / "analysis.md").exists()


def test_the_intact_run_gets_past_those_checks(tmp_path, capsys):
    """The control: the same run, config.json intact, is analysed (from the shipped table)."""
    run = _matrix_run(tmp_path)
    code, out, err = _analyze(capsys, run, "--uriel", "original")
    assert code == 0, err
    assert "pairs: 30 (6 sources x 6 targets)" in out
    assert (run / "analysis.md").exists()
