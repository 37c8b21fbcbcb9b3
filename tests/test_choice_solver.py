"""Multiple-choice scoring: acc / acc_norm / acc_bytes as lm-evaluation-harness computes them,
end-to-end runs with the fake LanguageModel, the request cache, truncation counts, bad items,
and SIB-200 scored by a language model beside its probes."""
import json

import numpy as np
import pytest

import xling
from tests import lmeval_ref as ref
from tests.conftest import need_data
from xling import solve
from xling.core import Example
from xling.errors import XlingError
from xling.metrics import choice as mc
from xling.models.fake_lm import FakeLM
from xling.solvers import choice, classify, prompted
from xling.tasks import sib200, xcopa, xwinograd


def test_acc_norm_and_acc_bytes_hand_computed():
    # acc: -10 > -12 picks 0; per character -10/2 = -5 < -12/6 = -2 picks 1;
    # per byte: 'éé' is 4 bytes -> -2.5, 'abcdef' 6 bytes -> -2: picks 1; with 'ééé…' it flips
    assert mc.predictions([-10.0, -12.0], ["ab", "abcdef"]) == (0, 1, 1)
    assert mc.predictions([-6.0, -7.0], ["ééé", "abcdefg"]) == (0, 1, 0)  # -2 vs -1 per char; -1 vs -1 per byte: first
    assert mc.scores([-6.0, -7.0], ["ééé", "abcdefg"], 1) == {"acc": 0.0, "acc_norm": 1.0, "acc_bytes": 0.0}


def test_metrics_equal_lm_eval_process_results_on_real_xcopa():
    root = need_data()
    rng = np.random.default_rng(0)
    for native in ("zh", "ta", "qu"):
        lang = dict((n, c) for c, n in xcopa.TASK.languages)[native]
        path = root / f"xcopa/data/{native}/val.{native}.jsonl"
        docs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        t = ref.task(f"xcopa_{native}", {"validation": docs, "test": docs})
        examples = xcopa.TASK.load(lang, "val", xling.data.Local(root))
        for doc, e in zip(t.validation_docs(), examples):
            lls = list(-rng.gamma(2.0, 8.0, size=2))
            assert mc.scores(lls, choice.render(xcopa.TASK.template, e).norms, e.gold) == ref.results(t, doc, lls)


def test_metrics_equal_lm_eval_where_contexts_vary():
    rows = [{"sentence": "Ann asked Mary what time the library closes, because _ had forgotten.", "option1": "Ann",
             "option2": "Mary", "answer": "1"}]
    t = ref.task("xwinograd_en", {"test": rows})
    e = xwinograd.TASK.load("eng_Latn", "test", xling.data.Hub(load_dataset=lambda *a, **k: rows))[0]
    for lls in ([-20.0, -20.5], [-20.0, -19.9], [-40.0, -40.4]):
        assert mc.scores(lls, choice.render(xwinograd.TASK.template, e).norms, e.gold) == ref.results(t, rows[0], lls)


def test_end_to_end_xcopa_and_rerun_makes_no_model_calls(tmp_path):
    root = need_data()
    langs = ["ita_Latn", "zho_Hans"]
    first = xling.evaluate("xcopa", "fake-lm", langs=langs, data_dir=root, out_dir=tmp_path / "a", progress=False)
    assert first.model_calls == 2 * 500 * 2 and first.cache_hits == 0
    again = xling.evaluate("xcopa", "fake-lm", langs=langs, data_dir=root, out_dir=tmp_path / "b", progress=False)
    assert again.model_calls == 0 and again.cache_hits == 2000
    a, b = first.frame(), again.frame()
    assert a[["test_lang", "metric", "value", "ci_low", "ci_high"]].equals(b[["test_lang", "metric", "value", "ci_low", "ci_high"]])
    rows = a.set_index(["test_lang", "metric"])
    assert set(a.metric) == {"acc", "acc_norm", "acc_bytes", "baseline_chance_acc", "truncated"}
    assert rows.loc[("ita_Latn", "acc"), "n"] == 500 and rows.loc[("ita_Latn", "truncated"), "value"] == 0
    assert xcopa.TASK.template.signature in rows.loc[("ita_Latn", "acc"), "signature"]
    # the cell's acc is the mean of the samples' scores, recomputed from the stored log-likelihoods
    s = first.samples()
    s = s[s.test_lang == "ita_Latn"]
    preds = [json.loads(p) if isinstance(p, str) else p for p in s.pred]
    assert np.mean([float(int(np.argmax(p["lls"])) == g) for p, g in zip(preds, s.gold)]) == rows.loc[("ita_Latn", "acc"), "value"]
    assert preds[0]["context"].endswith(" perché") and len(preds[0]["lls"]) == 2


