"""What boards print and write (issue 16): the board `xling run` prints (CI from the per-item
bootstrap, rank interval, per-language scores, the source x target table of a matrix run,
plain grammar), p-values at the resampling floor, `xling board` never replacing the
leaderboard `xling regenerate` made, commands without temporary paths, the index overview."""
import json

import numpy as np
import pandas as pd
import pytest
from board_helpers import binary, write_run

from xling import publish, regenerate, results, stats, tables
from xling.board import build
from xling.cli import main
from xling.errors import XlingError
from xling.metrics.uncertainty import mean_ci


def _printed(d) -> str:
    """What `xling run` prints after a run (cli._run)."""
    return publish.render(results.frame(d), out_dir=None, samples=results.samples(d), info=results.task_info(d))


def test_a_single_system_prints_its_ci_rank_interval_and_languages(tmp_path):
    d = tmp_path / "runs"
    deu = binary(200, 120)
    write_run(d, "r", "fake@64", {"deu_Latn": deu, "zho_Hans": binary(200, 50), "amh_Ethi": binary(100, 40)})
    text = _printed(d)
    row = next(line for line in text.splitlines() if line.startswith("| 1 [1-1]"))
    assert "fake@64" in row and "| [" in row  # rank with its interval, and a CI
    board = build(results.frame(d), results.samples(d))["sib200"]
    s = board.summary.iloc[0]
    assert not np.isnan(s.ci_low) and s.ci_low < s.common_mean < s.ci_high
    # one language: the board's CI is the per-item bootstrap the runner uses for a cell
    one = tmp_path / "one"
    write_run(one, "r", "fake@64", {"deu_Latn": deu})
    b1 = build(results.frame(one), results.samples(one))["sib200"].summary.iloc[0]
    by_id = np.asarray(deu)[np.argsort([str(i) for i in range(200)], kind="stable")]  # boards sort items by id
    assert (b1.ci_low, b1.ci_high) == mean_ci(by_id, stats.seed_for("sib200", "rank"))
    # per-language scores with their CIs and items, in a compact table
    lines = text.split("### Per language (acc, %)")[1].splitlines()
    deu_line = next(line for line in lines if line.startswith("| deu_Latn"))
    assert "German" in deu_line and "60.0" in deu_line and "| 200 " in deu_line and "[" in deu_line
    assert "| amh_Ethi" in text and "| zho_Hans" in text
    # plain grammar
    assert "1 common langs" not in text and "1 systems" not in text and "One system, on 3 languages." in text


def test_grammar_with_one_language(tmp_path):
    d = tmp_path / "runs"
    write_run(d, "r", "fake@64", {"deu_Latn": binary(50, 20)})
    out = tmp_path / "board"
    text = publish.render(results.frame(d), out_dir=out, samples=results.samples(d), site=False)
    assert "mean over 1 common lang " in text and "common langs" not in text.split("\n\n")[1].splitlines()[0]
    assert "One system, on 1 language." in text
    assert "1 system, 1 language (1 common)" in (out / "index.md").read_text(encoding="utf-8")


def test_a_matrix_run_prints_its_source_by_target_table(tmp_path):
    d = tmp_path / "runs"
    scores = {("eng_Latn", "deu_Latn"): 70, ("eng_Latn", "zho_Hans"): 40, ("eng_Latn", "eng_Latn"): 90,
              ("deu_Latn", "deu_Latn"): 85, ("deu_Latn", "zho_Hans"): 35, ("deu_Latn", "eng_Latn"): 75}
    for src in ("eng_Latn", "deu_Latn"):
        write_run(d, f"m-{src}", "fake@64", {t: binary(100, k, seed=i) for i, ((s, t), k) in enumerate(scores.items())
                                            if s == src}, setting="matrix", train=src)
    text = _printed(d)
    part = text.split("### fake@64: target (rows) x source (columns), acc, %")[1]
    head = next(line for line in part.splitlines() if line.startswith("| target"))
    assert "from deu_Latn" in head and "from eng_Latn" in head
    zho = next(line for line in part.splitlines() if line.startswith("| zho_Hans"))
    cols = [c.strip() for c in zho.strip("|").split("|")]
    order = [c.strip() for c in head.strip("|").split("|")]
    assert cols[order.index("from eng_Latn")].startswith("**40.0") and cols[order.index("from deu_Latn")].startswith("35.0")


