"""Leaderboards: common-subset averages, paired tests with Holm correction, ranks, escaping,
outputs; synthetic runs with known scores plus one fake-encoder run end to end."""
import csv
import html
import re

import numpy as np
import pandas as pd
import pytest
from board_helpers import binary, write_run

from xling import langinfo, publish, regenerate, results, tables
from xling.board import build
from xling.cli import main

EVIL = '<script>alert("x")</script>|evil*[l](u)'


def _pair(n, a_only, b_only, both):
    a, b = np.zeros(n), np.zeros(n)
    a[:a_only] = 1
    b[a_only:a_only + b_only] = 1
    a[a_only + b_only:a_only + b_only + both] = b[a_only + b_only:a_only + b_only + both] = 1
    return a.tolist(), b.tolist()


@pytest.fixture
def runs(tmp_path):
    """A covers deu/zho/amh; B covers deu/zho only. On deu A beats B by 60 discordant items
    (p ~ 1e-15), on zho they tie, on amh only A has scores."""
    d = tmp_path / "runs"
    a_deu, b_deu = _pair(200, 70, 10, 50)
    a_zho, b_zho = _pair(200, 5, 5, 100)
    write_run(d, "run-a", "model-a@1", {"deu_Latn": a_deu, "zho_Hans": a_zho, "amh_Ethi": binary(100, 40)})
    write_run(d, "run-b", "model-b@1", {"deu_Latn": b_deu, "zho_Hans": b_zho})
    return d


def test_common_subset_average_ranks_and_significance(runs):
    board = build(results.frame(runs), results.samples(runs))["sib200"]
    s = board.summary.set_index("label")
    assert board.common == ["deu_Latn", "zho_Hans"] and board.langs == ["amh_Ethi", "deu_Latn", "zho_Hans"]
    assert s.loc["model-a@1", "langs"] == 3 and s.loc["model-b@1", "langs"] == 2
    assert s.loc["model-a@1", "mean"] == pytest.approx((120 / 200 + 105 / 200 + 0.4) / 3)
    assert s.loc["model-a@1", "common_mean"] == pytest.approx((120 / 200 + 105 / 200) / 2)
    assert s.loc["model-b@1", "common_mean"] == pytest.approx((60 / 200 + 105 / 200) / 2)
    assert s.loc["model-a@1", "rank"] == 1 and s.loc["model-b@1", "rank"] == 2
    assert (s.loc["model-a@1", "rank_lo"], s.loc["model-a@1", "rank_hi"]) == (1, 1)
    assert s.loc["model-a@1", "ci_low"] < s.loc["model-a@1", "common_mean"] < s.loc["model-a@1", "ci_high"]
    assert s.loc["model-a@1", "majority_baseline"] == pytest.approx(0.25)
    p = board.pairs.set_index("test_lang")
    assert p.loc["deu_Latn", "exact"] and p.loc["deu_Latn", "significant"]
    assert p.loc["deu_Latn", "p"] == pytest.approx(3.1612905e-12, rel=1e-6)  # binomtest(70, 80): exact McNemar
    assert p.loc["zho_Hans", "p"] == 1.0 and not p.loc["zho_Hans", "significant"]
    assert p.loc["deu_Latn", "p_holm"] == pytest.approx(2 * p.loc["deu_Latn", "p"])  # Holm over 2 languages
    cells = board.cells.set_index(["test_lang", "system"])
    assert cells.loc[("deu_Latn", "model-b@1"), "below_best"]
    assert not cells.loc[("zho_Hans", "model-b@1"), "below_best"]
    assert cells.loc[("deu_Latn", "model-a@1"), "best"] and not cells.loc[("amh_Ethi", "model-a@1"), "best"]
    ps = board.pair_summary.iloc[0]
    assert (ps.a_better, ps.b_better, ps.not_significant, ps.tested) == (1, 0, 1, 2) and ps.p_holm < 0.01
    # Markdown: the common average is labelled with its size, the weaker cell marked
    md = tables.markdown(board)
    assert "mean over 2 common langs" in md and "mean over its own langs" in md
    deu = next(line for line in md.splitlines() if line.startswith("| deu_Latn"))
    assert "**60.0**" in deu and "30.0 ▼" in deu


