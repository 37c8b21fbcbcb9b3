"""The solver contract: how a task kind meets a model capability.

A solver is any object (the built-in ones are modules) with:

* ``needs``: the model capabilities (Protocols of ``xling.models``) it can use, any of them;
* ``fewshot``: whether ``--setting fewshot`` applies (target-language shots added to a probe);
* ``trains(model)``: whether a probe is trained here for this model (``model=None``: for
  some model); a solver that trains nothing records ``--train-lang`` as the language the
  model was fine-tuned on;
* ``settings(task)``: the settings it offers for a task (``xling.core.Setting``);
* ``texts(task, ctx, cell)``: the (role, texts) an Encoder will be asked to embed for a cell,
  so the runner can embed everything once, up front ([] for other capabilities);
* ``solve(task, model, cell, ctx)``: score one cell -> ``xling.core.Scored``.

``Context`` is what solving needs besides the task and the model: the data door, the seed,
the per-language item limit, the cache store and solver options; it memoises loaded data
and fitted probes for the run. ``summarize`` turns per-item scores into the
``{metric: (value, ci_low, ci_high, n)}`` dict every solver returns.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from ..core import Cell, Example, Scored, Setting
from ..metrics.uncertainty import bootstrap_ci, mean_ci

# settings a probe trained on a source language adds wherever its task has zero_shot
TRANSFER = (Setting.MATRIX, Setting.FEWSHOT)


@runtime_checkable
class Solver(Protocol):
    needs: tuple[type, ...]
    fewshot: bool

    def trains(self, model=None) -> bool: ...

    def settings(self, task) -> tuple[Setting, ...]: ...

    def texts(self, task, ctx: "Context", cell: Cell) -> list[tuple[str, list[str]]]: ...

    def solve(self, task, model, cell: Cell, ctx: "Context") -> Scored: ...



def never_trains(model=None) -> bool:
    """``trains`` of a solver that fits nothing: the model answers as it is."""
    return False


def no_texts(task, ctx, cell) -> list[str]:
    """``texts`` of a solver with no sentence embeddings to encode ahead (its model calls are
    cached per request instead)."""
    return []


def only(setting: Setting) -> Callable:
    """``settings`` of a solver that serves exactly one setting, where the task has it."""
    def settings(task) -> tuple[Setting, ...]:
        return (setting,) if setting in task.settings else ()
    return settings


def capable(solver: Solver, model) -> bool:
    return isinstance(model, solver.needs)


def needs_text(solver: Solver) -> str:
    """'an Encoder or a LanguageModel': what a solver's ``needs`` say, for error messages."""
    names = [t.__name__ for t in solver.needs]
    words = [("an " if n[0] in "AEIOU" else "a ") + n for n in names]
    return " or ".join(words)


def task_settings(task, trains: bool, fewshot: bool = False) -> tuple[Setting, ...]:
    """The task's own settings plus, for a solver that ``trains`` a probe, matrix (and fewshot
    where it adds target-language shots) wherever the task has zero_shot."""
    own = tuple(Setting(s) for s in task.settings if s != Setting.PROMPTED)
    if Setting.ZERO_SHOT not in own or not trains:
        return own
    return own + (Setting.MATRIX,) + ((Setting.FEWSHOT,) if fewshot else ())


@dataclass
class Context:
    """What solving needs besides the task and model; memoises loaded data and probes."""

    source: object
    seed: int = 0
    limit: int | None = None
    store: object = None  # cache.EmbeddingStore, for solvers that cache other model outputs
    options: dict = field(default_factory=dict)  # solver options from the CLI (e.g. prompt_lang)
    _examples: dict = field(default_factory=dict)
    _memo: dict = field(default_factory=dict)

    def examples(self, task, lang: str, split: str, limit: bool = False) -> list[Example]:
        k = (task.name, lang, split)
        if k not in self._examples:
            self._examples[k] = task.load(lang, split, self.source)
            warn_empty(self._examples[k], f"{task.name} {lang} {split}")
        ex = self._examples[k]
        return ex[: self.limit] if (limit and self.limit) else ex

    def data_sig(self, task, lang: str, split: str) -> str:
        return task.data_signature(lang, split, self.source)

    def memo(self, key, make: Callable):
        """Memoise an expensive object (a trained probe, say) for this run."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]


def warn_empty(examples: Sequence[Example], where: str) -> None:
    """One line on stderr where examples have an empty (or blank) text: they are kept, and scored
    as they are, but a count says so (an empty field was scored silently)."""
    empty = [e for e in examples if (not e.text.strip() and not e.tokens)
             or (e.text_pair is not None and not e.text_pair.strip())]
    if empty:
        n = len(empty)
        print(f"xling: warning: {where}: {n} example{'s have' if n > 1 else ' has'} an empty text "
              f"(first: {empty[0].source}); {'they are' if n > 1 else 'it is'} kept as {'they are' if n > 1 else 'it is'}",
              file=sys.stderr)


Metrics = dict[str, tuple[float, float, float, int]]


def summarize(per_item: Mapping[str, Sequence[float]], seed: int) -> Metrics:
    """Each metric's mean over items with its percentile-bootstrap 95% interval (items
    resampled, seeded) and the number of items."""
    out: Metrics = {}
    for name, scores in per_item.items():
        arr = np.asarray(scores, dtype=np.float64)
        out[name] = (float(arr.mean()) if len(arr) else float("nan"), *mean_ci(arr, seed), len(arr))
    return out


def statistic(stat: Callable[[np.ndarray], np.ndarray], full: float, n: int, seed: int) -> tuple[float, float, float, int]:
    """A metric that is not a mean of items (macro-F1, corpus F1): its value on all items and
    the bootstrap interval of ``stat(idx)`` over (n_boot, n) resampled item indices."""
    return (full, *bootstrap_ci(stat, n, seed), n)
