"""docs/tiny-checkpoints.md, followed literally: its script builds the two random checkpoints
and its commands run hf-causal on XCOPA and hf-seq2seq on FLORES (the data directory pointed at
the test mirror, the runs into a temporary directory); the numbers are the page's."""
from __future__ import annotations

import re
import runpy
import shlex
import sys
from pathlib import Path

import pytest

from xling import cli
from tests.conftest import need_data

DOC = Path(__file__).resolve().parents[1] / "docs" / "tiny-checkpoints.md"


def _blocks():
    text = DOC.read_text(encoding="utf-8")
    script = re.search(r"```python\n# file: make_tiny.py\n(.*?)```", text, re.S).group(1)
    commands = re.search(r"```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    return script, commands


def test_the_page_builds_the_checkpoints_and_its_commands_run(tmp_path, monkeypatch, capsys):
    pytest.importorskip("transformers")
    pytest.importorskip("tokenizers")
    script, commands = _blocks()
    assert commands[0] == "python make_tiny.py tiny" and len(commands) == 3
    (tmp_path / "make_tiny.py").write_text(script, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", shlex.split(commands[0])[1:])
    runpy.run_path("make_tiny.py", run_name="__main__")
    assert "random weights, their scores mean nothing" in capsys.readouterr().out
    for name in ("gpt2", "nllb"):
        assert (tmp_path / "tiny" / name / "config.json").is_file()
        assert (tmp_path / "tiny" / name / "model.safetensors").is_file()
    got = []
    for line in commands[1:]:
        argv = shlex.split(line)
        assert argv[0] == "xling" and argv[argv.index("--data-dir") + 1] == "../shared/data"
        argv[argv.index("--data-dir") + 1] = str(need_data())
        assert cli.main(argv[1:] + ["--out", str(tmp_path / "runs"), "--cache-dir", str(tmp_path / "cache")]) == 0
        got.append(capsys.readouterr().out)
    text = DOC.read_text(encoding="utf-8")
    xcopa = re.search(r"^\| ita_Latn \| Italian .*$", got[0], re.M).group(0)
    flores = re.search(r"^\| deu_Latn \| German +\| [\d.]+ .*$", got[1], re.M).group(0)
    assert xcopa in text and xcopa.split("|")[3].strip() == "35.0"  # the page's numbers, seeded and offline
    assert flores.split("|")[3].strip() == "1.839" and "1.839" in text
