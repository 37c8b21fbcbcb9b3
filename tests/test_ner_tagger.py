"""Tag x Tagger: the transformers token-classification backend on tiny random checkpoints
built here, the label-set refusal, the solver and its metrics, and MasakhaNER end to end
from the CLI on the real local mirror."""
import json
import random

import numpy as np
import pytest

from xling import results, solve
from xling.cli import main
from xling.data import Local
from xling.errors import XlingError
from xling.metrics import ner
from xling.models import Tagger
from xling.plugins import load_model as load
from xling.solvers import tag as tag_solver
from tests.conftest import need_data
from tests.helpers import tiny_bert
from xling.tasks import masakhaner

# MasakhaNER's nine tags, deliberately not in the hub's order: names matter, not ids.
TAGS9 = ["O", "B-DATE", "I-DATE", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
WIKIANN7 = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


def _checkpoint(path, labels, max_positions=64):
    return tiny_bert(path, "BertForTokenClassification", "abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"-()", labels,
                     max_position_embeddings=max_positions)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Random BERT token classifier with MasakhaNER's 9 tags and only 64 positions (so long
    sentences are windowed)."""
    return _checkpoint(tmp_path_factory.mktemp("tiny-ner"), TAGS9)


@pytest.fixture(scope="module")
def tagger(tiny):
    return load(f"hf:{tiny}", threads=1)


def test_checkpoint_becomes_a_tagger_with_its_labels(tagger, tiny):
    assert isinstance(tagger, Tagger) and type(tagger).__name__ == "HFTagger"
    assert tagger.labels == tuple(TAGS9) and tagger.name.startswith(f"hf:{tiny}@")
    assert tagger.max_length == 64 and tagger.budget == 62  # [CLS] and [SEP]
    out = tagger.tag([["Ade", "lọ", "sí", "Èkó"], ["x"]])
    assert [len(t) for t in out] == [4, 1] and all(t in TAGS9 for s in out for t in s)


def test_word_tag_is_the_first_sub_tokens_argmax(tagger):
    torch = pytest.importorskip("torch")
    words = ["Kampala", "ni", "kibuga", "ekikulu", "kya", "Uganda", "2021", "."]
    enc = tagger.tokenizer(words, is_split_into_words=True, return_tensors="pt")
    with torch.inference_mode():
        best = tagger.model(**enc).logits.argmax(-1)[0].numpy()
    ids = enc.word_ids(0)
    assert len(ids) > len(words) + 2  # several words have more than one sub-token
    first = [ids.index(w) for w in range(len(words))]
    want = [TAGS9[best[p]] for p in first]
    assert tagger.tag([words])[0] == want
    # and not the last sub-token's label where the two differ
    last = [len(ids) - 1 - ids[::-1].index(w) for w in range(len(words))]
    assert any(best[a] != best[b] for a, b in zip(first, last))


def test_long_sentences_are_windowed_not_truncated(tagger):
    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(1, 9))) for _ in range(150)]
    wins = tagger.windows(words)
    assert len(wins) >= 3 and wins[0][0] == 0 and wins[-1][1] == 150
    assert all(a == b2 for (_, b2), (a, _) in zip(wins, wins[1:]))  # consecutive, no gap or overlap
    for a, b in wins:
        n = len(tagger.tokenizer(words[a:b], is_split_into_words=True)["input_ids"])
        assert n <= tagger.max_length
    tags = tagger.tag([words])[0]
    assert len(tags) == 150
    assert tags == [t for a, b in wins for t in tagger.tag([words[a:b]])[0]]
    # batching with other sentences (padding) changes nothing
    assert tagger.tag([["x", "y"], words, ["z"]])[1] == tags


def test_word_without_sub_tokens_is_tagged_O(tagger):
    assert tagger.tokenizer(["\u200b"], is_split_into_words=True, add_special_tokens=False)["input_ids"] == []
    out = tagger.tag([["a", "\u200b", "b"], [""]])
    assert out[0][1] == "O" and out[1] == ["O"] and len(out[0]) == 3


def test_mismatched_label_sets_are_refused(tmp_path):
    m7 = load(f"hf:{_checkpoint(tmp_path / 'wikiann7', WIKIANN7)}", threads=1)
    with pytest.raises(XlingError) as err:
        tag_solver.check_labels(masakhaner.TASK, m7)
    msg = str(err.value)
    assert "missing B-DATE, I-DATE" in msg and "no label mapping is guessed" in msg and "\n" not in msg
    plain = load(f"hf:{_checkpoint(tmp_path / 'plain', None)}", threads=1)
    assert plain.labels == ("LABEL_0", "LABEL_1")
    with pytest.raises(XlingError, match="extra LABEL_0, LABEL_1"):
        tag_solver.check_labels(masakhaner.TASK, plain)
    iobes = load(f"hf:{_checkpoint(tmp_path / 'iobes', TAGS9 + ['S-PER'])}", threads=1)
    with pytest.raises(XlingError, match="extra S-PER"):
        tag_solver.check_labels(masakhaner.TASK, iobes)


def test_mismatched_checkpoint_from_the_cli_exits_2(tmp_path, capsys):
    path = _checkpoint(tmp_path / "wikiann7", WIKIANN7)
    code = main(["run", "--model", f"hf:{path}", "--task", "masakhaner", "--lang", "yor", "--limit", "5",
                 "--data-dir", str(need_data()), "--out", str(tmp_path / "runs"), "--threads", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("xling: error: model hf:") and "missing B-DATE, I-DATE" in err[-1]


def test_bad_data_line_from_the_cli_exits_2(tiny, tmp_path, capsys):
    d = tmp_path / "mirror/masakhane-ner/MasakhaNER2.0/data/yor"
    d.mkdir(parents=True)
    (d / "test.txt").write_text("Lagos B-LOC\nis O O\n", encoding="utf-8")
    code = main(["run", "--model", f"hf:{tiny}", "--task", "masakhaner", "--lang", "yor", "--data-dir",
                 str(tmp_path / "mirror"), "--out", str(tmp_path / "runs"), "--threads", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1] == f"xling: error: {d / 'test.txt'}:2: expected 'token TAG' (two fields separated " \
                                    "by one space), found 'is O O'"


class OracleTagger:
    """Answers the gold tags of known sentences with seeded errors (no model)."""

    def __init__(self, examples, labels=tuple(TAGS9)):
        from tests.test_ner_metrics import perturb

        self.name, self.labels, self.calls = "oracle@1", labels, 0
        self.answers = {e.tokens: perturb(list(e.tags), random.Random(e.id)) for e in examples}

    def tag(self, token_lists):
        self.calls += len(token_lists)
        return [list(self.answers[tuple(t)]) for t in token_lists]


def test_solver_scores_with_conlleval_metrics_and_bootstrap_cis(tmp_path):
    from xling.cache import EmbeddingStore

    task = masakhaner.TASK
    ctx = solve.Context(source=Local(need_data()), seed=0, limit=300, store=EmbeddingStore(tmp_path / "c"))
    ex = ctx.examples(task, "hau_Latn", "test", limit=True)
    model = OracleTagger(ex)
    assert solve.solver(task, model) is solve.solver(task) and not solve.solver(task).trains(model)
    cell = solve.plan(task, "zero_shot", ["hau_Latn"], ["eng_Latn"], model=model)[0]  # fine-tuned on English elsewhere
    assert cell == solve.Cell("eng_Latn", "hau_Latn")
    scored = solve.solve(task, model, cell, ctx)
    gold, pred = [list(e.tags) for e in ex], [p.pred for p in scored.predictions]
    ref = ner.score(gold, pred, task.labels)
    m = scored.metrics
    assert set(m) == {"f1", "precision", "recall", "f1_PER", "f1_ORG", "f1_LOC", "f1_DATE"}
    assert m["f1"][0] == ref["f1"] and m["precision"][0] == ref["precision"] and m["recall"][0] == ref["recall"]
    assert all(m[f"f1_{t}"][0] == ref["per_type"][t]["f1"] for t in task.labels)
    for name, (value, lo, hi, n) in m.items():
        assert n == 300 and lo < value < hi and hi - lo < 0.2, name
    assert 0.4 < m["f1"][0] < 0.8  # perturb keeps about half the entities
    p0 = scored.predictions[0]
    assert (p0.id, p0.lang, p0.gold) == ("0", "hau_Latn", list(ex[0].tags))
    # per-sentence scores are each sentence's share of the micro F1: they average to it exactly
    assert np.mean([p.score for p in scored.predictions]) == pytest.approx(m["f1"][0], abs=1e-12)
    c0 = len(set(ner.entities(p0.gold)) & set(ner.entities(p0.pred)))
    assert p0.score == pytest.approx(300 * 2 * c0 / (ref["gold"] + ref["predicted"]), abs=1e-12)
    assert scored.train_split == "" and scored.data.startswith("sha256:")
    # a second solve answers from the cache: no model call
    calls = model.calls
    again = solve.solve(task, model, cell, ctx)
    assert model.calls == calls == 300 and again.metrics == scored.metrics


def test_solver_refuses_wrong_answers():
    class Short(OracleTagger):
        def tag(self, token_lists):
            return [["O"] for _ in token_lists]

    ex = masakhaner.TASK.load("yor_Latn", "test", Local(need_data()))[:3]
    with pytest.raises(XlingError, match="returned 1 tags .* for a sentence of 31 words"):
        tag_solver.predict(Short(ex), [list(e.tokens) for e in ex])
    with pytest.raises(XlingError, match="needs a Tagger"):
        solve.check_capable(masakhaner.TASK, load("fake"))


def test_masakhaner_end_to_end_from_the_cli(tiny, tmp_path, capsys):
    runs = tmp_path / "runs"
    args = ["run", "--model", f"hf:{tiny}", "--task", "masakhaner", "--lang", "yor,hau", "--limit", "50",
            "--data-dir", str(need_data()), "--out", str(runs), "--threads", "1"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "## masakhaner (main metric: f1)" in out and "model calls: 100" in err
    # zero-shot transfer: the checkpoint was fine-tuned on Swahili; a new run, answers from the cache
    assert main(args + ["--setting", "zero_shot", "--train-lang", "swa"]) == 0
    assert "model calls: 0, cache hits: 100" in capsys.readouterr().err
    df = results.frame(runs)
    assert set(df.setting) == {"in_language", "zero_shot"}
    assert set(df[df.setting == "zero_shot"].train_lang) == {"swa_Latn"} and set(df[df.setting == "in_language"].train_lang) == {""}
    for (setting, lang), g in df.groupby(["setting", "test_lang"]):
        assert lang in ("yor_Latn", "hau_Latn")
        assert {"f1", "precision", "recall"} <= set(g.metric) <= {"f1", "precision", "recall", "f1_PER", "f1_ORG",
                                                                    "f1_LOC", "f1_DATE"}
        assert set(g.n) == {50} and set(g.split) == {"test"} and set(g.task) == {"masakhaner"}
        assert ((g.value >= 0) & (g.value <= 1) & (g.ci_low <= g.value) & (g.value <= g.ci_high)).all()
        assert g.signature.str.contains("task:masakhaner@1").all() and g.model.str.startswith("hf:").all()
    # the same checkpoint gives the same numbers whatever the setting says
    a = df[df.setting == "in_language"].set_index(["test_lang", "metric"]).value
    b = df[df.setting == "zero_shot"].set_index(["test_lang", "metric"]).value
    assert a.sort_index().equals(b.sort_index())
    samples = sorted(p.name for p in (runs).glob("*/samples/*.jsonl"))
    assert samples == ["hau_Latn.jsonl", "swa_Latn__hau_Latn.jsonl", "swa_Latn__yor_Latn.jsonl", "yor_Latn.jsonl"]
    first = json.loads(next(runs.glob("*/samples/yor_Latn.jsonl")).read_text().splitlines()[0])
    assert len(first["gold"]) == len(first["pred"]) == 31 and first["id"] == "0"
    # leaderboard
    assert main(["board", str(runs), "--out", str(tmp_path / "lb")]) == 0
    board = capsys.readouterr().out
    assert "## masakhaner (main metric: f1)" in board
    md = (tmp_path / "lb" / "masakhaner.md").read_text()
    assert "| yor_Latn " in md and "| hau_Latn " in md
    assert md.count(f"hf:{tiny}@") >= 2 and "(zero_shot, from swa_Latn)" in md and "(in_language)" in md


def test_nan_free_values(tiny, tmp_path):
    from xling.api import evaluate

    rep = evaluate("masakhaner", f"hf:{tiny}", langs="pcm", limit=20, data_dir=need_data(), out_dir=tmp_path / "r",
                   threads=1, progress=False)
    assert rep.rows and all(np.isfinite([r["value"], r["ci_low"], r["ci_high"]]).all() for r in rep.rows)
