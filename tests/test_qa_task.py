"""XQuAD as a task: both data doors, the settings (in_language, zero_shot with a recorded
fine-tuning language, G-XLT's 144 question x context pairs), and answer-language fidelity."""
import json

import pytest

from xling import gxlt, results, solve
from xling.data import Hub, Local
from xling.errors import DataError, XlingError
from xling.metrics import fidelity
from xling.api import evaluate
from tests.helpers import FakeHub
from xling.tasks import xquad

TASK = xquad.TASK


def test_hub_mapping():
    rows = [{"id": "q1", "context": "Berlin ist die Hauptstadt.", "question": "Was ist die Hauptstadt?",
             "answers": {"text": ["Berlin"], "answer_start": [0]}}]
    fake = FakeHub(rows)
    ex = TASK.load("deu_Latn", "test", Hub(load_dataset=fake))
    assert fake.calls == [("google/xquad", "xquad.de", "validation", TASK.hub_revision)]
    assert (ex[0].id, ex[0].text, ex[0].text_pair, ex[0].answers) == (
        "q1", "Was ist die Hauptstadt?", "Berlin ist die Hauptstadt.", (("Berlin", 0),))
    TASK.load("zho_Hans", "test", Hub(load_dataset=fake))
    TASK.load("ron_Latn", "test", Hub(load_dataset=fake))
    assert [c[1] for c in fake.calls[1:]] == ["xquad.zh", "xquad.ro"]
    bad = FakeHub([dict(rows[0], answers={"text": ["Paris"], "answer_start": [0]})])
    with pytest.raises(XlingError, match=r"google/xquad deu_Latn row 0: answer 'Paris' is not at character 0"):
        TASK.load("deu_Latn", "test", Hub(load_dataset=bad))


def test_local_mirror_all_12_languages_parallel(data_dir):
    assert len(TASK.langs) == 12 and "ron_Latn" in TASK.langs and TASK.langs[0] == "ara_Arab"
    src = Local(data_dir)
    ids = None
    for lang in TASK.langs:
        ex = TASK.load(lang, "test", src)
        assert len(ex) == 1190 and all(len(e.answers) == 1 for e in ex)
        for e in ex:
            (text, start), = e.answers
            assert e.text_pair[start:start + len(text)] == text
        ids = ids or [e.id for e in ex]
        assert [e.id for e in ex] == ids  # parallel: same ids, same order
    en = TASK.load("eng_Latn", "test", src)[0]
    assert (en.id, en.text, en.answers) == ("56beb4343aeaaa14008c925b",
                                            "How many points did the Panthers defense surrender?", (("308", 34),))
    th = TASK.load("tha_Thai", "test", src)[0]
    assert th.text_pair.startswith("\ufeff") and th.answers == (("308", 33),)  # the BOM is part of the context


def test_local_errors_name_the_file(tmp_path):
    d = tmp_path / "xquad"
    d.mkdir()
    (d / "xquad.de.json").write_text('{"version": "1.1",\n "data": [\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"xquad\.de\.json:3: not valid JSON"):
        TASK.load("deu_Latn", "test", Local(tmp_path))
    doc = {"data": [{"paragraphs": [{"context": "abc", "qas": [{"id": "x", "question": "q",
                                                                 "answers": [{"text": "zz", "answer_start": 0}]}]}]}]}
    (d / "xquad.de.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(XlingError, match=r"xquad\.de\.json: question x: answer 'zz' is not at character 0"):
        TASK.load("deu_Latn", "test", Local(tmp_path))


def test_settings_plan():
    langs = list(TASK.langs)
    cells = solve.plan(TASK, "in_language", langs, [])
    assert cells == [solve.Cell("", lang) for lang in langs]
    cells = solve.plan(TASK, "zero_shot", langs, ["eng_Latn"])
    assert {c.train_lang for c in cells} == {"eng_Latn"} and len(cells) == 12
    cells = solve.plan(TASK, "gxlt", langs, [])
    assert len(cells) == 144 and len({(c.query_lang, c.test_lang) for c in cells}) == 144
    assert solve.plan(TASK, "gxlt", langs[:2], ["eng_Latn"])[1] == solve.Cell("eng_Latn", langs[1], langs[0])
    with pytest.raises(XlingError, match="needs --train-lang"):
        solve.plan(TASK, "zero_shot", langs, [])
    with pytest.raises(XlingError, match="use --setting zero_shot --train-lang"):
        solve.plan(TASK, "in_language", langs, ["eng_Latn"])
    with pytest.raises(XlingError, match="does not apply to task 'xquad'"):
        solve.plan(TASK, "bitext", langs, [])


class Echo:
    """A fake SpanExtractor: answers with the context's first word, records its inputs."""

    name = "echo@1"

    def __init__(self):
        self.seen = []

    def extract(self, questions, contexts):
        self.seen += list(zip(questions, contexts))
        return [(c.lstrip("\ufeff").split()[0], c.index(c.lstrip("\ufeff").split()[0])) for c in contexts]


def test_gxlt_run_gives_the_12_by_12_table(data_dir, tmp_path):
    model = Echo()
    rep = evaluate("xquad", langs="all", setting="gxlt", limit=2, data_dir=data_dir, out_dir=tmp_path / "runs",
                   model=model, progress=False)
    df = results.frame(rep.run_dir)
    assert rep.cells_done == 144 and len(df) == 144 * 4 and set(df.n) == {2}  # em, f1, em_squad, f1_squad
    assert set(zip(df.query_lang, df.test_lang)) == {(q, c) for q in TASK.langs for c in TASK.langs}
    m = gxlt.matrix(df)
    assert m.shape == (12, 12) and not m.isna().any().any()
    assert list(m.index) == list(m.columns) == sorted(TASK.langs)
    # the question comes from the query language, the context from the test language
    src = Local(data_dir)
    zh_q = TASK.load("zho_Hans", "test", src)[0].text
    de_c = TASK.load("deu_Latn", "test", src)[0].text_pair
    assert (zh_q, de_c) in model.seen
    assert "G-XLT xquad echo@1" in gxlt.report(df) and "12 x 12" in gxlt.report(df)
    # 288 distinct question/context pairs were extracted once; a rerun resumes all 144 cells
    again = evaluate("xquad", langs="all", setting="gxlt", limit=2, data_dir=data_dir, out_dir=tmp_path / "runs",
                     model=model, progress=False)
    assert again.cells_skipped == 144 and again.cells_done == 0 and model.model_calls == 288


def test_answer_language_fidelity():
    cands = TASK.langs
    got = fidelity.detect(["Die Hauptstadt von Deutschland", "1887", "北京大学的图书馆", "กรุงเทพมหานคร",
                           "the capital of the country", "Столица России"], cands)
    assert got == ["de", None, "zh", "th", "en", "ru"]
    assert fidelity.judged(["Die Hauptstadt", "1887", "the capital of the country"], "deu_Latn", cands) == [1.0, 0.0]
    assert fidelity.langid_code("zho_Hans") == "zh" and fidelity.langid_code("ron_Latn") == "ro"