def test_truncated_contexts_are_counted_also_from_the_cache(tmp_path):
    root = need_data()
    ex = xcopa.TASK.load("est_Latn", "test", xling.data.Local(root))
    expected = sum(len(c) + len(x) > 40 for e in ex for c, x in zip(*_pairs(e)))
    assert 0 < expected < 1000
    runs = [xling.evaluate("xcopa", "fake-lm:window=40", langs=["est_Latn"], data_dir=root, out_dir=tmp_path / d,
                           progress=False) for d in ("a", "b")]
    for r in runs:
        row = r.frame().set_index("metric").loc["truncated"]
        assert (row["value"], row["n"]) == (expected, 1000)
    assert runs[1].model_calls == 0


def _pairs(e):
    r = choice.render(xcopa.TASK.template, e)
    return r.contexts, r.continuations


class NoCounter(FakeLM):
    truncated = None


def test_no_truncation_row_for_a_model_without_the_counter(tmp_path):
    model = NoCounter()
    model.truncated = None
    rep = xling.evaluate("xcopa", model, langs=["ita_Latn"], data_dir=need_data(), out_dir=tmp_path, progress=False)
    assert "truncated" not in set(rep.frame().metric)


@pytest.mark.parametrize("bad, message", [
    (dict(choices=()), "has no choices"),
    (dict(gold=2), "gold index 2 is out of range for its 2 choices"),
    (dict(gold=None), "gold index None is out of range"),
])
def test_bad_items_are_one_line_errors_naming_file_and_line(bad, message):
    e = Example(id="7", lang="ita_Latn", text="Premessa.", choices=("Uno.", "Due."), gold=0,
                meta=(("question", "cause"),), source="xcopa/data/it/test.it.jsonl:8")
    with pytest.raises(XlingError) as err:
        choice.render(xcopa.TASK.template, Example(**{**e.__dict__, **bad}))
    assert str(err.value).startswith("xcopa/data/it/test.it.jsonl:8: ") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_gold_out_of_range_in_a_file_stops_the_run(tmp_path):
    path = tmp_path / "xcopa/data/it/test.it.jsonl"
    path.parent.mkdir(parents=True)
    rows = [{"premise": "A.", "choice1": "B.", "choice2": "C.", "question": "effect", "label": i, "idx": i}
            for i in (0, 1, 2)]
    path.write_text("\r\n".join(json.dumps(r) for r in rows) + "\r\n", encoding="utf-8")
    with pytest.raises(XlingError, match=r"test\.it\.jsonl:3: item '2': gold index 2 is out of range"):
        xling.evaluate("xcopa", "fake-lm", langs=["ita_Latn"], data_dir=tmp_path, out_dir=tmp_path / "runs",
                       progress=False)


def test_model_returning_nan_is_refused(tmp_path):
    class NaNLM(FakeLM):
        def loglikelihood(self, requests):
            return [(float("nan"), False) for _ in requests]

    with pytest.raises(XlingError, match="returned log-likelihood nan"):
        xling.evaluate("xcopa", NaNLM(), langs=["ita_Latn"], data_dir=need_data(), out_dir=tmp_path, progress=False)


def test_sib200_prompted_beside_the_probes(tmp_path):
    lm, enc = xling.load_model("fake-lm"), xling.load_model("fake")
    task = sib200.TASK
    assert solve.solver(task, lm) is prompted and solve.solver(task, enc) is classify
    assert solve.default_setting(task, enc) == "in_language" and "prompted" not in classify.settings(task)
    assert solve.default_setting(task, lm) == "prompted" and "prompted" in solve.available_settings(task)
    with pytest.raises(XlingError, match="does not apply"):
        solve.plan(task, "prompted", ["eng_Latn"], [], model=enc)
    rep = xling.evaluate("sib200", "fake-lm", langs=["eng_Latn", "deu_Latn"], data_dir=need_data(), out_dir=tmp_path,
                         progress=False, limit=30)
    f = rep.frame().set_index(["test_lang", "metric"])
    assert f.loc[("deu_Latn", "acc"), "n"] == 30 and f.loc[("deu_Latn", "baseline_chance_acc"), "value"] == pytest.approx(1 / 7)
    sig = f.loc[("deu_Latn", "acc"), "signature"]
    assert "prompt:mc-v1-sib200-topic-" in sig and rep.model_calls == 2 * 30 * 7
    s = rep.samples()
    pred = s.pred.iloc[0] if isinstance(s.pred.iloc[0], dict) else json.loads(s.pred.iloc[0])
    assert pred["label"] in sib200.LABELS and pred["context"].startswith("Text: ") and pred["context"].endswith("\nTopic:")
