"""Greedy generation for ``hf-causal``: prompts encoded as lm-evaluation-harness 0.4.13
encodes them for ``generate_until`` (left-truncated to the window minus ``max_tokens``),
batched by a token budget in left-padded batches, stopped at EOS or once every row holds one
of the stop strings, and each text cut at the first stop string (lm-eval's post-processing,
EOS included)."""
from __future__ import annotations

from .kvscore import budget_batches


def cut_at(text: str, stops: list[str]) -> str:
    """lm-eval's post-processing: cut at each (non-empty) stop string in turn, i.e. at the
    earliest occurrence of any."""
    for s in stops:
        if s:
            text = text.split(s)[0]
    return text


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
        kw = dict(stop_strings=[s for s in until if s], tokenizer=tok) if any(until) else {}
        with torch.inference_mode():
            gen = lm.model.generate(input_ids=inp.to(lm.device), attention_mask=mask.to(lm.device),
                                    max_new_tokens=max_tokens, do_sample=False, pad_token_id=pad, **kw)
        lm.scorer.calls += 1
        for r, i in enumerate(batch):
            out[i] = cut_at(tok.decode(gen[r, width:].tolist(), skip_special_tokens=True), stops)
    return list(zip(out, cut))
