"""Log-likelihood requests as token ids, exactly as lm-evaluation-harness 0.4.13 builds them.

Tokenizer-agnostic: a backend passes a ``Tokens`` adapter (batch ``encode`` with the
tokenizer's default special tokens, or with them forced on or off, and the prefix token id).
Shared by the in-process backend (``models.hf_causal``) and the HTTP one (``models.openai``),
so both send the same tokens to the same model and get the same numbers.

What lm-eval 0.4.13 does (``api/model.py`` TemplateLM.loglikelihood/_encode_pair,
``models/huggingface.py`` _loglikelihood_tokens/loglikelihood_rolling, ``utils.py``
get_rolling_token_windows/make_disjoint_window), reproduced here:

* trailing whitespace of a context moves to the front of its continuation;
* continuation tokens = ``encode(context + continuation)[len(encode(context)):]`` (the
  tokenizer's default special tokens, so a BOS-adding tokenizer puts BOS before the context);
* an empty context: the continuation is encoded without special tokens and the prefix token
  (BOS, else EOS) becomes the context, unless the continuation already starts with it;
* the model reads ``(context + continuation)[-(window + 1):][:-1]``: a pair longer than the
  window loses tokens on the left (counted: ``Prepared.truncated``);
* rolling log-likelihood: disjoint windows of ``window`` predicted tokens over
  ``encode(text)``, the first conditioned on the prefix token alone.

The protocol ``lm-eval-0.4.13`` keeps lm-eval's quirk in rolling log-likelihoods: the text is
encoded with the tokenizer's special tokens, so for a tokenizer that adds BOS the first window
reads ``[BOS, BOS, t1, ...]`` and scores P(BOS | BOS) as if BOS were part of the text (and it
is counted as a token). ``lm-eval-0.4.13+text-rolling`` encodes the text without special
tokens: only the text's own tokens are scored, the first given the prefix token. Both give
identical log-likelihood (context, continuation) requests; for tokenizers that add no special
tokens (GPT-2) the rolling numbers are identical too.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from .errors import XlingError


@dataclass(frozen=True)
class LMProtocol:
    name: str
    rolling_special_tokens: bool | None  # None: the tokenizer's default (lm-eval); False: none


PROTOCOLS = {p.name: p for p in (LMProtocol("lm-eval-0.4.13", None),
                                 LMProtocol("lm-eval-0.4.13+text-rolling", False))}
DEFAULT_PROTOCOL = "lm-eval-0.4.13"


def protocol(name: str | None) -> LMProtocol:
    if not name:
        return PROTOCOLS[DEFAULT_PROTOCOL]
    if name not in PROTOCOLS:
        raise XlingError(f"--protocol must be one of {', '.join(PROTOCOLS)}, got {name!r}")
    return PROTOCOLS[name]


class Tokens(Protocol):
    """What request building needs from a tokenizer."""

    prefix_token_id: int

    def encode(self, texts: Sequence[str], special: bool | None = None) -> list[list[int]]:
        """Token ids per text; ``special`` None: the tokenizer's default special tokens."""
        ...


@dataclass(frozen=True)
class Prepared:
    """One scoring request as the model reads it: ``context`` (non-empty) then
    ``continuation``, after left truncation to the window."""

    context: tuple[int, ...]
    continuation: tuple[int, ...]
    truncated: bool = False


def move_spaces(context: str, continuation: str) -> tuple[str, str]:
    """Trailing whitespace of the context goes to the front of the continuation."""
    n = len(context) - len(context.rstrip())
    if n:
        return context[:-n], context[-n:] + continuation
    return context, continuation


