"""openai: log-likelihoods through the completions endpoint (echo=true, logprobs=1), against a
local HTTP server on 127.0.0.1 that serves a tiny checkpoint the way vLLM does (prompt
log-probabilities, top-1 alternatives, text offsets, one generated token), compared with
lm-evaluation-harness 0.4.13's HFLM and with hf-causal on the same checkpoint."""
import numpy as np
import pytest

from tests.lm_helpers import (Served, lmeval_loglikelihood, lmeval_rolling, mixed_requests, rolling_agree,
                               sib_sentences, xcopa_requests)
from xling.errors import XlingError
from xling.models import LanguageModel
from xling.plugins import load_model as load
from xling.models.hf_causal import CausalOptions, HFCausalLM
from xling.models.openai import OpenAIConfig, OpenAIGenerator

pytest.importorskip("lm_eval")


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def ckpt(request, gpt2_dir, llama_dir):
    return gpt2_dir if request.param == "gpt2" else llama_dir


def test_token_id_prompts_equal_lm_eval_and_hf_causal(ckpt, serve):
    served = Served(ckpt)
    lm = load("openai:tiny", base_url=serve(served), tokenizer=str(ckpt), progress=False, concurrency=3)
    assert isinstance(lm, LanguageModel) and lm.scorer.window == served.window - 2
    assert "protocol=lm-eval-0.4.13;" in lm.cache_params and f"window={served.window - 2}" in lm.cache_params
    local = HFCausalLM(str(ckpt), CausalOptions(device="cpu", max_length=served.window - 2))
    reqs = mixed_requests(3)
    got = lm.loglikelihood_flags(reqs)
    ref = lmeval_loglikelihood(ckpt, reqs, max_length=served.window - 2)
    mine = local.loglikelihood_flags(reqs)
    d_ref = max(abs(a[0] - b[0]) for a, b in zip(got, ref))
    d_local = max(abs(a[0] - b[0]) for a, b in zip(got, mine))
    print(f"{ckpt.name}: openai vs lm-eval max |d| {d_ref:.2e}, vs hf-causal {d_local:.2e}")
    assert d_ref < 1e-4 and d_local < 1e-4
    assert [g for _, g, _ in got] == [g for _, g in ref] == [g for _, g, _ in mine]
    assert [t for _, _, t in got] == [t for _, _, t in mine] and lm.truncated == sum(t for _, _, t in got) >= 18
    assert all(isinstance(p, list) and all(isinstance(i, int) for i in p) for p in served.prompts)
    # rolling windows: the same prompts as hf-causal's windows
    texts = [s for ss in sib_sentences(("eng_Latn", "amh_Ethi"), "dev", n=3).values() for s in ss]
    texts.append(" ".join(texts))
    rolled = lm.loglikelihood_rolling(texts)
    ref_roll = lmeval_rolling(ckpt, texts, max_length=served.window - 2)
    diff, rel, ok = rolling_agree(ref_roll, [lp for lp, _ in rolled])
    print(f"{ckpt.name}: openai rolling vs lm-eval max |d| {diff:.2e} (relative {rel:.1e})")
    assert ok
    assert [n for _, n in rolled] == [n for _, n in local.loglikelihood_rolling(texts)]


def test_text_prompts_equal_on_word_boundaries(ckpt, serve):
    """Without --tokenizer the server tokenizes; on XCOPA's " choice" continuations the
    boundary falls between tokens and the numbers equal lm-eval's."""
    served = Served(ckpt)
    lm = load("openai:tiny", base_url=serve(served), api="completions", progress=False)
    assert "tokens=server" in lm.cache_params
    items = xcopa_requests(("et", "sw", "it", "id", "tr", "vi"), 5)
    reqs = [(c, " " + x) for c, choices, _ in items for x in choices]
    got, ref = lm.loglikelihood(reqs), lmeval_loglikelihood(ckpt, reqs)
    assert max(abs(a[0] - b[0]) for a, b in zip(got, ref)) < 1e-4 and [g for _, g in got] == [g for _, g in ref]
    assert all(isinstance(p, str) for p in served.prompts)
    with pytest.raises(XlingError, match="needs the model's tokenizer"):
        lm.loglikelihood([("", "abc")])
    with pytest.raises(XlingError, match="rolling log-likelihoods through openai:tiny@latest need the model's tok"):
        lm.loglikelihood_rolling(["abc"])


def test_servers_without_logprobs_are_one_line_errors(gpt2_dir, serve):
    for mode, msg in (("nologprobs", "returned no log-probabilities"), ("noecho", "did not echo the prompt")):
        served = Served(gpt2_dir, mode)
        lm = load("openai:tiny", base_url=serve(served), tokenizer=str(gpt2_dir), progress=False, retries=1)
        with pytest.raises(XlingError, match=msg) as e:
            lm.loglikelihood([("Hello", " world")])
        assert "\n" not in str(e.value) and "cannot score log-likelihoods" in str(e.value)
        assert len(served.prompts) == 1  # no retries for an answer that can never hold log-probs
    # a prompt the server refuses (too long for its window): the server's message, one line
    served = Served(gpt2_dir)
    lm = load("openai:tiny", base_url=serve(served), tokenizer=str(gpt2_dir), max_length=80, progress=False)
    with pytest.raises(XlingError, match="answered HTTP 400: prompt of .* exceeds 64"):
        lm.loglikelihood([(" ".join(["word"] * 100), " end")])


def test_generate_with_stop_strings(gpt2_dir, serve):
    served = Served(gpt2_dir)
    lm = load("openai:tiny", base_url=serve(served), api="completions", progress=False)
    local = HFCausalLM(str(gpt2_dir), CausalOptions(device="cpu"))
    prompts = [s[:30] for s in sib_sentences(("eng_Latn",), "dev", n=6)["eng_Latn"]]
    for until in ([], [" ", "\n"]):
        assert lm.generate(prompts, until=until, max_tokens=6) == local.generate(prompts, until=until, max_tokens=6)
    assert any(" " in t for t in lm.generate(prompts, max_tokens=6))


def test_config_dataclass_and_options():
    import inspect

    assert len(inspect.signature(OpenAIGenerator.__init__).parameters) - 1 <= 6
    gen = OpenAIGenerator("m", OpenAIConfig(base_url="http://127.0.0.1:1/v1", concurrency=2, timeout=3))
    assert (gen.concurrency, gen.timeout, gen.api, gen.scorer.window) == (2, 3.0, "chat", 2048)
    for kw, msg in ((dict(protocol="x"), "--protocol must be one of"), (dict(max_length=1), "--max-length must be"),
                    (dict(concurrency=0), "--concurrency must be at least 1"), (dict(beams=2), "does not take")):
        with pytest.raises(XlingError, match=msg):
            load("openai:m", base_url="http://127.0.0.1:1/v1", **kw)
    with pytest.raises(XlingError, match="has no tokenizer"):
        load("openai:m", base_url="http://127.0.0.1:1/v1", tokenizer="/")
    assert np.isclose(gen.temperature, 0.0)
