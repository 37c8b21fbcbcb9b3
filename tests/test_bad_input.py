"""Every bad input gets a one-line error naming the argument or file:line, exit code 2,
no traceback, and leaves what was already stored untouched."""
import subprocess
import sys

import pytest

from xling.cli import main

SIB = "sib-200/data/annotated/deu_Latn/test.tsv"


def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, err.strip()


def _run_args(mirror, out, *extra):
    return ("run", "--model", "fake", "--task", "sib200", "--lang", "eng_Latn,deu_Latn", "--data-dir", str(mirror),
            "--out", str(out), "--run-id", "r1", "--no-board", *extra)


@pytest.mark.parametrize("argv,fragment", [
    (("run", "--task", "nosuch", "--model", "fake"), "unknown task 'nosuch'"),
    (("run", "--task", "sib2000", "--model", "fake"), "did you mean sib200"),
    (("run", "--task", "sib200", "--model", "gpt9"), "unknown model 'gpt9'"),
    (("run", "--task", "sib200", "--model", "fake", "--setting", "sideways"), "setting 'sideways' does not apply"),
    (("run", "--task", "sib200", "--model", "fake", "--lang", "xqz"), "unknown language code 'xqz'"),
    (("run", "--task", "tatoeba", "--model", "fake", "--lang", "swa_Latn,eng_Latn"), "--lang eng_Latn is not a language of task 'tatoeba'"),
    (("run", "--task", "sib200", "--model", "fake", "--setting", "zero_shot"), "needs --train-lang"),
    (("run", "--task", "sib200", "--model", "fake", "--train-lang", "de"), "conflicts with --setting in_language"),
    (("run", "--task", "sib200", "--model", "fake", "--limit", "0"), "argument --limit: must be a positive number, got 0"),
    (("run", "--task", "sib200", "--model", "fake", "--run-id", "../escape"), "invalid --run-id"),
    (("run", "--task", "sib200", "--model", "hf:/no/such/dir"), "not a checkpoint directory"),
    # an empty list is an error, never "everything" (--lang= ran all 205 languages; --lang , planned none)
    (("run", "--task", "sib200", "--model", "fake", "--lang="), "--lang '' names no language"),
    (("run", "--task", "sib200", "--model", "fake", "--lang", ","), "--lang ',' names no language"),
    (("run", "--task", ",", "--model", "fake"), "--task ',' names nothing"),
    (("run", "--task", "sib200", "--model", " , "), "--model ' , ' names nothing"),
    (("similarity", "--task", "sib200", "--model", "fake", "--lang="), "--lang '' names no language"),
])
def test_bad_arguments(capsys, mini_mirror, tmp_path, argv, fragment):
    code, err = _cli(capsys, *argv, "--data-dir", str(mini_mirror), "--out", str(tmp_path / "runs"))
    assert code == 2
    assert fragment in err and err.startswith("xling: error:") and len(err.splitlines()) == 1


def test_missing_data_dir(capsys, tmp_path):
    code, err = _cli(capsys, "run", "--task", "sib200", "--model", "fake", "--data-dir", str(tmp_path / "nope"))
    assert code == 2 and "data directory" in err and "does not exist" in err


def _corrupt(mirror, how):
    path = mirror / SIB
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    if how == "missing":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":  # cut inside a row: the last row loses its text column
        path.write_bytes(b"\n".join(lines[:10]) + b"\n" + lines[10].split(b"\t")[0] + b"\t")
    elif how == "wrong_columns":
        path.write_bytes(raw.replace(b"index_id\tcategory\ttext", b"id\tlabel\tsentence", 1))
    elif how == "broken_quoting":
        lines[5] = lines[5].split(b"\t")[0] + b'\tsports\t"an open quote that never closes'
        path.write_bytes(b"\n".join(lines))
    elif how == "invalid_utf8":
        lines[7] = lines[7] + b"\xff\xfe"
        path.write_bytes(b"\n".join(lines))
    elif how == "unknown_label":
        lines[3] = lines[3].replace(b"\tscience/technology\t", b"\tcooking\t").replace(b"\ttravel\t", b"\tcooking\t")
        lines[3] = b"\t".join([lines[3].split(b"\t")[0], b"cooking", lines[3].split(b"\t")[2]])
        path.write_bytes(b"\n".join(lines))
    return path


@pytest.mark.parametrize("how,fragment", [
    ("missing", "missing data file"),
    ("empty", "file is empty"),
    ("truncated", ":11: expected 3 tab-separated fields, found 2"),
    ("wrong_columns", ":1: header lacks column(s) index_id, category, text"),
    ("broken_quoting", ":6: "),
    ("invalid_utf8", ":8: invalid UTF-8"),
    ("unknown_label", ":4: unknown label 'cooking'"),
])
def test_bad_data_files_keep_what_was_stored(capsys, mini_mirror, tmp_path, how, fragment):
    out = tmp_path / "runs"
    code, _ = _cli(capsys, *_run_args(mini_mirror, out, "--lang", "eng_Latn"))
    assert code == 0
    results = out / "r1" / "results.jsonl"
    before = results.read_bytes()
    path = _corrupt(mini_mirror, how)
    code, err = _cli(capsys, *_run_args(mini_mirror, out))
    assert code == 2, err
    assert str(path) in err and fragment in err and len(err.splitlines()) == 1, err
    assert results.read_bytes() == before  # eng_Latn's rows are still there, nothing half-written


def test_cli_error_has_no_traceback(mini_mirror, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "xling", "run", "--task", "nosuch", "--model", "fake"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    from xling import plugins

    assert proc.stderr.strip() == f"xling: error: unknown task 'nosuch' (known: {', '.join(plugins.task_names())})"
