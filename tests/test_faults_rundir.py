"""Faults around the run and leaderboard directories (issue 20, items 13 and 14): a killed
`xling board` does not block the next one; two identical runs started together do the model
work once (the second waits for the first's lock, then resumes).

(Resuming partial, stale and torn run directories: tests/test_faults_resume.py.)"""
import json
import os
import subprocess
import sys
import time

from xling.cli import main


def _run_args(mirror, out, *extra):
    return ["run", "--model", "fake", "--task", "sib200", "--lang", "eng_Latn,deu_Latn", "--limit", "20",
            "--data-dir", str(mirror), "--out", str(out), "--run-id", "r", "--no-board", *extra]


def test_a_killed_board_does_not_block_the_next(capsys, mini_mirror, tmp_path, monkeypatch):
    from xling import publish

    assert main(_run_args(mini_mirror, tmp_path / "runs")) == 0
    lb = tmp_path / "lb"
    real, calls = publish._put, []

    def killed(path, text):
        if len(calls) == 2:
            raise KeyboardInterrupt  # the board is killed after writing two files
        calls.append(path)
        return real(path, text)

    monkeypatch.setattr(publish, "_put", killed)
    assert main(["board", str(tmp_path / "runs"), "--out", str(lb), "--no-html"]) == 130
    assert len(calls) == 2 and all(p.exists() for p in calls)
    monkeypatch.setattr(publish, "_put", real)
    capsys.readouterr()
    (lb / ".sib200.md.k3x9q1.tmp").write_text("half")  # what a kill -9 inside an atomic write leaves
    code = main(["board", str(tmp_path / "runs"), "--out", str(lb), "--no-html"])
    err = capsys.readouterr().err
    assert code == 0, err
    listed = (lb / ".generated").read_text().splitlines()
    assert listed[0] == "# made by: xling board"
    assert sorted(listed[1:]) == sorted(p.name for p in lb.iterdir() if p.name != ".generated")
    # a foreign file is still protected
    (lb / "sib200.md").unlink()
    (lb / ".generated").write_text("# made by: xling board\nindex.md\n")
    assert main(["board", str(tmp_path / "runs"), "--out", str(lb), "--no-html"]) == 2
    assert "no leaderboard render wrote" in capsys.readouterr().err


def test_two_identical_runs_at_once_do_the_model_work_once(mini_mirror, tmp_path):
    log = tmp_path / "calls.log"
    cmd = [sys.executable, "-m", "xling", "run", "--model", f"fake:64:delay=0.003:log={log}", "--task", "sib200",
           "--lang", "eng_Latn,deu_Latn", "--data-dir", str(mini_mirror), "--out", str(tmp_path / "runs"),
           "--run-id", "r", "--no-board"]
    env = dict(os.environ, XLING_CACHE=str(tmp_path / "cache"))
    first = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not log.exists() and time.monotonic() < deadline:  # the first is encoding: it holds the lock
        time.sleep(0.01)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert second.returncode == 0, second.stderr
    lock = tmp_path / "runs" / "r" / ".lock"
    assert f"xling: another xling run holds {lock}; waiting for it to finish, then resuming" in second.stderr
    assert "cells scored: 0, resumed: 2, model calls: 0" in second.stderr
    encoded = log.read_text().split()
    assert len(encoded) == len(set(encoded)) > 1000  # every text encoded once, by the first run
    rows = [json.loads(x) for x in (tmp_path / "runs" / "r" / "results.jsonl").read_text().splitlines()]
    assert sorted({r["test_lang"] for r in rows}) == ["deu_Latn", "eng_Latn"] and len(rows) == 8


def test_the_board_says_when_a_cell_lacks_rows(capsys, mini_mirror, tmp_path):
    """A row deleted from results.jsonl: the board shows what is left and says which cell is
    incomplete (it showed one language fewer, silently); a rerun completes it."""
    assert main(_run_args(mini_mirror, tmp_path / "runs")) == 0
    results = tmp_path / "runs" / "r" / "results.jsonl"
    lines = results.read_text().splitlines(keepends=True)
    results.write_text("".join(x for x in lines if not ('"deu_Latn"' in x and '"metric": "acc"' in x)))
    capsys.readouterr()
    assert main(["board", str(tmp_path / "runs"), "--out", str(tmp_path / "lb"), "--no-html"]) == 0
    warnings = [x for x in capsys.readouterr().err.splitlines() if "incomplete" in x]
    assert warnings == [f"xling: warning: {results}: 1 cell incomplete (deu_Latn→deu_Latn: acc missing); "
                        "rerun the run's command to compute it again"]
    assert main(_run_args(mini_mirror, tmp_path / "runs")) == 0
    capsys.readouterr()
    assert main(["board", str(tmp_path / "runs"), "--out", str(tmp_path / "lb"), "--no-html"]) == 0
    assert "incomplete" not in capsys.readouterr().err
