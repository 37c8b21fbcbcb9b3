"""Resuming trusts only what is really there (issue: changed data, a deleted row or samples file
and a torn results line were resumed as if done; damaged config.json files crashed or were
misreported).

Each case runs a clean run, damages its run directory or its data the way an edit, a kill or a
stray tool would, reruns the same command and compares with a clean run of the final state."""
import json
import shutil

import pytest

from xling.cli import main

VOLATILE = ("time", "wall_s", "started", "run_id")
DEU = "sib-200/data/annotated/deu_Latn/test.tsv"


def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err.strip()


def _run(capsys, mirror, out, *extra):
    return _cli(capsys, "run", "--model", "fake:64", "--task", "sib200", "--lang", "eng_Latn,deu_Latn,zho_Hans",
                "--data-dir", str(mirror), "--out", str(out), "--run-id", "r", "--no-board", *extra)


def _rows(run) -> list[dict]:
    rows = [json.loads(x) for x in (run / "results.jsonl").read_text().splitlines()]
    return sorted(({k: v for k, v in r.items() if k not in VOLATILE} for r in rows),
                  key=lambda r: (r["test_lang"], r["metric"]))


def _samples(run) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((run / "samples").glob("*.jsonl"))}


def test_changed_data_makes_its_cells_stale(capsys, mini_mirror, tmp_path):
    assert _run(capsys, mini_mirror, tmp_path / "a")[0] == 0
    before = {r["test_lang"]: r["data"] for r in _rows(tmp_path / "a/r")}
    f = mini_mirror / DEU
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    head, cat, text = lines[5].rstrip("\n").split("\t", 2)
    lines[5] = f"{head}\t{cat}\t{text} (edited)\n"
    f.write_text("".join(lines), encoding="utf-8")
    code, _, err = _run(capsys, mini_mirror, tmp_path / "a")
    assert code == 0 and "1 stale (a data file changed since they were scored)" in err, err
    assert "cells scored: 1, resumed: 2" in err
    after = {r["test_lang"]: r["data"] for r in _rows(tmp_path / "a/r")}
    assert after["deu_Latn"] != before["deu_Latn"] and after["eng_Latn"] == before["eng_Latn"]
    assert _run(capsys, mini_mirror, tmp_path / "clean")[0] == 0
    assert _rows(tmp_path / "a/r") == _rows(tmp_path / "clean/r")
    assert _samples(tmp_path / "a/r") == _samples(tmp_path / "clean/r")


@pytest.mark.parametrize("damage", ["row", "samples", "torn"])
def test_a_partial_cell_is_computed_again(capsys, mini_mirror, tmp_path, damage):
    assert _run(capsys, mini_mirror, tmp_path / "clean")[0] == 0
    shutil.copytree(tmp_path / "clean", tmp_path / "a")
    run = tmp_path / "a/r"
    lines = (run / "results.jsonl").read_text().splitlines(keepends=True)
    if damage == "row":  # one of deu_Latn's rows deleted
        i = next(i for i, x in enumerate(lines) if '"test_lang": "deu_Latn"' in x)
        (run / "results.jsonl").write_text("".join(lines[:i] + lines[i + 1:]))
    elif damage == "samples":
        (run / "samples/deu_Latn__deu_Latn.jsonl").unlink()
    else:  # what a kill mid-write leaves: the last line cut short, no newline
        (run / "results.jsonl").write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    code, _, err = _cli(capsys, "board", str(tmp_path / "a"), "--out", str(tmp_path / "b"), "--no-html")
    assert code == 0, err
    code, _, err = _run(capsys, mini_mirror, tmp_path / "a")
    assert code == 0, err
    if damage == "torn":
        assert "a torn last line (an interrupted write) is left out" in err
    else:
        assert "1 incomplete (rows or samples missing)" in err
    assert "cells scored: 1, resumed: 2" in err
    assert _rows(run) == _rows(tmp_path / "clean/r")
    assert _samples(run) == _samples(tmp_path / "clean/r")


@pytest.mark.parametrize("content,fragment", [
    ("[]", "holds a JSON list, not the dict xling writes there"),
    ('{"task": "sib200", "mod', "is damaged or truncated"),
])
@pytest.mark.parametrize("command", ["run", "board", "analyze"])
def test_a_damaged_config_is_one_line(capsys, mini_mirror, tmp_path, content, fragment, command):
    assert _run(capsys, mini_mirror, tmp_path / "a")[0] == 0
    cfg = tmp_path / "a/r/config.json"
    cfg.write_text(content)
    if command == "run":
        code, _, err = _run(capsys, mini_mirror, tmp_path / "a")
    elif command == "board":
        code, _, err = _cli(capsys, "board", str(tmp_path / "a"), "--out", str(tmp_path / "b"), "--no-html")
    else:
        code, _, err = _cli(capsys, "analyze", str(tmp_path / "a/r"), "--out", str(tmp_path / "an"))
    assert code == 2 and len(err.splitlines()) == 1, err
    assert str(cfg) in err and fragment in err and "another configuration" not in err
