"""The rest of the bad-input catalogue (the first part is tests/test_bad_input.py): each
case gets a one-line error naming the problem, exit code 2, and leaves no partial or
corrupt rows in results."""
import errno
import os

import numpy as np
import pytest

from xling import io as xio
from xling.cli import main
from xling.errors import XlingError
from xling.api import evaluate

SIB = "sib-200/data/annotated/deu_Latn/test.tsv"
TAT = "tatoeba/data/tatoeba/v1/tatoeba.deu-eng"


def _cli(capsys, *argv):
    code = main(list(argv))
    _, err = capsys.readouterr()
    return code, err.strip()


def _args(mirror, out, model="fake", task="sib200", lang="eng_Latn,deu_Latn", *extra):
    return ("run", "--model", model, "--task", task, "--lang", lang, "--data-dir", str(mirror), "--out", str(out),
            "--run-id", "r1", "--no-board", *extra)


@pytest.fixture
def stored(capsys, mini_mirror, tmp_path):
    """A run with eng_Latn already scored; returns (out dir, results path, its bytes)."""
    out = tmp_path / "runs"
    code, err = _cli(capsys, *_args(mini_mirror, out, lang="eng_Latn"))
    assert code == 0, err
    results = out / "r1" / "results.jsonl"
    return out, results, results.read_bytes()


def _one_line(code, err, *fragments):
    assert code == 2, err
    assert err.startswith("xling: error:") and len(err.splitlines()) == 1, err
    for f in fragments:
        assert f in err, err


def test_duplicate_ids(capsys, mini_mirror, stored):
    out, results, before = stored
    path = mini_mirror / SIB
    lines = path.read_text(encoding="utf-8").splitlines()
    dup_id = lines[1].split("\t")[0]
    lines[9] = dup_id + "\t" + lines[9].split("\t", 1)[1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err = _cli(capsys, *_args(mini_mirror, out))
    _one_line(code, err, f"{path}:10: duplicate id {dup_id!r}", f"{path}:2")
    assert results.read_bytes() == before


def test_empty_split_header_only(capsys, mini_mirror, stored):
    out, results, before = stored
    path = mini_mirror / SIB
    path.write_text("index_id\tcategory\ttext\n", encoding="utf-8")
    code, err = _cli(capsys, *_args(mini_mirror, out))
    _one_line(code, err, str(path), "no examples for sib200 deu_Latn test")
    assert results.read_bytes() == before


def test_tatoeba_sides_not_aligned(capsys, mini_mirror, tmp_path):
    path = mini_mirror / f"{TAT}.eng"
    path.write_text("\n".join(path.read_text(encoding="utf-8").splitlines()[:-3]) + "\n", encoding="utf-8")
    code, err = _cli(capsys, *_args(mini_mirror, tmp_path / "runs", task="tatoeba", lang="deu"))
    _one_line(code, err, f"{mini_mirror / TAT}.deu: has 1000 lines but tatoeba.deu-eng.eng has 997")


def test_tatoeba_empty_sentence(capsys, mini_mirror, tmp_path):
    path = mini_mirror / f"{TAT}.deu"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[41] = "   "
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err = _cli(capsys, *_args(mini_mirror, tmp_path / "runs", task="tatoeba", lang="deu"))
    _one_line(code, err, f"{path}:42: empty sentence")


def test_model_returning_nan(capsys, mini_mirror, stored):
    out, results, before = stored
    code, err = _cli(capsys, *_args(mini_mirror, out, "fake:64:nan=Welt", "sib200", "eng_Latn,deu_Latn"))
    _one_line(code, err, "model fake@64 returned NaN/inf for text")
    assert results.read_bytes() == before


class WrongShape:
    name = "wrong-shape@1"

    def encode(self, texts, role):
        return np.zeros((len(texts) + 1, 8), np.float32)


def test_model_returning_the_wrong_shape(mini_mirror, tmp_path):
    with pytest.raises(XlingError, match=r"model wrong-shape@1 returned shape \(65, 8\) for 64 texts"):
        evaluate("sib200", model=WrongShape(), langs="eng_Latn", data_dir=mini_mirror, out_dir=tmp_path, progress=False)
    assert not list(tmp_path.glob("*/results.jsonl"))


def test_full_disk(capsys, mini_mirror, stored, monkeypatch):
    out, results, before = stored
    real_fsync = os.fsync

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xio.os, "fsync", no_space)
    code, err = _cli(capsys, *_args(mini_mirror, out))
    monkeypatch.setattr(xio.os, "fsync", real_fsync)
    _one_line(code, err, "No space left on device", "earlier results are untouched")
    assert results.read_bytes() == before
    assert not [p for p in (out / "r1").rglob("*.tmp")]  # no temporary file left behind


