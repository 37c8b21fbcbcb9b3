"""Translation through the prompted adapter and the OpenAI-compatible HTTP backend, against a
local server that "translates" by a lookup table the test controls, so every expected
chrF++ is computed here independently (sacrebleu on the outputs the table implies): xx2en
over all of FLORES-200's languages with some answered in French on purpose (off-target),
pairs on 5 x 5 languages (table and leaderboard), reruns with zero model calls."""
import numpy as np
import pandas as pd
import pytest
from sacrebleu.metrics import CHRF

from xling import board, mttable, results
from xling.api import evaluate
from xling.data import Local
from xling.errors import XlingError
from xling.metrics import offtarget
from xling.plugins import get_task, load_model
from tests.conftest import need_data
from tests.mt_helpers import FakeMT, damage, key, serve

LIMIT = 20
WRONG = ("deu_Latn", "tha_Thai", "swa_Latn", "jpn_Jpan")  # answered in French on purpose
SOURCES = ("eng_Latn", "fra_Latn", "deu_Latn", "zho_Hans", "jpn_Jpan")
TARGETS = ("swa_Latn", "hin_Deva", "ara_Arab", "rus_Cyrl", "tha_Thai")


def sentences(lang: str) -> dict[str, str]:
    """id -> sentence of the first LIMIT items of a FLORES language (the run's item order)."""
    ex = get_task("flores").load(lang, "test", Local(need_data()))
    return {e.id: e.text for e in ex}


def plan(directions, wrong=(), extra_damage=0):
    """(lookup table, expected outputs per direction) for (src, tgt) directions: the target's
    sentence, damaged on every third item (more where ``extra_damage``), or the French one
    for sources in ``wrong``."""
    table, expected = {}, {}
    cache = {}
    for src, tgt in directions:
        s = cache.setdefault(src, sentences(src))
        t = cache.setdefault(tgt, sentences(tgt))
        fr = cache.setdefault("fra_Latn", sentences("fra_Latn"))
        ids = list(t)[:LIMIT]
        every = 7 + 2 * SOURCES.index(src) if src in SOURCES else 6  # each source language its own quality
        outs = [fr[i] if src in wrong else damage(t[i], k, every) if not extra_damage else
                damage(damage(t[i], k, every), k + extra_damage, every) for k, i in enumerate(ids)]
        table.update({key(src, tgt, s[i]): o for i, o in zip(ids, outs)})
        expected[(src, tgt)] = (outs, [t[i] for i in ids])
    return table, expected


def run(base_url, tmp_path, model="mt-a", **kw):
    lm = load_model(f"openai:{model}", base_url=base_url, concurrency=4, progress=False)
    return evaluate("flores", lm, data_dir=need_data(), out_dir=tmp_path / "runs", limit=LIMIT, progress=False, **kw)


def test_xx2en_every_flores_language_through_the_server(tmp_path):
    task = get_task("flores")
    directions = [(lang, "eng_Latn") for lang in task.langs if lang != "eng_Latn"]
    table, expected = plan(directions, wrong=WRONG)
    fake = FakeMT(table)
    with serve(fake) as url:
        report = run(url, tmp_path, setting="xx2en")
        asked = fake.requests
        again = run(url, tmp_path / "again", setting="xx2en")
    df = report.frame()
    main = df[df.metric == "chrf++"].set_index("query_lang")
    assert len(main) == 204 and set(main.test_lang) == {"eng_Latn"}  # every language but English itself
    assert report.model_calls == asked == 204 * LIMIT and again.model_calls == 0 and fake.requests == asked
    for (src, _), (outs, refs) in expected.items():
        assert abs(main.loc[src, "value"] - CHRF(word_order=2).corpus_score(outs, [refs]).score) < 1e-9
    off = df[df.metric == "off_target"].set_index("query_lang").value
    assert (off[list(WRONG)] >= 0.9).all() and (off.drop(list(WRONG)) <= 0.1).all()
    outs, refs = expected[("deu_Latn", "eng_Latn")]
    assert off["deu_Latn"] == np.mean(offtarget.flags(outs, "eng_Latn", offtarget.choose(refs, "eng_Latn")[0]))
    pd.testing.assert_frame_equal(df.drop(columns="run_id"), again.frame().drop(columns="run_id"))


