"""``hf-causal:<dir-or-hub-id>[@rev]``: a transformers causal LM (``AutoModelForCausalLM``)
as a ``LanguageModel``: log-likelihoods exactly as lm-evaluation-harness 0.4.13 computes them
(``xling.lmreq``), each distinct context read once (``kvscore``), and greedy generation.

Options: ``device`` (default cuda if available), ``dtype`` (float32, bfloat16, float16),
``token_budget`` (padded tokens per forward pass), ``max_length`` (the window; default as
lm-eval: the config's n_positions / max_position_embeddings / n_ctx, else the tokenizer's
model_max_length, else 2048), ``protocol`` (``lmreq.PROTOCOLS``; part of ``cache_params``).

Generation: greedy by default; ``temperature`` > 0 samples (``top_p``, ``seed``; each prompt
from its own generator seeded by (seed, prompt), so outputs never depend on the batch: see
``xling.models.chat``), ``max_new_tokens`` overrides the task's length. ``chat_template``
renders every prompt as a chat (``system`` turn, if given, then the prompt as the user turn)
with the checkpoint's own template and the generation prompt; the template's and the system
text's hashes and the decoding settings are part of ``cache_params``.

``truncated`` counts the requests (log-likelihood pairs, generation prompts) that lost
tokens on the left to fit the window; ``loglikelihood_flags`` says which.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import lmreq
from ..errors import XlingError
from . import Backend
from .chat import Decoding, messages, text_hash
from .hf_tokens import HFTokens, check_has_tokenizer

DTYPES = ("float32", "bfloat16", "float16")
DEFAULT_MAX_LENGTH = 2048  # lm-eval's default window when neither config nor tokenizer says
TOKENIZER_INFINITY = 1000000000000000019884624838656


@dataclass
class CausalOptions:
    device: str | None = None
    dtype: str = "float32"
    token_budget: int = 4096
    max_length: int | None = None
    protocol: str = lmreq.DEFAULT_PROTOCOL
    threads: int | None = None
    revision: str | None = None
    trust_remote_code: bool = False
    chat_template: bool = False  # render prompts with the checkpoint's chat template
    system: str | None = None  # a system turn (with chat_template)
    temperature: float | None = None  # > 0: sampled generation
    top_p: float | None = None
    seed: int | None = None
    max_new_tokens: int | None = None


def resolve_max_length(config, tokenizer) -> int:
    """lm-eval 0.4.13's ``resolve_max_length``."""
    cfg = getattr(config, "text_config", None) or config
    for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
        value = getattr(cfg, attr, None)
        if value is not None:
            return int(value)
    mml = getattr(tokenizer, "model_max_length", None)
    if mml is not None and mml != TOKENIZER_INFINITY:
        return int(mml)
    return DEFAULT_MAX_LENGTH


