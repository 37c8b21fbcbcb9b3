"""Models are capabilities: small Protocols with one method each, and backends that
implement what they can.

A backend is one module here with a module-level ``BACKEND = Backend(...)``: its spec prefix,
a factory ``make(arg, **options)`` (``arg`` is what follows ``<prefix>:`` in the spec), the
capabilities its models may have, and whether it runs offline. ``builtin()`` collects them;
``xling.plugins`` finds them (and third-party ones) through the ``xling.models`` entry point
group, and ``xling.plugins.load_model(spec)`` builds a model from a spec string.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
class TrainableTagger(Protocol):
    """A sequence labeller trained here, per language (a CRF): ``fit`` learns from training
    sentences (words and their IOB2 tags) and returns a fitted ``Tagger``; the model itself
    stays unfitted, so one loaded model trains one tagger per language. ``seed`` makes the
    training reproducible where the learner draws random numbers."""

    name: str

    def fit(self, token_lists: Sequence[Sequence[str]], tag_lists: Sequence[Sequence[str]], seed: int = 0) -> Tagger: ...


@runtime_checkable
class Retriever(Protocol):
    """Retrieval straight from texts, without embeddings (BM25): for a pool of documents
    (``doc_ids``, ``doc_texts``) and a batch of queries, each query's ``k`` best documents
    (``k=None``: every document of the pool, for measures over the whole pool such as LAReQA's
    mAP) as (positions in the pool: int array, scores: float array), best first, documents of
    equal score in trec_eval's order (docid descending)."""

    name: str

    def retrieve(self, doc_ids: Sequence[str], doc_texts: Sequence[str], queries: Sequence[str],
                 k: int | None) -> list[tuple[np.ndarray, np.ndarray]]: ...


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
class Tokenizer(Protocol):
    """A tokenizer alone: how many tokens each text becomes (special tokens such as BOS/EOS or
    [CLS]/[SEP] not counted), for tokenizer-fairness statistics. Optional: ``count_tokens_and_unknown(texts)
    -> list[(tokens, unknown tokens)]``, also how many are the unknown token (gives ``unknown_rate``)."""

    name: str  # tokenizer id (with its file's hash or revision): part of every cache key and signature

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


@runtime_checkable
class Translator(Protocol):
    """Machine translation: one output per source text, from ``src`` into ``tgt`` (both
    canonical ``xxx_Scrp`` codes)."""

    name: str

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]: ...


@dataclass(frozen=True)
class Backend:
    """A model backend: ``make(arg, **options)`` builds a model from ``<name>:<arg>``."""

    name: str  # the spec prefix, e.g. 'hf-causal'
    make: Callable[..., object]
    capabilities: tuple[str, ...]  # the Protocols (by name) its models may provide
    offline: bool  # runs with no network (weights bundled or local)
    usage: str  # how the spec is written, e.g. 'hf-causal:<dir-or-hub-id>[@rev]'
    summary: str = ""


def builtin() -> list[Backend]:
    """Every ``BACKEND`` defined by a module of this package (the ``xling.models`` entry point
    ``builtin`` points here)."""
    import importlib
    import pkgutil

    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if isinstance(getattr(module, "BACKEND", None), Backend):
            found.append(module.BACKEND)
    return found


def check_output(name: str, texts: Sequence[str], out) -> np.ndarray:
    """Refuse NaN, infinities or the wrong shape from a backend, naming the model."""
    arr = np.asarray(out, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] != len(texts):
        raise XlingError(f"model {name} returned shape {tuple(arr.shape)} for {len(texts)} texts")
    if not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr).all(axis=1))[0][0])
        raise XlingError(f"model {name} returned NaN/inf for text {bad}: {texts[bad][:60]!r}")
    return arr