def test_holm_correction_removes_marginal_differences(tmp_path):
    """Three languages, each raw p = 0.039 (10 vs 2 discordant items): significant alone,
    not after Holm across the three languages."""
    d = tmp_path / "runs"
    a, b = _pair(100, 10, 2, 40)
    langs = ["deu_Latn", "fra_Latn", "spa_Latn"]
    write_run(d, "a", "A@1", dict.fromkeys(langs, a))
    write_run(d, "b", "B@1", dict.fromkeys(langs, b))
    board = build(results.frame(d), results.samples(d))["sib200"]
    assert (board.pairs.p.round(4) == 0.0386).all() and (board.pairs.p < 0.05).all()
    assert (board.pairs.p_holm.round(4) == 0.1157).all() and not board.pairs.significant.any()
    assert not board.cells.below_best.any()
    table = tables.markdown(board).split("### Per language")[1]
    assert "▼" not in table and table.count("**50.0** | 42.0 ") == 3
    # pooled over the three languages the difference is clear: the overall test says so
    assert board.pair_summary.p_holm.iloc[0] < 0.01


def test_different_items_are_not_compared(tmp_path):
    d = tmp_path / "runs"
    write_run(d, "a", "A@1", {"deu_Latn": binary(100, 90)})
    write_run(d, "b", "B@1", {"deu_Latn": binary(50, 10)})  # a --limit 50 run
    board = build(results.frame(d), results.samples(d))["sib200"]
    assert not board.pairs.comparable.any() and not board.cells.below_best.any()
    assert any("different items" in n for n in board.notes)


def test_duplicate_cells_keep_the_run_on_most_items(tmp_path):
    d = tmp_path / "runs"
    write_run(d, "full", "A@1", {"deu_Latn": binary(200, 100)})
    write_run(d, "limited", "A@1", {"deu_Latn": binary(20, 20)})
    board = build(results.frame(d), results.samples(d))["sib200"]
    assert len(board.cells) == 1 and board.cells.value.iloc[0] == 0.5 and board.cells.n.iloc[0] == 200
    assert any("more than once" in n for n in board.notes)


def test_without_samples_there_are_cis_but_no_tests(runs):
    board = build(results.frame(runs))["sib200"]
    assert not board.tested and board.summary.ci_low.isna().all() and not board.cells.below_best.any()
    assert "no significance tests" in tables.markdown(board)


def test_samples_frame(runs):
    s = results.samples(runs)
    assert list(s.columns) == list(results.SAMPLE_COLUMNS) and len(s) == 200 + 200 + 100 + 200 + 200
    g = s[(s.run_id == "run-a") & (s.test_lang == "deu_Latn")]
    assert set(g.train_lang) == {"eng_Latn"} and g.score.mean() == pytest.approx(0.6)
    assert set(g.model) == {"model-a@1"} and set(g.task) == {"sib200"}


def test_bad_sample_line_names_the_file(runs):
    f = runs / "run-a" / "samples" / "eng_Latn__deu_Latn.jsonl"
    f.write_text('{"id": "1", "score": "high"}\n', encoding="utf-8")
    from xling.errors import XlingError

    with pytest.raises(XlingError, match=r"eng_Latn__deu_Latn.jsonl:1"):
        results.samples(runs)


def test_markdown_escapes_model_names(tmp_path):
    d = tmp_path / "runs"
    write_run(d, "evil", EVIL, {"deu_Latn": binary(50, 20)})
    write_run(d, "good", "good@1", {"deu_Latn": binary(50, 30)})
    out = tmp_path / "board"
    text = publish.render(results.frame(d), out_dir=out, samples=results.samples(d), site=False)
    md = (out / "sib200.md").read_text(encoding="utf-8")
    for doc in (text, md):
        assert "<script" not in doc and "&lt;script&gt;" in doc
        assert "\\|evil\\*\\[l\\](u)" in doc  # no table break, no emphasis, no link
        # every table row keeps its column count: the '|' in the name did not split a cell
        for block in re.findall(r"((?:^\|.*\n)+)", doc, flags=re.M):
            counts = {len(re.findall(r"(?<!\\)\|", line)) for line in block.splitlines()}
            assert len(counts) == 1, block


