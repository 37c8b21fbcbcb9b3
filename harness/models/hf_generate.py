"""Greedy generation for ``hf-causal``: prompts encoded as lm-evaluation-harness 0.4.13
encodes them for ``generate_until`` (left-truncated to the window minus ``max_tokens``),
batched by a token budget in left-padded batches, each row stopped at EOS or once its
decoded text holds one of the stop strings, and each text cut at the first stop string
(lm-eval's post-processing, EOS included)."""
from __future__ import annotations

from ..lmreq import cut_at
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
    torch, tok = lm._torch, lm.tokenizer
    limit = lm.max_length - max_tokens
    ids = lm.tokens.encode(prompts)
    cut = [len(x) > limit for x in ids]
    ids = [x[-limit:] or [lm.tokens.prefix_token_id] for x in ids]  # an empty prompt reads the prefix token
    eos = tok.decode([tok.eos_token_id], skip_special_tokens=False) if tok.eos_token_id is not None else None
    stops = list(until) + ([eos] if eos and eos not in until else [])
    pad = _pad_id(tok)
    out: list[str] = [""] * len(prompts)
    for batch in budget_batches([len(x) + max_tokens for x in ids], lm.token_budget):
        width = max(len(ids[i]) for i in batch)
        inp = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, i in enumerate(batch):
            if ids[i]:
                inp[r, width - len(ids[i]):] = torch.tensor(ids[i], dtype=torch.long)
                mask[r, width - len(ids[i]):] = 1
        kw = dict(stopping_criteria=[_StopOnText(tok, [s for s in until if s], width, torch)]) if any(until) else {}
        with torch.inference_mode():
            gen = lm.model.generate(input_ids=inp.to(lm.device), attention_mask=mask.to(lm.device),
                                    max_new_tokens=max_tokens, do_sample=False, pad_token_id=pad, **kw)
        lm.scorer.calls += 1
        for r, i in enumerate(batch):
            out[i] = cut_at(tok.decode(gen[r, width:].tolist(), skip_special_tokens=True), stops)
    return list(zip(out, cut))
