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


class Halts:
    """A log-likelihood model without truncation flags: ``-i`` for request ``(c, str(i))``; the
    call that reaches request ``fail_at`` fails, as ``partial`` says: a ``Partial`` carrying the
    answers before it, or a plain error."""

    name, cache_params = "halts", ""

    def __init__(self, fail_at: int, partial: bool = True, counter: bool = False, commit_batch=None):
        self.fail_at, self.partial, self.calls = fail_at, partial, []
        if counter:
            self.truncated = 0
        if commit_batch:
            self.commit_batch = commit_batch

    def loglikelihood(self, requests):
        from xling.errors import Partial

        self.calls.append(len(requests))
        out = [(-float(x), True) for _, x in requests]
        bad = next((i for i, (_, x) in enumerate(requests) if int(x) == self.fail_at), None)
        if bad is None:
            return out
        cause = XlingError(f"request {self.fail_at}: no valid answer after 6 attempts")
        raise Partial(cause, dict(enumerate(out[:bad]))) if self.partial else cause


def test_answers_before_a_failure_are_kept_from_a_model_without_flags(tmp_path):
    reqs = [("c", str(i)) for i in range(6)]
    store = TextStore(tmp_path / "c.sqlite")
    with pytest.raises(XlingError) as e:
        CachedLanguageModel(Halts(fail_at=4), store).loglikelihood_flags(reqs)
    assert len(str(e.value).splitlines()) == 1
    assert str(e.value).startswith("request 4: no valid answer after 6 attempts (4 of the 6 answers asked for")
    again = Halts(fail_at=-1)
    assert CachedLanguageModel(again, store).loglikelihood_flags(reqs) == [(-float(i), True, None) for i in range(6)]
    assert again.calls == [2]  # only the two never answered are asked again
    # with a truncation counter, which answers were cut is unknown: none is kept (the error stays)
    counted = TextStore(tmp_path / "d.sqlite")
    with pytest.raises(XlingError, match="^request 4: no valid answer after 6 attempts$"):
        CachedLanguageModel(Halts(fail_at=4, counter=True), counted).loglikelihood_flags(reqs)
    fresh = Halts(fail_at=-1)
    CachedLanguageModel(fresh, counted).loglikelihood_flags(reqs)
    assert fresh.calls == [6]


def test_an_http_model_commits_small_batches(tmp_path):
    """solvers.lmcalls chunks by the model's ``commit_batch``: a plain failure (no ``Partial``)
    at request 9 keeps the two batches of 4 answered before it."""
    from xling.cache import EmbeddingStore
    from xling.solvers import lmcalls
    from xling.solvers.base import Context

    reqs = [("c", str(i)) for i in range(12)]
    ctx = Context(source=None, store=EmbeddingStore(tmp_path))
    with pytest.raises(XlingError, match="request 9"):
        lmcalls.loglikelihood(ctx, Halts(fail_at=9, partial=False, commit_batch=4), reqs)
    again = Halts(fail_at=-1, commit_batch=4)
    out = lmcalls.loglikelihood(Context(source=None, store=EmbeddingStore(tmp_path)), again, reqs)
    assert out == [(-float(i), True, None) for i in range(12)]
    assert again.calls == [4] and again.model_calls == 4 and again.hits == 8
