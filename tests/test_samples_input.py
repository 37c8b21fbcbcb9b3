"""samples/ keep each item's input beside its gold and prediction (issue 16, item 7), for every
solver, and ``results.samples()`` gives all three back; result rows do not change."""
import json

import pytest

from xling import results
from xling.api import evaluate
from xling.core import INPUT_CHARS
from xling.rundir import COLUMNS
from tests.conftest import need_data


def _samples(report):
    s = report.samples()
    assert {"gold", "pred", "input"} <= set(s.columns) and len(s)
    return s


def _texts(task, lang, split, n, data):
    from xling.data import Local
    from xling.plugins import get_task

    return get_task(task).load(lang, split, Local(data))[:n]


def test_classify_keeps_the_text(tmp_path):
    data = need_data()
    r = evaluate("sib200", "fake", langs="deu_Latn", setting="in_language", limit=5, data_dir=data,
                 out_dir=tmp_path, progress=False)
    s = _samples(r)
    ex = _texts("sib200", "deu_Latn", "test", 5, data)
    assert list(s.input) == [e.text for e in ex] and list(s.gold) == [e.label for e in ex]
    assert s.pred.isin(["science/technology", "travel", "politics", "sports", "health", "entertainment",
                        "geography"]).all()
    for row in r.rows:  # results rows carry no input and no column beyond the documented ones
        assert set(row) == set(COLUMNS)


def test_pair_keeps_premise_and_hypothesis(tmp_path):
    data = need_data()
    r = evaluate("americasnli", "fake", langs="grn_Latn", setting="in_language", limit=3, data_dir=data,
                 out_dir=tmp_path, progress=False)
    ex = _texts("americasnli", "grn_Latn", "test", 3, data)
    got = [json.loads(x) for x in _samples(r).input]
    assert got == [{"premise": e.text, "hypothesis": e.text_pair} for e in ex]


def test_bitext_keeps_the_sentence(tmp_path):
    data = need_data()
    r = evaluate("tatoeba", "fake", langs="deu", limit=4, data_dir=data, out_dir=tmp_path, progress=False)
    ex = _texts("tatoeba", "deu_Latn", "test", 4, data)
    s = _samples(r)
    assert list(s.input) == [e.text for e in ex] and list(s.gold) == [0, 1, 2, 3]


def test_retrieval_keeps_the_query(tmp_path):
    data = need_data()
    r = evaluate("lareqa", "fake", langs="deu_Latn", setting="monolingual", limit=3, data_dir=data,
                 out_dir=tmp_path, progress=False)
    ex = _texts("lareqa", "deu_Latn", "test", 3, data)
    s = _samples(r)
    assert list(s.input) == [e.text for e in ex] and list(s.id) == [e.id for e in ex]
    assert all(len(json.loads(p)) == 10 for p in s.pred)


class FirstWord:
    """A SpanExtractor that answers each question with the context's first word."""

    name = "first-word@1"

    def extract(self, questions, contexts):
        return [(c.split()[0], 0) for c in contexts]


def test_extract_keeps_the_question_and_the_context_start(tmp_path):
    data = need_data()
    r = evaluate("xquad", FirstWord(), langs="es", limit=3, data_dir=data, out_dir=tmp_path, progress=False)
    ex = _texts("xquad", "spa_Latn", "test", 3, data)
    got = [json.loads(x) for x in _samples(r).input]
    assert got == [{"question": e.text, "context": e.text_pair[:INPUT_CHARS]} for e in ex]
    assert all(len(g["context"]) == 80 for g in got)  # XQuAD contexts are longer: cut, files stay small


class AllOutside:
    """A Tagger that tags every word O."""

    name = "all-o@1"
    labels = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-DATE", "I-DATE")

    def tag(self, token_lists):
        return [["O"] * len(t) for t in token_lists]


def test_tag_keeps_the_tokens(tmp_path):
    data = need_data()
    r = evaluate("masakhaner", AllOutside(), langs="yor", limit=2, data_dir=data, out_dir=tmp_path, progress=False)
    ex = _texts("masakhaner", "yor_Latn", "test", 2, data)
    s = _samples(r)
    assert [json.loads(x) for x in s.input] == [list(e.tokens) for e in ex]
    assert [json.loads(x) for x in s.gold] == [list(e.tags) for e in ex]
    assert all(set(json.loads(p)) == {"O"} for p in s.pred)


def test_samples_read_input_gold_and_pred_back(tmp_path):
    """results.samples() returns what the files hold: scalars as they are, lists as JSON text."""
    run = tmp_path / "r"
    (run / "samples").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"model": "m", "task": "t", "setting": "in_language"}))
    (run / "results.jsonl").write_text("")
    lines = [{"id": "a", "lang": "x", "gold": "sports", "pred": "travel", "score": 0.0, "input": "Ein Satz."},
             {"id": "b", "lang": "x", "gold": ["B-PER"], "pred": ["O"], "score": 0.0, "input": ["Ada"]}]
    (run / "samples" / "deu_Latn.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    s = results.samples(run)
    assert list(s.input) == ["Ein Satz.", '["Ada"]'] and list(s.gold) == ["sports", '["B-PER"]']
    assert list(s.pred) == ["travel", '["O"]'] and list(s.id) == ["a", "b"]


@pytest.mark.parametrize("field", ["input", "gold", "pred"])
def test_an_old_sample_without_a_field_reads_as_none(tmp_path, field):
    run = tmp_path / "r"
    (run / "samples").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"model": "m", "task": "t", "setting": "in_language"}))
    (run / "results.jsonl").write_text("")
    line = {"id": "a", "gold": "g", "pred": "p", "score": 1.0, "input": "i"}
    del line[field]
    (run / "samples" / "deu_Latn.jsonl").write_text(json.dumps(line) + "\n")
    assert results.samples(run)[field].tolist() == [None]
