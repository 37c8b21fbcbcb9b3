"""Per-layer pooled hidden states of any transformers checkpoint (encoder or causal LM).

``LayerEncoder(path, pooling)`` runs the checkpoint's base model (``AutoModel``: for a causal
LM this is the stack under its LM head, with the same hidden states) with
``output_hidden_states=True`` and pools every layer's token states into one vector per
sentence (the embedding layer is layer 0, so a 12-layer model gives 13 layers):

* ``last``: the state of the last real (non-padding) token, as Language Ranker (arXiv
  2404.11553) uses for decoder-only LLMs;
* ``weighted``: the position-weighted mean, weights 1, 2, ..., T over the real tokens (later
  tokens have seen more of the sentence), as MEXA's ``weighted_embeddings`` (``embd_weighted``,
  its default). MEXA embeds one sentence at a time; here batches are right-padded and the
  weights count real tokens only, which gives the same numbers;
* ``mean``: the plain mean over real tokens.

Special tokens are kept as the tokenizer adds them (MEXA does the same). ``encode`` returns
one row per text: the layers' vectors concatenated (layers x hidden size, float32, not
normalised), so ``xling.cache.CachedEncoder`` caches it like any embedding (the pooling is
part of the name, hence of every cache key); ``split`` turns rows back into
(texts x layers x hidden size). A causal tokenizer without a padding token pads with its
end-of-sequence token, as MEXA does (the padding is masked out).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import XlingError
from . import Backend, check_output
from .hf import HFEncoder, HFOptions

POOLINGS = {"last": "last token (Language Ranker)", "weighted": "position-weighted mean (MEXA)",
            "mean": "mean over tokens"}


def pool(hidden, mask, how: str):
    """Pool token states ``hidden`` (..., tokens, dims) under ``mask`` (..., tokens; 1 =
    real token) into (..., dims); works on torch tensors and numpy arrays alike."""
    if how not in POOLINGS:
        raise XlingError(f"unknown pooling {how!r} (known: {', '.join(POOLINGS)})")
    m = mask * 1.0
    pos = m.cumsum(-1) * m  # 1, 2, ..., T over the real tokens, 0 on padding
    if how == "mean":
        w = m
    elif how == "weighted":
        w = pos
    else:  # the real token whose position equals the number of real tokens
        w = (pos == m.sum(-1)[..., None]) * m
    return (hidden * w[..., None]).sum(-2) / w.sum(-1)[..., None]


class LayerEncoder(HFEncoder):
    """A checkpoint's per-layer pooled hidden states as an Encoder (see the module docstring).
    ``opts`` and ``settings`` are HFEncoder's (``HFOptions``; max_length, token_budget)."""

    def __init__(self, path: str, pooling: str = "weighted", opts: HFOptions = HFOptions(), **settings):
        if pooling not in POOLINGS:
            raise XlingError(f"unknown pooling {pooling!r} (known: {', '.join(POOLINGS)})")
        super().__init__(path, opts, **settings)
        tok = self.tokenizer
        if tok.pad_token is None:
            if tok.eos_token is None:
                raise XlingError(f"checkpoint {path!r}: its tokenizer has neither a padding nor an end-of-sequence token")
            tok.pad_token = tok.eos_token
        tok.padding_side = "right"
        self.pooling = pooling
        self.name = f"{self.name}#layers-{pooling}"
        probe = self._states(["a"])
        self.layers, self.dim = int(probe.shape[1]), int(probe.shape[2])

    def _states(self, texts: list[str]) -> np.ndarray:
        """(texts, layers, dims) pooled states of one batch."""
        torch = self._torch
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        inputs = {k: enc[k].to(self.device) for k in ("input_ids", "attention_mask")}
        with torch.inference_mode():
            states = self.model(**inputs, output_hidden_states=True).hidden_states
            h = torch.stack(states, dim=1).float()  # (batch, layers, tokens, dims)
            mask = inputs["attention_mask"][:, None, :].expand(-1, h.shape[1], -1)
            return pool(h, mask, self.pooling).cpu().numpy()

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.layers * self.dim), np.float32)
        for idx in self.batches(texts):
            out[idx] = self._states([texts[i] for i in idx]).reshape(len(idx), -1)
        return check_output(self.name, texts, out)

    def split(self, rows: np.ndarray) -> np.ndarray:
        """Rows of ``encode`` as (texts, layers, dims)."""
        return split_layers(rows, self.layers)


def split_layers(rows: np.ndarray, layers: int) -> np.ndarray:
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[1] % layers:
        raise XlingError(f"{rows.shape} rows do not split into {layers} layers")
    return rows.reshape(len(rows), layers, rows.shape[1] // layers)


def make(arg: str, threads=None, device=None, batch_size=None, trust_remote_code: bool = False,
         **_options) -> LayerEncoder:
    """``layers:<pooling>:<path-or-id>[@revision]``: every layer's pooled hidden states, concatenated."""
    pooling, _, rest = arg.partition(":")
    if not rest:
        raise XlingError(f"model spec 'layers:{arg}': expected layers:<{'|'.join(POOLINGS)}>:<path>[@revision]")
    path, _, rev = rest.partition("@")
    return LayerEncoder(path, pooling, HFOptions(revision=rev or None, threads=threads, device=device,
                                                 batch_size=batch_size or 32, trust_remote_code=trust_remote_code))


BACKEND = Backend("layers", make, ("Encoder",), offline=False, usage="layers:<last|weighted|mean>:<dir-or-id>[@rev]",
                  summary="every layer's pooled hidden states of any transformers checkpoint (encoder or causal), "
                          "for xling similarity's per-layer alignment")