def test_html_escapes_model_names(tmp_path):
    d = tmp_path / "runs"
    write_run(d, "evil", EVIL, {"deu_Latn": binary(50, 20)})
    out = tmp_path / "board"
    publish.render(results.frame(d), out_dir=out, samples=results.samples(d), command=f"xling board {EVIL}")
    for page in [out / "index.html", out / "task-sib200.html", out / "lang" / "deu_Latn.html"]:
        doc = page.read_text(encoding="utf-8")
        assert doc.count("<script") == 1 and "alert(" not in doc.split("<script>")[1].split("</script>")[0]
        assert html.escape(EVIL, quote=True) in doc


def test_cli_board_end_to_end_with_fake_encoders(mini_mirror, tmp_path):
    from xling.models.fake import FakeEncoder
    from xling.api import evaluate

    d = tmp_path / "runs"
    for dim in (64, 16):
        evaluate("sib200", model=FakeEncoder(dim), langs="eng_Latn,deu_Latn,zho_Hans", setting="zero_shot",
                 train_langs="eng_Latn", data_dir=mini_mirror, out_dir=d, progress=False)
        evaluate("tatoeba", model=FakeEncoder(dim), langs="deu,cmn", data_dir=mini_mirror, out_dir=d,
                 progress=False, limit=150)
    out = tmp_path / "board"
    assert main(["board", str(d), "--out", str(out)]) == 0
    rows = results.frame(d)
    for task, metric in (("sib200", "acc"), ("tatoeba", "acc_xx2en")):
        with open(out / f"{task}.csv", encoding="utf-8") as f:
            got = {(r["system"], r["test_lang"]): float(r["value"]) for r in csv.DictReader(f)}
        want = rows[(rows.task == task) & (rows.metric == metric)]
        assert len(got) == len(want) == (6 if task == "sib200" else 4)
        for r in want.itertuples():
            assert got[(r.model, r.test_lang)] == pytest.approx(r.value)
        pairs = pd.read_csv(out / f"{task}-pairs.csv")
        assert len(pairs) == (3 if task == "sib200" else 2) and pairs.comparable.all()
    for f in ("index.html", "languages.html", "task-sib200.html", "task-tatoeba.html", "lang/zho_Hans.html",
              "img/sib200-heatmap.png", "img/tatoeba-summary.png", "index.md", "sib200.md"):
        assert (out / f).stat().st_size > 200, f
    assert "generated by: xling board" in (out / "sib200.md").read_text(encoding="utf-8")
    # `xling run` prints the summary without writing or testing anything
    text = publish.render(rows, out_dir=None)
    assert "## sib200" in text and "## tatoeba" in text


def test_language_info():
    assert langinfo.family("amh_Ethi") == "Afro-Asiatic" and langinfo.family("zho_Hans") == "Sino-Tibetan"
    assert langinfo.family("nob_Latn") == "Indo-European"  # through its macrolanguage (nor)
    assert langinfo.family("eus_Latn") == "Isolate" and langinfo.family("qqq_Latn") == langinfo.UNKNOWN
    assert langinfo.script_name("zho_Hans") == "Han (Simplified)" and langinfo.script_name("amh_Ethi") == "Ethiopic"
    assert langinfo.autonym("amh_Ethi") == "አማርኛ" and langinfo.autonym("eng_Latn") == ""
    assert langinfo.autonym("taq_Tfng") == ""  # CLDR has no Tifinagh autonym: nothing rather than a wrong one