def test_cache_path_that_is_a_file(capsys, mini_mirror, tmp_path):
    """Works as root too: the cache directory cannot be created because a file is in the way."""
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a directory")
    code, err = _cli(capsys, *_args(mini_mirror, tmp_path / "runs"), "--cache-dir", str(blocker / "sub"))
    _one_line(code, err, f"cache directory {str(blocker / 'sub')!r} is not usable", "--cache-dir")


def test_unopenable_cache_database(capsys, mini_mirror, tmp_path):
    """The cache database cannot be opened (here: a directory sits where the file goes)."""
    (tmp_path / "c" / "embeddings.sqlite").mkdir(parents=True)
    code, err = _cli(capsys, *_args(mini_mirror, tmp_path / "runs"), "--cache-dir", str(tmp_path / "c"))
    _one_line(code, err, "is not usable", "unable to open database file")


def test_run_id_reused_with_another_configuration(capsys, mini_mirror, stored):
    out, results, before = stored
    code, err = _cli(capsys, *_args(mini_mirror, out), "--setting", "zero_shot", "--train-lang", "eng_Latn")
    _one_line(code, err, "run 'r1' already exists", "another configuration")
    assert results.read_bytes() == before


def test_torn_results_file(capsys, mini_mirror, stored):
    out, results, before = stored
    results.write_bytes(before + b'{"model": "fake@64", "task": "sib2')  # what a kill mid-write can leave
    code, err = _cli(capsys, *_args(mini_mirror, out))
    assert code == 0, err  # the torn line is left out, said on one line; the stored rows stay
    assert f"{results}:5: a torn last line (an interrupted write) is left out" in err
    assert "cells scored: 1, resumed: 1" in err
    assert results.read_bytes().startswith(before) and len(results.read_bytes().splitlines()) == 8


def test_trust_remote_code_is_off_unless_asked(monkeypatch, tmp_path):
    transformers = pytest.importorskip("transformers")
    seen = {}

    def fake_from_pretrained(path, **kw):
        seen.update(kw)
        raise OSError("stop here")

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", fake_from_pretrained)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")  # a checkpoint directory has one
    from xling.plugins import load_model as load

    with pytest.raises(XlingError, match="cannot load transformers checkpoint"):
        load(f"hf:{tmp_path / 'm'}")
    assert seen["trust_remote_code"] is False
    with pytest.raises(XlingError):
        load(f"hf:{tmp_path / 'm'}", trust_remote_code=True)
    assert seen["trust_remote_code"] is True


def test_trust_remote_code_flag_needs_an_hf_model(capsys, mini_mirror, tmp_path):
    code, err = _cli(capsys, *_args(mini_mirror, tmp_path / "runs"), "--trust-remote-code")
    _one_line(code, err, "--trust-remote-code applies to hf:<path> models only")


def test_written_files_get_the_usual_permissions(tmp_path):
    """Atomic writes go through mkstemp (mode 0600); the result must read like any new file:
    0666 less the umask, so a web server or a colleague can read the site and results."""
    import os

    from xling.io import write_atomic

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.html", "<p>x</p>")
        write_atomic(tmp_path / "b.png", b"\x89PNG")
        os.umask(0o027)
        write_atomic(tmp_path / "c.csv", "x\n")
    finally:
        os.umask(old)
    assert (tmp_path / "a.html").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.png").read_bytes() == b"\x89PNG" and (tmp_path / "b.png").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "c.csv").stat().st_mode & 0o777 == 0o640


def test_a_run_that_finds_no_data_leaves_no_empty_run_directory(tmp_path, capsys):
    from xling.cli import main

    (tmp_path / "mirror").mkdir()
    code = main(["run", "--model", "fake", "--task", "xnli", "--setting", "in_language", "--lang", "deu",
                 "--data-dir", str(tmp_path / "mirror"), "--out", str(tmp_path / "runs"), "--no-board"])
    err = capsys.readouterr().err
    assert code == 2 and "missing data file for xnli" in err and len(err.strip().splitlines()) == 1
    assert not any((tmp_path / "runs").glob("*/config.json"))
