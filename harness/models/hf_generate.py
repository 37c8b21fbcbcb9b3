"""Generation for ``hf-causal``: prompts encoded as lm-evaluation-harness 0.4.13 encodes
them for ``generate_until`` (left-truncated to the window minus ``max_tokens``), each row
stopped at EOS or once its decoded text holds one of the stop strings, and each text cut at
the first stop string (lm-eval's post-processing, EOS included).

Greedy decoding runs in left-padded batches under a token budget. Sampled decoding
(``lm.decoding.sampled``: temperature, top-p, no top-k) runs each prompt alone, under its own
seed (``chat.prompt_seed``: the run's seed and the prompt) in a forked RNG state: a prompt's
sample is the same whichever prompts come with it, and the process's RNG is left untouched."""
from __future__ import annotations

from ..lmreq import cut_at
from .chat import prompt_seed
from .kvscore import budget_batches


class _StopOnText:
    """A row is done once the text decoded from its generated tokens holds a stop string
    (decoded as the final text is: transformers' own ``stop_strings`` match token strings,
    and a SentencePiece piece such as '▁word' would count as holding a space)."""

    def __init__(self, tok, stops: list[str], start: int, torch):
        self.tok, self.stops, self.start, self.torch = tok, stops, start, torch

    def __call__(self, input_ids, scores, **kwargs):
        texts = self.tok.batch_decode(input_ids[:, self.start:].tolist(), skip_special_tokens=True)
        return self.torch.tensor([any(s in t for s in self.stops) for t in texts], device=input_ids.device)


def _pad_id(tok) -> int:
    for pid in (tok.pad_token_id, tok.unk_token_id, tok.eos_token_id):
        if pid is not None:
            return int(pid)
    return 0


def generate(lm, prompts: list[str], until: list[str], max_tokens: int) -> list[tuple[str, bool]]:
    """(text, prompt truncated) per prompt for an ``HFCausalLM``."""
    tok = lm.tokenizer
    limit = lm.max_length - max_tokens
    ids = lm.tokens.encode(prompts)
    cut = [len(x) > limit for x in ids]
    ids = [x[-limit:] or [lm.tokens.prefix_token_id] for x in ids]  # an empty prompt reads the prefix token
    eos = tok.decode([tok.eos_token_id], skip_special_tokens=False) if tok.eos_token_id is not None else None
    stops = list(until) + ([eos] if eos and eos not in until else [])
    d = lm.decoding
    if d.sampled:
        batches = [[i] for i in range(len(ids))]
        seeds = [prompt_seed(d.seed, p) for p in prompts]
        sample = dict(do_sample=True, temperature=float(d.temperature), top_p=float(d.top_p or 1.0), top_k=0)
    else:
        batches, seeds, sample = budget_batches([len(x) + max_tokens for x in ids], lm.token_budget), None, {}
    out: list[str] = [""] * len(prompts)
    for batch in batches:
        gen, width = _run(lm, [ids[i] for i in batch], until, max_tokens, sample,
                          None if seeds is None else seeds[batch[0]])
        for r, i in enumerate(batch):
            out[i] = cut_at(tok.decode(gen[r, width:].tolist(), skip_special_tokens=True), stops)
    return list(zip(out, cut))


def _run(lm, rows: list[list[int]], until: list[str], max_tokens: int, sample: dict, seed: int | None):
    """One left-padded batch through ``model.generate``: (output ids, input width). With a
    ``seed``, sampled in a forked RNG state seeded with it."""
    import contextlib

    torch, tok = lm._torch, lm.tokenizer
    pad = _pad_id(tok)
    width = max(len(x) for x in rows)
    inp = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, x in enumerate(rows):
        inp[r, width - len(x):] = torch.tensor(x, dtype=torch.long)
        mask[r, width - len(x):] = 1
    kw = dict(stopping_criteria=[_StopOnText(tok, [s for s in until if s], width, torch)]) if any(until) else {}
    kw.update(sample or dict(do_sample=False))
    dev = torch.device(lm.device)
    rng = torch.random.fork_rng(devices=[dev.index or 0] if dev.type == "cuda" else []) if seed is not None \
        else contextlib.nullcontext()
    with rng, torch.inference_mode():
        if seed is not None:
            torch.manual_seed(seed)
        gen = lm.model.generate(input_ids=inp.to(lm.device), attention_mask=mask.to(lm.device),
                                max_new_tokens=max_tokens, pad_token_id=pad, **kw)
    lm.scorer.calls += 1
    return gen, width
