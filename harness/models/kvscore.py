"""Score (context, continuation) token requests with a causal transformers model, each
distinct context read once.

lm-evaluation-harness feeds every (context + continuation) through the model whole: a
4-choice item with a 300-token passage reads the passage 4 times. Here the requests are
grouped by context; each batch of contexts runs once (right-padded, as lm-eval pads, keeping
only the last position's logits) and its key/value cache is then reused by every
continuation of that context (batched, the cache rows selected per continuation, the context
padding masked out, positions continuing after each context). Requests whose continuations
share all but their last token share one row, and one-token continuations need no second
pass at all: lm-eval's reuse of logits for one-token continuations, generalised.

The numbers equal a whole-sequence pass up to float rounding (tests: within 1e-4 of lm-eval
0.4.13's HFLM). Log-softmax is taken in float32 whatever the model's dtype. Batches are built
by a token budget: a batch of contexts holds at most ``budget`` padded tokens, a batch of
continuations at most ``budget`` tokens counting the cached context each row attends to.
"""
from __future__ import annotations

import copy
import inspect
from collections.abc import Sequence

from ..lmreq import Prepared

LOGITS_BUDGET = 1 << 27  # float32 logits a continuation pass may hold (512 MiB)


def budget_batches(lengths: Sequence[int], budget: int, base: int = 0, fill: float = 0.5,
                   cap: int | None = None) -> list[list[int]]:
    """Indices sorted by length (longest first) cut into batches of at most ``budget`` padded
    tokens, each item counting ``base`` more (the cached context it attends to), and at most
    ``cap`` padded tokens without it; a longer item gets a batch of its own. An item shorter
    than ``fill`` times its batch's longest starts a new batch, so padding stays under about
    1 - ``fill`` of the work."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    out: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        n, longest = len(cur) + 1, lengths[cur[0]] if cur else 0
        if cur and ((longest + base) * n > budget or lengths[i] < fill * longest or (cap and longest * n > cap)):
            out.append(cur)
            cur = []
        cur.append(i)
    if cur:
        out.append(cur)
    return out


class KVScorer:
    """The scoring engine of ``hf-causal``; ``calls`` counts forward passes."""

    def __init__(self, torch, model, device, budget: int = 4096):
        self.torch, self.model, self.device, self.budget = torch, model, device, int(budget)
        params = inspect.signature(model.forward).parameters
        self._keep = "logits_to_keep" in params
        self._cache_kw = "cache" if "cache" in params else "past_key_values"  # transformers >= 5.2x: cache
        vocab = getattr(model.config, "vocab_size", None) or 50_000
        self.logit_rows = max(1, LOGITS_BUDGET // int(vocab))  # continuation tokens per pass: bounded logits memory
        self.calls = 0

    def score(self, items: Sequence[Prepared]) -> list[tuple[float, bool]]:
        """(sum of continuation log-probs, every continuation token greedy) per request."""
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, it in enumerate(items):
            groups.setdefault(it.context, []).append(i)
        keys = list(groups)
        out: list[tuple[float, bool] | None] = [None] * len(items)
        with self.torch.inference_mode():
            for batch in budget_batches([len(k) for k in keys], self.budget):
                ctxs = [keys[j] for j in batch]
                members = [groups[c] for c in ctxs]
                cache, logp, greedy = self._contexts(ctxs)
                idx = [(g, items[i].continuation[0]) for g, m in enumerate(members) for i in m]
                lps = self._gather(logp, [g for g, _ in idx], [t for _, t in idx])
                rows: dict[tuple[int, tuple[int, ...]], list[int]] = {}
                k = 0
                for g, m in enumerate(members):
                    for i in m:
                        cont = items[i].continuation
                        out[i] = (lps[k], int(greedy[g]) == cont[0])
                        k += 1
                        if len(cont) > 1:
                            rows.setdefault((g, cont[:-1]), []).append(i)
                del logp
                if rows:
                    self._continuations(cache, [len(c) for c in ctxs], rows, items, out)
        return out  # type: ignore[return-value]

    def _forward(self, **kw):
        self.calls += 1
        return self.model(**kw)

    def _gather(self, scores, rows: list[int], toks: list[int]) -> list[float]:
        """Log-probabilities ``logits[rows, toks] - logsumexp(logits[rows])`` as floats, for
        ``scores`` = (float32 logits [n, vocab], their logsumexp [n]): one indexing op on the
        device, no second vocab-sized tensor."""
        t = self.torch
        logits, lse = scores
        r = t.tensor(rows, dtype=t.long, device=logits.device)
        k = t.tensor(toks, dtype=t.long, device=logits.device)
        return (logits[r, k] - lse[r]).double().cpu().tolist()

    def _contexts(self, ctxs: Sequence[tuple[int, ...]]):
        """One pass over right-padded contexts: the key/value cache and, per context, the
        float32 next-token logits with their logsumexp, and the greedy next token."""
        torch = self.torch
        width = max(len(c) for c in ctxs)
        ids = torch.zeros((len(ctxs), width), dtype=torch.long)
        for g, c in enumerate(ctxs):
            ids[g, :len(c)] = torch.tensor(c, dtype=torch.long)
        keep = torch.zeros((len(ctxs), width), dtype=torch.bool)
        for g, c in enumerate(ctxs):
            keep[g, len(c) - 1] = True
        res, logits = self._logits_at(lambda: dict(input_ids=ids.to(self.device), use_cache=True), keep)
        logits = logits.float()
        cache = getattr(res, "cache", None)
        return (res.past_key_values if cache is None else cache, (logits, torch.logsumexp(logits, dim=-1)),
                logits.argmax(dim=-1).cpu().tolist())

    def _logits_at(self, inputs, keep):
        """(model output, logits at the ``keep`` positions flattened row by row) for the
        forward arguments ``inputs()`` makes (fresh ones per call: a cache is updated in
        place). Only those positions reach the LM head where the model takes a boolean
        ``logits_to_keep`` (transformers >= 5); otherwise all logits are computed, then selected."""
        keep = keep.to(self.device)
        n = int(keep.sum())
        if self._keep:
            res = self._forward(logits_to_keep=keep, **inputs())
            if res.logits.dim() == 2 and res.logits.shape[0] == n:
                return res, res.logits
            self._keep = False  # an older slicing rule: select from the full logits from now on
        res = self._forward(**inputs())
        return res, res.logits[keep]

    def _continuations(self, cache, ctx_lens: list[int], rows: dict, items: Sequence[Prepared], out: list) -> None:
        """The continuations' remaining tokens, reading the cached contexts."""
        keys = list(rows)
        past = cache.get_seq_length()
        for batch in budget_batches([len(k[1]) for k in keys], self.budget, base=past, cap=self.logit_rows):
            sel = [keys[r] for r in batch]
            logp, greedy, offset = self._rows(cache, ctx_lens, sel, past)
            where = [(offset[r] + t, tok) for r, key in enumerate(sel) for i in rows[key]
                     for t, tok in enumerate(items[i].continuation[1:])]
            lps = iter(self._gather(logp, [w[0] for w in where], [w[1] for w in where]))
            for r, key in enumerate(sel):
                for i in rows[key]:
                    target = items[i].continuation[1:]
                    lp = sum(next(lps) for _ in target)
                    ok = all(greedy[offset[r] + t] == tok for t, tok in enumerate(target))
                    lp0, ok0 = out[i]
                    out[i] = (lp0 + lp, ok0 and ok)

    def _rows(self, cache, ctx_lens: list[int], sel: list, past: int):
        """One pass over continuation inputs (right-padded) after their cached contexts:
        float32 logits (with their logsumexp) and greedy tokens at the real positions only (flattened row by
        row; ``offset[r]`` is where row r starts), the padding never reaching the LM head."""
        torch = self.torch
        width = max(len(inp) for _, inp in sel)
        ids = torch.zeros((len(sel), width), dtype=torch.long)
        mask = torch.ones((len(sel), past + width), dtype=torch.long)
        pos = torch.zeros((len(sel), width), dtype=torch.long)
        keep = torch.zeros((len(sel), width), dtype=torch.bool)
        offset, n = [], 0
        for r, (g, inp) in enumerate(sel):
            ids[r, :len(inp)] = torch.tensor(inp, dtype=torch.long)
            mask[r, ctx_lens[g]:past] = 0
            pos[r] = ctx_lens[g] + torch.arange(width).clamp(max=len(inp) - 1)  # padding repeats the last position
            keep[r, :len(inp)] = True
            offset.append(n)
            n += len(inp)
        rows = torch.tensor([g for g, _ in sel], dtype=torch.long, device=self.device)
        ids, mask, pos = ids.to(self.device), mask.to(self.device), pos.to(self.device)
        _, logits = self._logits_at(lambda: dict(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True,
                                                 **{self._cache_kw: select(cache, rows)}), keep)
        logits = logits.float()
        return (logits, torch.logsumexp(logits, dim=-1)), logits.argmax(dim=-1).cpu().tolist(), offset


def select(cache, rows):
    """A copy of a key/value cache holding only ``rows`` (a tensor of batch indices) of its
    batch. The original stays intact: selecting makes new tensors, and the copy's updates
    (concatenation) never touch the original's."""
    sel = copy.copy(cache)
    sel.layers = [copy.copy(layer) for layer in cache.layers]
    sel.batch_select_indices(rows)
    return sel