class HFCausalLM:
    def __init__(self, path: str, options: CausalOptions | None = None):
        o = options or CausalOptions()
        if o.dtype not in DTYPES:
            raise XlingError(f"--dtype must be one of {', '.join(DTYPES)}, got {o.dtype!r}")
        if int(o.token_budget) < 1:
            raise XlingError(f"--token-budget must be positive, got {o.token_budget}")
        self.proto = lmreq.protocol(o.protocol)
        check_has_tokenizer(path)
        from .hf import HFOptions, load_checkpoint
        from .kvscore import KVScorer

        torch, self.tokenizer, model, self.device, name = load_checkpoint(
            path, "AutoModelForCausalLM", HFOptions(o.revision, o.device, o.threads, o.trust_remote_code),
            what="causal LM")
        self._torch, self.model = torch, model.to(dtype=getattr(torch, o.dtype))
        self.tokens = HFTokens(self.tokenizer)
        self.max_length = int(o.max_length or resolve_max_length(model.config, self.tokenizer))
        self.scorer = KVScorer(torch, self.model, self.device, o.token_budget)
        self.token_budget = int(o.token_budget)
        self.name = "hf-causal:" + name.partition(":")[2]
        self.decoding = Decoding(o.temperature or 0.0, o.top_p, o.seed, o.max_new_tokens).check()
        self.chat_template = _chat_template(self.tokenizer, path) if o.chat_template else None
        if o.system and self.chat_template is None:
            raise XlingError("--system is a chat turn: it needs --chat-template")
        self.system = o.system or None
        self.cache_params = ";".join(x for x in (
            f"protocol={self.proto.name};dtype={o.dtype};window={self.max_length}", self.decoding.params(),
            f"chat={text_hash(self.chat_template)}" if self.chat_template else "",
            f"system={text_hash(self.system)}" if self.system else "") if x)
        self.truncated = 0

    # ------------------------------------------------------------------ log-likelihoods

    def loglikelihood_flags(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool, bool]]:
        """(log-prob, is_greedy, truncated) per (context, continuation)."""
        prepared = lmreq.prepare(self.tokens, list(requests), self.max_length)
        self.truncated += sum(p.truncated for p in prepared)
        return [(lp, g, p.truncated) for (lp, g), p in zip(self.scorer.score(prepared), prepared)]

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        return [(lp, g) for lp, g, _ in self.loglikelihood_flags(requests)]

    def loglikelihood_rolling(self, texts: Sequence[str]) -> list[tuple[float, int]]:
        """(total log-prob, tokens scored) per text, over lm-eval's disjoint windows."""
        per_text = lmreq.rolling(self.tokens, self.proto, list(texts), self.max_length)
        flat = [w for wins in per_text for w in wins]
        scores = iter(self.scorer.score(flat))
        out = []
        for wins in per_text:
            out.append((sum(next(scores)[0] for _ in wins), sum(len(w.continuation) for w in wins)))
        return out

    # ------------------------------------------------------------------ generation

    def render(self, prompt: str) -> str:
        """The text generation continues: the prompt, or its chat rendered by the template."""
        if self.chat_template is None:
            return prompt
        return self.tokenizer.apply_chat_template(messages(prompt, self.system), tokenize=False,
                                                  add_generation_prompt=True)

    def chat_records(self, prompts: Sequence[str]) -> list[dict] | None:
        """Per prompt, the messages and the rendered text (None without a chat template)."""
        if self.chat_template is None:
            return None
        return [{"messages": messages(p, self.system), "rendered": self.render(p)} for p in prompts]

    def generate_flags(self, prompts: Sequence[str], until: Sequence[str] = (),
                       max_tokens: int = 64) -> list[tuple[str, bool]]:
        """(continuation cut at the first of ``until``, prompt truncated) per prompt: greedy, or
        sampled with ``decoding``; prompts rendered as chats with ``chat_template``."""
        from .hf_generate import generate

        prompts = [self.render(p) for p in prompts]
        if not prompts:
            return []
        max_tokens = self.decoding.tokens(max_tokens)
        if not 0 < int(max_tokens) < self.max_length:
            raise XlingError(f"max_tokens must be between 1 and the window ({self.max_length}) - 1, got {max_tokens}")
        out = generate(self, prompts, list(until), int(max_tokens))
        self.truncated += sum(c for _, c in out)
        return out

    def generate(self, prompts: Sequence[str], until: Sequence[str] = (), max_tokens: int = 64) -> list[str]:
        """Continuations (greedy in left-padded batches, or seeded samples), cut at the first of ``until``."""
        return [t for t, _ in self.generate_flags(prompts, until, max_tokens)]


def _chat_template(tokenizer, path: str) -> str:
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):  # several named templates: the default one
        template = template.get("default")
    if not template:
        raise XlingError(f"checkpoint {path!r} has no chat template (no chat_template in its tokenizer files): "
                         "drop --chat-template, or use a chat checkpoint")
    return str(template)


def make(arg: str, threads: int | None = None, device: str | None = None, batch_size=None,
         **options) -> HFCausalLM:
    """``hf-causal:<dir-or-hub-id>[@rev]``; options: the fields of ``CausalOptions``."""
    if batch_size is not None:
        raise XlingError("hf-causal batches by a token budget (--token-budget), not --batch-size")
    if not arg:
        raise XlingError("model spec 'hf-causal:' needs a path or hub id, e.g. hf-causal:./my-llm or "
                         "hf-causal:gpt2@main")
    known = set(CausalOptions.__dataclass_fields__) - {"device", "threads", "revision"}
    unknown = sorted(k for k, v in options.items() if k not in known and v is not None)
    if unknown:
        raise XlingError(f"model hf-causal:{arg} does not take option(s) {', '.join(unknown)}")
    path, _, rev = arg.partition("@")
    kw = {k: v for k, v in options.items() if v is not None}
    return HFCausalLM(path, CausalOptions(device=device, threads=threads, revision=rev or None, **kw))


BACKEND = Backend("hf-causal", make, ("LanguageModel", "Generator"), offline=False,
                  usage="hf-causal:<dir-or-hub-id>[@rev]",
                  summary="a transformers causal LM in process: log-likelihoods exactly as lm-evaluation-harness "
                          "0.4.13 (shared-context KV reuse), rolling log-likelihoods, greedy or seeded sampled "
                          "generation, optionally through the checkpoint's chat template")