def test_many_languages_print_the_best_and_worst(tmp_path):
    d = tmp_path / "runs"
    langs = [f"{c}_Latn" for c in ("deu fra spa ita por nld swe pol ces ron hun fin est lav lit slk slv hrv bos srp "
                                  "dan nob isl gle cym eus cat glg ast oci mlt sqi tur aze uzb kaz kir tuk tat bak "
                                  "ind msa tgl jav sun").split()]
    write_run(d, "r", "fake@64", {x: binary(50, i + 1) for i, x in enumerate(langs)})
    text = _printed(d)
    table = text.split("### Per language")[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| code")]
    assert len(langs) == 45 and len(rows) == 2 * tables.SHOWN + 1
    assert rows[0].startswith("| sun_Latn") and rows[-1].startswith("| deu_Latn")  # best first, worst last
    assert "| …" in rows[tables.SHOWN] and "25 more" in rows[tables.SHOWN]


def test_p_values_at_the_resampling_floor_print_as_below_0001(tmp_path):
    assert tables.fmt_p(0.0006) == "< 0.001" and tables.fmt_p(1e-12) == "< 0.001"
    assert tables.fmt_p(0.0012) == "0.001" and tables.fmt_p(0.04) == "0.040" and tables.fmt_p(np.nan) == ""
    d = tmp_path / "runs"
    rng = np.random.default_rng(0)
    langs = ["deu_Latn", "fra_Latn", "zho_Hans"]
    for j, m in enumerate(("A@1", "B@1", "C@1", "D@1")):  # real-valued scores: Monte Carlo p at its floor
        write_run(d, m, m, {x: (0.2 * j + rng.uniform(0, 0.3, 300)).round(3).tolist() for x in langs},
                  task="xquad", metric="f1")
    board = build(results.frame(d), results.samples(d))["xquad"]
    assert board.pair_summary.p_holm.tolist() == pytest.approx([6 / (stats.N_RESAMPLES + 1)] * 6)  # 6 pairs x the floor 1e-4
    md = tables.markdown(board)
    assert "0.0006" not in md and md.count("< 0.001 *") == 6 + 3  # the pairs, and p vs top


@pytest.fixture
def regenerated(tmp_path):
    """A leaderboard directory as `xling regenerate --board-only` writes it."""
    d = tmp_path / "runs"
    write_run(d, "planned", "fake@64", {"deu_Latn": binary(30, 20), "zho_Hans": binary(30, 10)})
    out = tmp_path / "leaderboards"
    regenerate.regenerate(regenerate.Plan(runs_dir=d, out_dir=out, models=("fake:64",), tasks=("sib200",),
                                          board_only=True), log=lambda m: None)
    return d, out


def _snapshot(out):
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_board_never_replaces_the_regenerated_leaderboard(regenerated, tmp_path):
    d, out = regenerated
    assert (out / publish.MANIFEST).read_text().startswith("# made by: xling regenerate\n")
    before = _snapshot(out)
    other = tmp_path / "other"
    write_run(other, "x", "other@1", {"fra_Latn": binary(30, 5)})
    with pytest.raises(XlingError, match=r"leaderboards is the leaderboard `xling regenerate` wrote .*--force"):
        publish.render(results.frame(other), out_dir=out, samples=results.samples(other), command="xling board x")
    assert main(["board", str(other), "--out", str(out)]) == 2
    assert _snapshot(out) == before  # nothing written, nothing removed
    # regenerate may overwrite its own output
    regenerate.regenerate(regenerate.Plan(runs_dir=d, out_dir=out, models=("fake:64",), tasks=("sib200",),
                                          board_only=True), log=lambda m: None)
    # --force replaces it, and the directory is then `xling board`'s
    publish.publish(results.frame(other), None, None, publish.Publish(out_dir=out, force=True, site=False))
    assert publish.read_manifest(out)[0] == publish.BOARD and not (out / "index.html").exists()
    assert "fra_Latn" in (out / "sib200.csv").read_text()


def test_a_manifest_without_its_maker_counts_as_the_regenerated_board(tmp_path):
    """The committed leaderboards/ predates the maker line: `xling board` must not replace it."""
    d = tmp_path / "runs"
    write_run(d, "x", "a@1", {"fra_Latn": binary(30, 5)})
    out = tmp_path / "leaderboards"
    out.mkdir()
    (out / "sib200.md").write_text("the real board")
    (out / publish.MANIFEST).write_text("sib200.md\nindex.md\n")
    with pytest.raises(XlingError, match="xling regenerate"):
        publish.render(results.frame(d), out_dir=out, site=False)
    assert (out / "sib200.md").read_text() == "the real board"


def test_board_does_not_overwrite_files_no_render_wrote(tmp_path):
    d = tmp_path / "runs"
    write_run(d, "x", "a@1", {"fra_Latn": binary(30, 5)})
    out = tmp_path / "docs"
    out.mkdir()
    (out / "index.html").write_text("my page")
    (out / "notes.md").write_text("mine")
    with pytest.raises(XlingError, match=r"docs holds index.html that no leaderboard render wrote"):
        publish.render(results.frame(d), out_dir=out)
    assert (out / "index.html").read_text() == "my page"
    publish.render(results.frame(d), out_dir=out, site=False)  # nothing of theirs in the way: fine
    publish.render(results.frame(d), out_dir=out, site=False)  # and again: its own files
    assert (out / "notes.md").read_text() == "mine" and (out / "index.html").read_text() == "my page"


def test_published_commands_show_no_temporary_path(regenerated, tmp_path):
    d, out = regenerated
    for f in ("index.html", "task-sib200.html", "sib200.md", "lang/deu_Latn.html"):
        doc = (out / f).read_text(encoding="utf-8")
        assert str(tmp_path) not in doc and "/tmp" not in doc
    assert "Generated by <code>xling regenerate --runs runs --board-only</code>" in (out / "index.html").read_text()
    assert publish.shown_command(f"xling board {tmp_path}/a/runs --out={tmp_path}/a/lb", tmp_path / "a" / "lb") == \
        "xling board runs --out=lb"
    assert publish.shown_command("xling board /nowhere/x/runs", tmp_path / "lb") == "xling board runs"


def test_index_overview_and_family_rows(tmp_path):
    d = tmp_path / "runs"
    langs = {"deu_Latn": (80, 60), "hin_Deva": (70, 65), "amh_Ethi": (50, 55), "tir_Ethi": (40, 30)}
    for j, m in enumerate(("A@1", "B@1")):
        write_run(d, m, m, {x: binary(100, v[j], seed=j) for x, v in langs.items()})
        write_run(d, "t" + m, m, {x: binary(50, 20 + 10 * j) for x in ("deu_Latn", "zho_Hans")}, task="xnli")
    out = tmp_path / "board"
    publish.render(results.frame(d), out_dir=out, samples=results.samples(d), command="xling board runs")
    index = (out / "index.html").read_text(encoding="utf-8")
    overview = index.split('<table class="sortable overview">')[1].split("</table>")[0]
    assert overview.count("<tr>") == 3 and "sib200" in overview and "xnli" in overview  # head + A + B
    boards = build(results.frame(d), results.samples(d))
    a = boards["sib200"].summary.set_index("label").loc["A@1"]
    assert f"{100 * a.common_mean:.1f} <span class=\"ci\">[{100 * a.ci_low:.1f}, {100 * a.ci_high:.1f}]" in overview
    assert (out / "img" / "overview.png").stat().st_size > 3000
    page = (out / "task-sib200.html").read_text(encoding="utf-8")
    fam = page.split("<h3>By family")[1].split("</table>")[0]
    assert 'href="#family=Afro-Asiatic"' in fam and 'href="#family=Indo-European"' in fam
    assert f'data-v="{(0.5 + 0.4) / 2!r}">45.0' in fam  # A@1 on amh and tir
    scr = page.split("<h3>By script")[1].split("</table>")[0]
    assert "Ethiopic" in scr and 'href="#script=Deva"' in scr
