"""hf-causal against lm-evaluation-harness 0.4.13's HFLM, run here on the same tiny random
checkpoints: a GPT-2 with a byte-level BPE trained on SIB-200 (no special tokens added) and
a Llama whose tokenizer (the real XLM-R SentencePiece) adds BOS. Per-request log-likelihoods
within 1e-4 and identical is_greedy, rolling log-likelihoods and bits per byte, XCOPA
acc/acc_norm on the real files of the 11 languages, generation, and the protocols."""
import math

import numpy as np
import pytest

from tests.lm_helpers import (lmeval_generate, lmeval_loglikelihood, lmeval_rolling, mixed_requests, rolling_agree,
                               sib_sentences, xcopa_requests)
from xling import lmreq
from xling.errors import XlingError
from xling.models import LanguageModel
from xling.models.hf_causal import CausalOptions, HFCausalLM, make

pytest.importorskip("lm_eval")

XCOPA = ("et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh")


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def ckpt(request, gpt2_dir, llama_dir):
    return gpt2_dir if request.param == "gpt2" else llama_dir


def greedy_requests(path, lm) -> list[tuple[str, str]]:
    """Contexts with lm-eval's own greedy continuations (most re-tokenize to the greedy
    tokens, so is_greedy is True for them)."""
    ctxs = [s[:30] for ss in sib_sentences(("eng_Latn", "deu_Latn", "swh_Latn"), "dev", n=6).values() for s in ss]
    gens = lmeval_generate(path, ctxs, [], 3)
    return [(c, g) for c, g in zip(ctxs, gens) if g.strip()]


def test_loglikelihood_equals_lm_eval(ckpt):
    lm = HFCausalLM(str(ckpt), CausalOptions(device="cpu"))
    assert isinstance(lm, LanguageModel)
    reqs = mixed_requests() + greedy_requests(ckpt, lm)
    ref = lmeval_loglikelihood(ckpt, reqs)
    got = lm.loglikelihood(reqs)
    diff = max(abs(a[0] - b[0]) for a, b in zip(ref, got))
    print(f"{ckpt.name}: {len(reqs)} requests, max |d loglik| = {diff:.2e}")
    assert diff < 1e-4
    assert [g for _, g in got] == [g for _, g in ref]
    assert sum(g for _, g in ref) >= 3  # the greedy test is exercised both ways
    assert all(lp < 0 for lp, _ in got)
    # the contexts longer than the window (one per sentence) were left-truncated and counted
    flags = lm.loglikelihood_flags(reqs)
    assert lm.truncated == 2 * sum(t for _, _, t in flags) and sum(t for _, _, t in flags) >= 24
    assert [(a, b) for a, b, _ in flags] == got
    # fewer forward passes than requests: one context pass serves its continuations
    assert lm.scorer.calls < len(reqs)
    # a model whose forward cannot slice logits (older transformers): the same numbers
    lm.scorer._keep = False
    assert max(abs(a[0] - b[0]) for a, b in zip(lm.loglikelihood(reqs[:60]), got[:60])) < 1e-4


def test_rolling_and_bits_per_byte_equal_lm_eval(ckpt):
    lm = HFCausalLM(str(ckpt), CausalOptions(device="cpu"))
    sents = sib_sentences(("eng_Latn", "zho_Hans", "amh_Ethi", "hin_Deva", "arb_Arab"), "dev", n=4)
    texts = [s for ss in sents.values() for s in ss] + [" ".join(sents["eng_Latn"])]  # the last spans windows
    ref = lmeval_rolling(ckpt, texts)
    got = lm.loglikelihood_rolling(texts)
    diff, rel, ok = rolling_agree(ref, [lp for lp, _ in got])
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    bpb_ref = -sum(ref) / math.log(2) / nbytes
    bpb = -sum(lp for lp, _ in got) / math.log(2) / nbytes
    print(f"{ckpt.name}: rolling max |d| = {diff:.2e} (relative {rel:.1e}), bits/byte {bpb:.8f} vs {bpb_ref:.8f}")
    assert ok and abs(bpb - bpb_ref) < 1e-6 and 1 < bpb < 30
    # tokens scored: every token of the text (plus BOS, the quirk, where the tokenizer adds it)
    bos = 1 if ckpt.name == "llama" else 0
    assert [n for _, n in got] == [len(lm.tokenizer(t)["input_ids"]) for t in texts]
    assert got[-1][1] > lm.max_length  # several windows
    assert all(len(lm.tokenizer(t)["input_ids"]) == len(lm.tokenizer(t, add_special_tokens=False)["input_ids"]) + bos
               for t in texts)