def test_plots_have_a_glyph_for_every_script(tmp_path, recwarn):
    """Language labels in many scripts render without 'Glyph missing' warnings (the
    warning matplotlib gives when it would draw an empty box)."""
    from xling import plots

    if "Noto Sans Ethiopic" not in plots.font_families():
        pytest.skip("Noto fonts are not installed (apt-get install fonts-noto-core fonts-noto-cjk; .ci/run does)")
    d = tmp_path / "runs"
    langs = ["amh_Ethi", "zho_Hans", "yue_Hant", "jpn_Jpan", "hin_Deva", "ara_Arab", "bod_Tibt", "nqo_Nkoo",
             "sat_Olck", "kor_Hang", "tha_Thai", "kat_Geor", "sin_Sinh", "mya_Mymr", "khm_Khmr", "heb_Hebr"]
    write_run(d, "a", "A@1", {x: binary(20, 10) for x in langs})
    board = build(results.frame(d), results.samples(d))["sib200"]
    assert all(langinfo.autonym(x) for x in langs)
    plots.heatmap(board, tmp_path / "h.png")
    missing = [str(w.message) for w in recwarn if "missing from" in str(w.message)]
    assert not missing, missing[:3]
    assert (tmp_path / "h.png").stat().st_size > 5000


def test_plot_glyph_check_fails_without_the_noto_fonts(tmp_path, recwarn, monkeypatch):
    """Negative control for the test above: with DejaVu Sans alone, Ethiopic and Han labels
    draw empty boxes and matplotlib warns."""
    from xling import plots

    monkeypatch.setattr(plots, "font_families", lambda: ("DejaVu Sans",))
    d = tmp_path / "runs"
    write_run(d, "a", "A@1", {"amh_Ethi": binary(20, 10), "zho_Hans": binary(20, 5)})
    plots.heatmap(build(results.frame(d))["sib200"], tmp_path / "h.png")
    missing = " ".join(str(w.message) for w in recwarn if "missing from" in str(w.message))
    assert "ETHIOPIC" in missing and "CJK" in missing


def test_regenerate_board_only_boards_exactly_the_planned_runs(tmp_path):
    import json

    d = tmp_path / "runs"
    write_run(d, "planned", "fake@64", {"deu_Latn": binary(30, 20), "zho_Hans": binary(30, 10)})
    limited = write_run(d, "limited", "fake@64", {"fra_Latn": binary(5, 5)})
    cfg = json.loads((limited / "config.json").read_text())
    (limited / "config.json").write_text(json.dumps(dict(cfg, limit=5)))  # a --limit run: not the real board
    write_run(d, "in-language", "fake@64", {"spa_Latn": binary(5, 5)}, setting="in_language", train="spa_Latn")
    out, log = tmp_path / "board", []
    got = regenerate.regenerate(regenerate.Plan(runs_dir=d, out_dir=out, models=("fake:64",),
                                                tasks=("sib200", "tatoeba"), board_only=True), log=log.append)
    assert [p.name for p in got] == ["planned"]
    assert "fake:64 x sib200: --setting zero_shot --train-lang eng_Latn --lang all" in log
    table = pd.read_csv(out / "sib200.csv")
    assert sorted(table.test_lang) == ["deu_Latn", "zho_Hans"]
    assert "xling regenerate" in (out / "sib200.md").read_text(encoding="utf-8")


def test_real_plan_per_task():
    from xling import plugins

    assert regenerate.real_plan(plugins.get_task("sib200")) == [("zero_shot", "eng_Latn")]
    assert regenerate.real_plan(plugins.get_task("tatoeba")) == [("bitext", None)]
    assert regenerate.real_plan(plugins.get_task("americasnli")) == [("in_language", None)]  # no English in AmericasNLI
    assert regenerate.real_plan(plugins.get_task("lareqa")) == [("monolingual", None), ("multilingual_pool", None)]
    assert regenerate.real_plan(plugins.get_task("miracl")) == [("monolingual", None)]


