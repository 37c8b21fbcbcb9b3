"""CachedLanguageModel: every LM request content-addressed in the text cache. A rerun makes
zero model calls (zero forward passes, zero HTTP requests), a killed run resumes with only
the missing requests, truncation counts survive the cache, and two protocols never share
an entry."""
import pytest

from tests.lm_helpers import Served, mixed_requests, sib_sentences
from xling.errors import XlingError
from xling.lmcache import CachedLanguageModel
from xling.models import LanguageModel
from xling.plugins import load_model as load
from xling.models.hf_causal import CausalOptions, HFCausalLM
from xling.textcache import TextStore


def close(a, b, tol=1e-4) -> bool:
    """Same log-likelihoods (batching differs: float rounding only) and the same flags."""
    return len(a) == len(b) and all(abs(x[0] - y[0]) < tol and tuple(x[1:]) == tuple(y[1:]) for x, y in zip(a, b))


def run_all(lm, reqs, texts, prompts):
    return lm.loglikelihood(reqs), lm.loglikelihood_rolling(texts), lm.generate(prompts, until=["."], max_tokens=5)


def test_rerun_makes_zero_model_calls(gpt2_dir, tmp_path):
    reqs = mixed_requests(2)
    texts = [s for ss in sib_sentences(("eng_Latn", "hin_Deva"), "dev", n=3).values() for s in ss]
    prompts = [t[:25] for t in texts]
    model = HFCausalLM(str(gpt2_dir), CausalOptions(device="cpu"))
    direct = run_all(model, reqs, texts, prompts)
    forward = model.scorer.calls
    first = CachedLanguageModel(model, TextStore(tmp_path / "c.sqlite"), chunk=16)
    assert isinstance(first, LanguageModel) and first.name == model.name
    out1 = run_all(first, reqs, texts, prompts)
    distinct = len(set(reqs)) + len(set(texts)) + len(set(prompts))
    assert first.model_calls == distinct and first.hits == len(reqs) + len(texts) + len(prompts) - distinct
    assert close(out1[0], direct[0]) and close(out1[1], direct[1]) and out1[2] == direct[2]
    assert first.truncated == sum(t for _, _, t in model.loglikelihood_flags(reqs)) > 0
    calls_before = model.scorer.calls
    assert calls_before > forward
    second = CachedLanguageModel(model, TextStore(tmp_path / "c.sqlite"))
    out2 = run_all(second, reqs, texts, prompts)
    assert second.model_calls == 0 and second.hits == len(reqs) + len(texts) + len(prompts)
    assert model.scorer.calls == calls_before  # not one forward pass
    assert out2[0] == out1[0] and out2[1] == [tuple(x) for x in out1[1]] and out2[2] == out1[2]
    assert second.truncated == first.truncated  # the counts come back from the cache too


class Dies:
    """A language model that is killed after ``budget`` requests."""

    def __init__(self, model, budget):
        self.model, self.budget, self.name, self.cache_params = model, budget, model.name, model.cache_params
        self.seen = 0

    def loglikelihood(self, requests):
        self.seen += len(requests)
        if self.seen > self.budget:
            raise KeyboardInterrupt
        return self.model.loglikelihood(requests)


def test_killed_run_resumes(gpt2_dir, tmp_path):
    reqs = list(dict.fromkeys(mixed_requests(3)))
    model = HFCausalLM(str(gpt2_dir), CausalOptions(device="cpu"))
    with pytest.raises(KeyboardInterrupt):
        CachedLanguageModel(Dies(model, 40), TextStore(tmp_path / "c.sqlite"), chunk=20).loglikelihood(reqs)
    again = CachedLanguageModel(model, TextStore(tmp_path / "c.sqlite"), chunk=20)
    out = again.loglikelihood(reqs)
    assert again.hits == 40 and again.model_calls == len(reqs) - 40
    assert close(out, model.loglikelihood(reqs))


def test_protocols_and_windows_never_share_entries(llama_dir, tmp_path):
    texts = sib_sentences(("eng_Latn",), "dev", n=4)["eng_Latn"]
    store = TextStore(tmp_path / "c.sqlite")
    a = CachedLanguageModel(HFCausalLM(str(llama_dir), CausalOptions(device="cpu")), store)
    fixed = CausalOptions(device="cpu", protocol="lm-eval-0.4.13+text-rolling")
    b = CachedLanguageModel(HFCausalLM(str(llama_dir), fixed), store)
    c = CachedLanguageModel(HFCausalLM(str(llama_dir), CausalOptions(device="cpu", max_length=32)), store)
    ra, rb = a.loglikelihood_rolling(texts), b.loglikelihood_rolling(texts)
    c.loglikelihood_rolling(texts)
    assert (a.model_calls, b.model_calls, c.model_calls) == (4, 4, 4) and a.hits == b.hits == 0
    assert all(abs(x[0] - y[0]) > 1e-3 and x[1] == y[1] + 1 for x, y in zip(ra, rb))


def test_openai_rerun_makes_no_http_request(gpt2_dir, serve, tmp_path):
    served = Served(gpt2_dir)
    url = serve(served)
    reqs = mixed_requests(2)
    lm = CachedLanguageModel(load("openai:tiny@r1", base_url=url, tokenizer=str(gpt2_dir), progress=False),
                             TextStore(tmp_path / "c.sqlite"))
    out = lm.loglikelihood(reqs)
    n = len(served.prompts)
    assert n == len(set(reqs)) == lm.model_calls
    gone = CachedLanguageModel(load("openai:tiny@r1", base_url="http://127.0.0.1:9/v1", tokenizer=str(gpt2_dir),
                                    progress=False, connect_retries=0), TextStore(tmp_path / "c.sqlite"))
    assert gone.loglikelihood(reqs) == out and gone.model_calls == 0 and len(served.prompts) == n
    with pytest.raises(XlingError, match="cannot reach the OpenAI-compatible server"):
        gone.loglikelihood([("new", " request")])