def test_xcopa_acc_identical_in_11_languages(ckpt):
    lm = HFCausalLM(str(ckpt), CausalOptions(device="cpu"))
    items = xcopa_requests(XCOPA, 12)
    reqs = [(c, " " + x) for c, choices, _ in items for x in choices]
    ref = np.array([lp for lp, _ in lmeval_loglikelihood(ckpt, reqs)]).reshape(-1, 2)
    got = np.array([lp for lp, _ in lm.loglikelihood(reqs)]).reshape(-1, 2)
    lens = np.array([[len(x) for x in choices] for _, choices, _ in items], float)
    gold = np.array([g for _, _, g in items])
    assert len(items) == 132 and np.abs(ref - got).max() < 1e-4
    assert (ref.argmax(1) == got.argmax(1)).all() and ((ref / lens).argmax(1) == (got / lens).argmax(1)).all()
    acc, acc_norm = (got.argmax(1) == gold).mean(), ((got / lens).argmax(1) == gold).mean()
    print(f"{ckpt.name}: XCOPA acc {acc:.3f} acc_norm {acc_norm:.3f}, max |d| {np.abs(ref - got).max():.2e}")
    assert 0.2 < acc < 0.8  # a random model is near chance on 2-way items


def test_generate_equals_lm_eval(ckpt):
    lm = HFCausalLM(str(ckpt), CausalOptions(device="cpu", token_budget=256))
    prompts = [s[:35] for ss in sib_sentences(("eng_Latn", "tur_Latn", "rus_Cyrl", "tha_Thai"), "dev", n=4).values()
               for s in ss]
    for until in ([], [" "], ["a", "\n"]):
        ref = lmeval_generate(ckpt, prompts, until, 8)
        got = lm.generate(prompts, until=until, max_tokens=8)
        assert got == ref
        assert all(u not in g for g in got for u in until)
    assert any(len(g) > 3 for g in ref)
    # a prompt longer than the window minus max_tokens is left-truncated and counted
    before = lm.truncated
    out = lm.generate([" ".join(prompts * 4)], max_tokens=4)
    assert lm.truncated == before + 1 and isinstance(out[0], str)
    with pytest.raises(XlingError, match="max_tokens must be between 1"):
        lm.generate(["x"], max_tokens=lm.max_length)


def test_protocols_rolling_quirk_and_fix(llama_dir, gpt2_dir):
    """lm-eval scores P(BOS | BOS) for a BOS-adding tokenizer; the fixed protocol scores the
    text's tokens only, each given BOS and the text before it (checked by a plain forward pass)."""
    import torch

    texts = [s[:60] for s in sib_sentences(("eng_Latn", "deu_Latn"), "dev", n=3)["eng_Latn"]]
    quirk = HFCausalLM(str(llama_dir), CausalOptions(device="cpu"))
    fixed = HFCausalLM(str(llama_dir), CausalOptions(device="cpu", protocol="lm-eval-0.4.13+text-rolling"))
    assert quirk.cache_params != fixed.cache_params and "protocol=lm-eval-0.4.13;" in quirk.cache_params
    tok, model = quirk.tokenizer, quirk.model
    for text, (lq, nq), (lf, nf) in zip(texts, quirk.loglikelihood_rolling(texts), fixed.loglikelihood_rolling(texts)):
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert nq == len(ids) + 1 and nf == len(ids) and len(ids) + 1 < quirk.max_length
        bos = tok.bos_token_id
        # lm-eval: the first window reads [BOS(prefix), BOS, t1 ...] and predicts [BOS, t1, ...]
        for targets, expect in (([bos] + ids, lq), (ids, lf)):
            inp = torch.tensor([[bos] + targets[:-1]])
            with torch.no_grad():
                logp = torch.log_softmax(model(inp).logits[0].double(), -1)
            want = sum(float(logp[i, t]) for i, t in enumerate(targets))
            assert abs(want - expect) < 1e-4
        assert abs(lq - lf) > 1e-3  # the quirk changes the number
    # log-likelihood requests are the same under both protocols; GPT-2 (no BOS added) rolls the same too
    reqs = [(t[:20], t[20:30]) for t in texts]
    assert np.allclose(quirk.loglikelihood(reqs), fixed.loglikelihood(reqs), atol=1e-6)
    g1 = HFCausalLM(str(gpt2_dir), CausalOptions(device="cpu"))
    g2 = HFCausalLM(str(gpt2_dir), CausalOptions(device="cpu", protocol="lm-eval-0.4.13+text-rolling"))
    assert np.allclose(g1.loglikelihood_rolling(texts), g2.loglikelihood_rolling(texts), atol=1e-6)


