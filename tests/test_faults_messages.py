"""Messages on bad input say what is wrong, on one line, whole and short (issue 20, item 14): a
field too large for csv, a run id too long, a directory that is not a checkpoint, pasted
5,000-character arguments, empty texts. (Two identical runs at once: test_faults_rundir.py.)"""
import pytest

from xling.cli import main

SIB = "sib-200/data/annotated/deu_Latn/test.tsv"


def _cli(capsys, *argv):
    code = main(list(argv))
    _, err = capsys.readouterr()
    return code, err.strip()


def _run(mirror, out, *extra, model="fake", lang="eng_Latn,deu_Latn"):
    return ("run", "--model", model, "--task", "sib200", "--lang", lang, "--limit", "20", "--data-dir", str(mirror),
            "--out", str(out), "--no-board", *extra)


def _edit_row(mirror, line: int, text: str):
    path = mirror / SIB
    lines = path.read_text(encoding="utf-8").split("\n")
    head = lines[line - 1].split("\t")
    lines[line - 1] = "\t".join(head[:-1] + [text])
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_a_huge_field_is_called_too_large_not_broken_quoting(capsys, mini_mirror, tmp_path):
    path = _edit_row(mini_mirror, 4, '"' + "x" * 1_000_000 + '"')
    code, err = _cli(capsys, *_run(mini_mirror, tmp_path / "runs"))
    assert code == 2 and len(err.splitlines()) == 1
    assert err == (f"xling: error: {path}:4: a field is larger than csv's limit of 131,072 characters "
                   "(an unclosed quote, or not a text file?)")


def test_a_long_run_id_is_refused_for_its_length(capsys, mini_mirror, tmp_path):
    code, err = _cli(capsys, *_run(mini_mirror, tmp_path / "runs", "--run-id", "a" * 250))
    assert code == 2
    assert err == f"xling: error: invalid --run-id '{'a' * 59}…{'a' * 18}': 250 characters, at most 200"
    code, err = _cli(capsys, *_run(mini_mirror, tmp_path / "runs", "--run-id", "a/b"))
    assert code == 2
    assert err == "xling: error: invalid --run-id 'a/b': use letters, digits and . _ + = - (no path separators)"


def test_a_directory_that_is_not_a_checkpoint_is_one_whole_sentence(capsys, mini_mirror, tmp_path, monkeypatch):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "hosts").write_text("127.0.0.1 localhost\n")
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    code, err = _cli(capsys, *_run(mini_mirror, tmp_path / "runs", model="hf:../../../etc"))
    assert code == 2
    assert err == "xling: error: model path '../../../etc' is not a checkpoint directory (it has no config.json)"


@pytest.mark.parametrize("flag", ["--model", "--lang", "--task", "--setting", "--run-id", "--limit"])
def test_a_pasted_5000_character_argument_is_echoed_short(capsys, mini_mirror, tmp_path, flag):
    argv = list(_run(mini_mirror, tmp_path / "runs"))
    value = "q" * 5000
    if flag in argv:
        argv[argv.index(flag) + 1] = value
    else:
        argv += [flag, value]
    code, err = _cli(capsys, *argv)
    assert code == 2 and len(err.splitlines()) == 1
    assert "q" * 59 + "…" + "q" * 18 in err and "q" * 100 not in err and len(err) < 600, err  # the value, ~80 chars


def test_board_of_a_5000_character_path_is_echoed_short(capsys, tmp_path):
    code, err = _cli(capsys, "board", "r" * 5000, "--out", str(tmp_path / "lb"))
    assert code == 2 and "r" * 59 + "…" in err and len(err) < 300, err


def test_empty_texts_are_scored_with_a_warning_and_their_count(capsys, mini_mirror, tmp_path):
    path = _edit_row(mini_mirror, 3, "")
    _edit_row(mini_mirror, 6, "   ")
    code, err = _cli(capsys, *_run(mini_mirror, tmp_path / "runs"))
    assert code == 0, err
    assert (f"xling: warning: sib200 deu_Latn test: 2 examples have an empty text (first: {path}:3); "
            "they are kept as they are") in err.splitlines()
    assert sum("empty text" in x for x in err.splitlines()) == 1