def encode_pairs(tok: Tokens, requests: Sequence[tuple[str, str]]) -> list[tuple[list[int], list[int]]]:
    """(context ids, continuation ids) per (context, continuation), as lm-eval 0.4.13."""
    out: list[tuple[list[int], list[int]] | None] = [None] * len(requests)
    empty = [i for i, (c, _) in enumerate(requests) if c == ""]
    full = [i for i, (c, _) in enumerate(requests) if c != ""]
    for i, cont in zip(empty, tok.encode([requests[i][1] for i in empty], special=False)):
        if not cont:
            raise XlingError(f"log-likelihood request {i}: empty context and a continuation with no tokens "
                             f"({requests[i][1]!r})")
        p = tok.prefix_token_id
        out[i] = ([p], cont) if cont[0] != p else (cont[:1], cont[1:])
    moved = [move_spaces(*requests[i]) for i in full]
    ctxs = tok.encode([c for c, _ in moved])
    wholes = tok.encode([c + x for c, x in moved])
    for i, ctx, whole in zip(full, ctxs, wholes):
        out[i] = (ctx, whole[len(ctx):])
    for i, (ctx, cont) in enumerate(out):
        if not ctx or not cont:
            what = "context" if not ctx else "continuation"
            raise XlingError(f"log-likelihood request {i}: the {what} encodes to no tokens "
                             f"(context {requests[i][0][-40:]!r}, continuation {requests[i][1][:40]!r})")
    return out  # type: ignore[return-value]


def fit_window(context: Sequence[int], continuation: Sequence[int], window: int) -> Prepared:
    """lm-eval's left truncation: the model reads ``(ctx + cont)[-(window + 1):][:-1]``."""
    if len(continuation) > window:
        raise XlingError(f"a continuation of {len(continuation)} tokens does not fit the model's window of "
                         f"{window} tokens")
    whole = tuple(context) + tuple(continuation)
    keep = whole[-(window + 1):]
    return Prepared(keep[:len(keep) - len(continuation)], tuple(continuation), len(keep) < len(whole))


def prepare(tok: Tokens, requests: Sequence[tuple[str, str]], window: int) -> list[Prepared]:
    return [fit_window(c, x, window) for c, x in encode_pairs(tok, requests)]


def rolling_token_windows(tokens: Sequence[int], prefix_token: int, max_seq_len: int,
                          context_len: int = 1) -> Iterator[tuple[list[int], list[int]]]:
    """lm-eval's ``get_rolling_token_windows``: (input tokens, predicted tokens) per window."""
    if not 1 <= context_len <= max_seq_len:
        raise XlingError(f"rolling windows need 1 <= context_len <= {max_seq_len}, got {context_len}")
    tokens = list(tokens)
    if not tokens:
        return
    pred_len = max_seq_len - context_len + 1
    first = min(max_seq_len, len(tokens))
    yield [prefix_token] + tokens[:first - 1], tokens[:first]
    predicted = first
    while predicted < len(tokens):
        n = min(len(tokens) - predicted, pred_len)
        end = predicted + n
        yield tokens[end - max_seq_len - 1:end - 1], tokens[end - n:end]
        predicted += n


def disjoint(pair: tuple[list[int], list[int]]) -> tuple[list[int], list[int]]:
    """lm-eval's ``make_disjoint_window``: the context stops where the predictions start."""
    a, b = pair
    return a[:len(a) - (len(b) - 1)], b


def rolling(tok: Tokens, proto: LMProtocol, texts: Sequence[str], window: int) -> list[list[Prepared]]:
    """Per text, its disjoint windows as scoring requests (never truncated)."""
    out = []
    for ids in tok.encode(list(texts), special=proto.rolling_special_tokens):
        wins = [disjoint(w) for w in rolling_token_windows(ids, tok.prefix_token_id, window)]
        out.append([Prepared(tuple(c), tuple(x)) for c, x in wins])
    return out


def cut_at(text: str, stops: Sequence[str]) -> str:
    """lm-eval's post-processing of generated text: cut at each (non-empty) stop string in
    turn, i.e. at the earliest occurrence of any."""
    for s in stops:
        if s:
            text = text.split(s)[0]
    return text