def test_spec_name_dtype_and_bad_input(gpt2_dir, tmp_path):
    lm = make(f"{gpt2_dir}@v1", device="cpu", dtype="bfloat16", token_budget=512)
    assert lm.name == f"hf-causal:{gpt2_dir}@v1" and "dtype=bfloat16" in lm.cache_params
    assert str(next(lm.model.parameters()).dtype) == "torch.bfloat16"
    lp32 = HFCausalLM(str(gpt2_dir), CausalOptions(device="cpu")).loglikelihood([("Hello wor", "ld")])[0][0]
    lp16 = lm.loglikelihood([("Hello wor", "ld")])[0][0]
    assert abs(lp32 - lp16) < 0.5 + 0.05 * abs(lp32)  # bf16 is close, not equal
    anon = make(str(gpt2_dir), device="cpu")
    assert anon.name.startswith(f"hf-causal:{gpt2_dir}@") and len(anon.name.rsplit("@", 1)[1]) == 12
    # a checkpoint directory without tokenizer files: one line naming it
    bare = tmp_path / "bare"
    bare.mkdir()
    for f in gpt2_dir.iterdir():
        if f.name in ("config.json", "model.safetensors", "generation_config.json"):
            (bare / f.name).write_bytes(f.read_bytes())
    with pytest.raises(XlingError, match="has no tokenizer") as e:
        make(str(bare), device="cpu")
    assert "\n" not in str(e.value) and str(bare) in str(e.value)
    for kw, msg in ((dict(dtype="int8"), "--dtype must be one of"), (dict(protocol="v2"), "--protocol must be one of"),
                    (dict(token_budget=0), "--token-budget must be positive"), (dict(beams=3), "does not take")):
        with pytest.raises(XlingError, match=msg):
            make(str(gpt2_dir), device="cpu", **kw)
    with pytest.raises(XlingError, match="needs a path"):
        make("")
    with pytest.raises(XlingError, match="not --batch-size"):
        make(str(gpt2_dir), batch_size=8)
    with pytest.raises(XlingError, match="continuation encodes to no tokens"):
        anon.loglikelihood([("abc", "")])
    with pytest.raises(XlingError, match="empty context and a continuation with no tokens"):
        anon.loglikelihood([("", "")])
    with pytest.raises(XlingError, match="does not fit the model's window"):
        anon.loglikelihood([("a", " " + "x y z " * 200)])


def test_window_rules_match_lm_eval():
    """lmreq's windows and truncation against lm-eval's own functions on many shapes."""
    from lm_eval import utils

    rng = np.random.default_rng(0)
    for _ in range(300):
        n, window = int(rng.integers(0, 60)), int(rng.integers(1, 20))
        toks = [int(x) for x in rng.integers(5, 100, n)]
        ref = [utils.make_disjoint_window(w) for w in utils.get_rolling_token_windows(toks, 1, window, 1)]
        got = [lmreq.disjoint(w) for w in lmreq.rolling_token_windows(toks, 1, window)]
        assert got == ref
        assert sum(len(b) for _, b in got) == n
        if n:
            ctx, cont = toks[:n // 2 + 1], toks[n // 2 + 1:] or [7]
            if len(cont) <= window:
                p = lmreq.fit_window(ctx, cont, window)
                assert list(p.context + p.continuation)[:-1] == (ctx + cont)[-(window + 1):][:-1]
                assert p.truncated == (len(ctx) + len(cont) > window + 1) and p.context
    assert lmreq.move_spaces("a b  ", "c") == ("a b", "  c") and lmreq.move_spaces("ab", " c") == ("ab", " c")
    assert lmreq.cut_at("one. two\nthree", [".", "\n"]) == "one" and lmreq.cut_at("abc", ["", "z"]) == "abc"