def test_all_languages_pool_cells_are_boarded_by_query_language(tmp_path):
    """LAReQA's multilingual pool: test_lang is the pool (mul_Zyyy), query_lang the language."""
    import pandas as pd

    from xling import publish
    from xling.board import build
    from xling.rundir import COLUMNS
    from xling.task import ALL_LANGS_POOL

    rows = []
    for lang, value in (("eng_Latn", 0.44), ("deu_Latn", 0.36)):
        row = dict.fromkeys(COLUMNS, "")
        row.update(model="m@1", task="lareqa", task_version="1", setting="multilingual_pool", test_lang=ALL_LANGS_POOL,
                   query_lang=lang, split="test", metric="map", value=value, n=1190, ci_low=value - 0.01,
                   ci_high=value + 0.01, seed=0, signature="s", run_id="r")
        rows.append(row)
    text = publish.render(pd.DataFrame(rows), out_dir=tmp_path, command="test")
    assert "mean over 2 common langs" in text and "40.0" in text
    table = (tmp_path / "lareqa.md").read_text(encoding="utf-8")
    assert "eng_Latn" in table and "44.0" in table and "deu_Latn" in table
    # next to monolingual cells, the pool gets a board of its own: never ranked against them
    mono = [dict(r, setting="monolingual", test_lang=r["query_lang"], value=r["value"] + 0.4, run_id="m") for r in rows]
    boards = build(pd.DataFrame(rows + mono))
    assert sorted(boards) == ["lareqa.monolingual", "lareqa.multilingual_pool"]
    assert boards["lareqa.multilingual_pool"].cells.set_index("test_lang").value.round(2).to_dict() == \
        {"eng_Latn": 0.44, "deu_Latn": 0.36}
    assert sorted(boards["lareqa.monolingual"].cells.value.round(2)) == [0.76, 0.84]
    assert [s.label for s in boards["lareqa.monolingual"].systems] == ["m@1"]
    publish.render(pd.DataFrame(rows + mono), out_dir=tmp_path / "both", command="test")
    assert (tmp_path / "both" / "lareqa.multilingual_pool.md").is_file()
    assert (tmp_path / "both" / "task-lareqa.monolingual.html").is_file()


def test_in_language_cells_form_one_system(tmp_path):
    import pandas as pd

    from xling import publish
    from xling.board import build
    from xling.rundir import COLUMNS

    rows = []
    for lang, value in (("aym_Latn", 0.5), ("quy_Latn", 0.4)):
        row = dict.fromkeys(COLUMNS, "")
        row.update(model="m@1", task="americasnli", task_version="1", setting="in_language", train_lang=lang,
                   test_lang=lang, split="test", metric="acc", value=value, n=750, ci_low=value - 0.02,
                   ci_high=value + 0.02, seed=0, signature="s", run_id="r")
        rows.append(row)
    text = publish.render(pd.DataFrame(rows), out_dir=tmp_path, command="test")
    assert "mean over 2 common langs" in text and "45.0" in text and "from aym_Latn" not in text


def test_a_new_render_removes_what_the_last_one_wrote_and_this_one_did_not(tmp_path):
    import pandas as pd

    from xling.rundir import COLUMNS

    def rows(task, metric, langs):
        out = []
        for lang in langs:
            row = dict.fromkeys(COLUMNS, "")
            row.update(model="m@1", task=task, task_version="1", setting="zero_shot", train_lang="eng_Latn",
                       test_lang=lang, split="test", metric=metric, value=0.5, n=10, ci_low=0.4, ci_high=0.6,
                       seed=0, signature="s", run_id="r")
            out.append(row)
        return out

    mine = tmp_path / "notes.md"
    mine.write_text("kept")
    publish.render(pd.DataFrame(rows("sib200", "acc", ["deu_Latn", "amh_Ethi"]) +
                                    rows("tatoeba", "acc_xx2en", ["deu_Latn"])), out_dir=tmp_path, command="t")
    assert (tmp_path / "tatoeba.md").is_file() and (tmp_path / "lang" / "amh_Ethi.html").is_file()
    assert "tatoeba.md" in (tmp_path / ".generated").read_text().split()
    publish.render(pd.DataFrame(rows("sib200", "acc", ["deu_Latn"])), out_dir=tmp_path, command="t")
    gone = ["tatoeba.md", "tatoeba.csv", "task-tatoeba.html", "img/tatoeba-heatmap.png", "lang/amh_Ethi.html"]
    assert not any((tmp_path / g).exists() for g in gone)
    assert (tmp_path / "sib200.md").is_file() and (tmp_path / "lang" / "deu_Latn.html").is_file()
    assert mine.read_text() == "kept"  # not written by a render: never removed