def test_en2xx_off_target_unidentifiable_targets_have_no_value(tmp_path):
    langs = ("deu_Latn", "fon_Latn", "arz_Arab")
    table, expected = plan([("eng_Latn", t) for t in langs])
    with serve(FakeMT(table)) as url:
        df = run(url, tmp_path, setting="en2xx", langs=list(langs)).frame()
    off = df[df.metric == "off_target"].set_index("test_lang")
    outs, refs = expected[("eng_Latn", "deu_Latn")]
    ident = offtarget.choose(refs, "deu_Latn")[0]
    assert off.loc["deu_Latn", "value"] == np.mean(offtarget.flags(outs, "deu_Latn", ident)) <= 0.1
    assert off.loc["deu_Latn", "n"] == LIMIT
    assert off.loc[["fon_Latn", "arz_Arab"], "value"].isna().all() and (off.loc[["fon_Latn", "arz_Arab"], "n"] == 0).all()
    sig = df[df.metric == "bleu"].signature.iloc[0]
    assert "prompt:mt-v1-" in sig and "bleu=nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0" in sig


def test_pairs_five_by_five_table_and_board(tmp_path, capsys):
    directions = [(s, t) for s in SOURCES for t in TARGETS]
    table_a, expected_a = plan(directions)
    table_b, expected_b = plan(directions, extra_damage=1)
    with serve(FakeMT(table_a)) as url_a, serve(FakeMT(table_b)) as url_b:
        a = run(url_a, tmp_path, "mt-a", setting="pairs", langs=list(TARGETS), options={"src_langs": list(SOURCES)})
        b = run(url_b, tmp_path, "mt-b", setting="pairs", langs=list(TARGETS), options={"src_langs": ",".join(SOURCES)})
    df = results.frame(tmp_path / "runs")
    m = mttable.matrix(df[df.model == "openai:mt-a@latest"])
    assert m.shape == (5, 5) and m.notna().all().all()
    for (s, t), (outs, refs) in expected_a.items():
        assert abs(m.loc[s, t] - CHRF(word_order=2).corpus_score(outs, [refs]).score) < 1e-9
    text = mttable.report(df)
    print(text)
    assert "5 x 5, 25 directions" in text and text.count("## flores") == 2
    samples = results.samples(tmp_path / "runs")
    boards = board.build(df, samples, results.task_info(tmp_path / "runs"))
    bd = boards["flores"]
    assert len(bd.langs) == 25 and "eng_Latn-swa_Latn" in bd.langs and len(bd.systems) == 2
    assert bd.tested and len(bd.pairs) == 25
    assert a.model_calls == b.model_calls == 25 * LIMIT


def test_pairs_needs_sources_and_tatoeba_has_no_pairs(tmp_path):
    with serve(FakeMT({})) as url:
        with pytest.raises(XlingError, match="--setting pairs needs --src-lang"):
            run(url, tmp_path, setting="pairs", langs=["deu_Latn"])
        with pytest.raises(XlingError, match="--src-lang lat_Latn is not a language of task 'flores'"):
            run(url, tmp_path, setting="pairs", langs=["deu_Latn"], options={"src_langs": ["fon_Latn", "lat"]})
        with pytest.raises(XlingError, match="no language pair to translate"):
            run(url, tmp_path, setting="xx2en", langs=["eng_Latn"])
        lm = load_model("openai:mt", base_url=url, progress=False)
        with pytest.raises(XlingError, match="does not apply to task 'tatoeba_mt'"):
            evaluate("tatoeba_mt", lm, setting="pairs", data_dir=need_data(), out_dir=tmp_path, progress=False)


def test_pairs_board_renders_as_markdown(tmp_path):
    from xling import tables

    directions = [(s, t) for s in SOURCES[:2] for t in TARGETS[:2]]
    table_a, _ = plan(directions)
    table_b, _ = plan(directions, extra_damage=1)
    with serve(FakeMT(table_a)) as url_a, serve(FakeMT(table_b)) as url_b:
        run(url_a, tmp_path, "mt-a", setting="pairs", langs=list(TARGETS[:2]), options={"src_langs": list(SOURCES[:2])})
        run(url_b, tmp_path, "mt-b", setting="pairs", langs=list(TARGETS[:2]), options={"src_langs": list(SOURCES[:2])})
    df, samples = results.frame(tmp_path / "runs"), results.samples(tmp_path / "runs")
    bd = board.build(df, samples, results.task_info(tmp_path / "runs"))["flores"]
    summary = tables.summary_table(bd)
    langs = tables.language_table(bd, md=True)
    assert len(summary) == 2 and len(langs) == 4 and "eng_Latn-swa_Latn" in " ".join(map(str, langs.iloc[:, 0]))
    assert bd.summary.sort_values("rank").label.iloc[0] == "openai:mt-a@latest"  # less damage ranks first