def test_one_family_source_for_boards_and_typology():
    """langinfo's Glottolog lineages are what typology's family and same_family read; boards
    show an isolate as 'Isolate', typology keeps each isolate apart."""
    from xling import typology

    assert typology._families(None, "plus") is langinfo.lineages("plus")
    assert typology._families(None, "original") is langinfo.lineages("original")
    assert typology.candidates("ara_Arab") == langinfo.candidates("ara_Arab")
    table = langinfo.lineages("original")
    assert table["eus"] == ("Basque (isolate)", True) and langinfo.family("eus_Latn") == langinfo.ISOLATE
    assert table["nqo"] == ("Mande", False) == (langinfo.family("nqo_Nkoo"), False)  # the correction reaches both
    for code in ("amh_Ethi", "deu_Latn", "yor_Latn", "fin_Latn", "aym_Latn"):
        assert langinfo.family(code) == table[code.split("_")[0]][0]
    assert langinfo.family("yor_Latn") == "Atlantic-Congo" and langinfo.family("aym_Latn") == "Aymaran"


def test_transfer_heatmap_family_names_clear_the_colour_bar(monkeypatch, tmp_path):
    """xling analyze's heatmap: the family names of the target bands do not overlap the colour bar."""
    import types

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from xling import analysis

    tgts = ["deu_Latn", "hin_Deva", "amh_Ethi", "hau_Latn", "yor_Latn", "swh_Latn", "ind_Latn", "eus_Latn", "tam_Taml",
            "jpn_Jpan", "mya_Mymr", "tha_Thai", "tur_Latn", "fin_Latn"]
    srcs = ["eng_Latn", "zho_Hans"]
    rng = np.random.default_rng(0)
    data = pd.DataFrame([{"src": s, "tgt": t, "y": rng.uniform()} for s in srcs for t in tgts])
    table = langinfo.lineages("original")
    fams = {x: next(table[c][0] for c, _ in langinfo.candidates(x) if c in table) for x in tgts + srcs}
    typ = types.SimpleNamespace(langs=pd.DataFrame({"lang": list(fams), "family": list(fams.values())}))
    figs = []
    monkeypatch.setattr(analysis, "_write_png", lambda fig, path: figs.append(fig))
    analysis.plot_heatmap(data, typ, tmp_path / "h.png", "acc")
    fig = figs[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    main, bar = fig.axes[0], fig.axes[-1]
    labels = [t for t in main.texts] + [t for a in main.child_axes for t in a.get_yticklabels()]
    shown = [t for t in labels if t.get_text().strip() in set(fams.values())]
    assert {t.get_text().strip() for t in shown} >= {"Afro-Asiatic", "Atlantic-Congo", "Basque (isolate)", "Indo-European"}
    box = bar.get_window_extent(renderer)
    hits = [t.get_text() for t in shown if t.get_window_extent(renderer).overlaps(box)]
    assert not hits, hits


def test_plots_go_through_the_one_atomic_writer(tmp_path, monkeypatch):
    from xling import io, plots

    d = tmp_path / "runs"
    write_run(d, "a", "A@1", {"deu_Latn": binary(20, 10), "zho_Hans": binary(20, 5)})
    board = build(results.frame(d), results.samples(d))["sib200"]
    calls = []
    real = io.write_atomic
    monkeypatch.setattr(io, "write_atomic", lambda path, data: calls.append(path) or real(path, data))
    plots.heatmap(board, tmp_path / "img" / "h.png")
    plots.summary_plot(board, tmp_path / "img" / "s.png")
    assert calls == [tmp_path / "img" / "h.png", tmp_path / "img" / "s.png"]
    assert sorted(p.name for p in (tmp_path / "img").iterdir()) == ["h.png", "s.png"]  # no temporary left
    assert (tmp_path / "img" / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
