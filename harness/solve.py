"""The one place where a task kind meets a model capability.

``plan`` lists the cells a setting asks for (train language x test language, and the
query language where questions and contexts differ); ``texts`` lists what a cell needs
encoded, so the runner can do one encoding pass over everything; ``solve`` scores one
cell. Each task kind has a solver module in ``harness/solvers/`` (registered in
``SOLVERS``) that defines ``capable(model)``, ``texts(task, ctx, cell)`` and
``solve(task, model, cell, ctx)``. Unsupported pairs raise one clear error.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from .core import Example, Prediction
from .errors import XlingError
from .task import Bitext, Classify, Task

# task kind -> solver module; a kind's subclasses use their parent's solver unless listed.
SOLVERS: dict[type, str] = {
    Classify: "harness.solvers.classify",
    Bitext: "harness.solvers.bitext",
}

SETTINGS = ("in_language", "zero_shot", "bitext")


@dataclass(frozen=True)
class Cell:
    train_lang: str  # '' when nothing is trained; 'a+b' for a probe pooled over languages
    test_lang: str  # the test language (for QA/retrieval: the context or pool language)
    query_lang: str = ""  # question/query language where it differs from test_lang (G-XLT)


@dataclass
class Scored:
    cell: Cell
    split: str
    train_split: str
    predictions: list[Prediction]
    metrics: dict[str, tuple[float, float, float, int]]  # name -> (value, ci_low, ci_high, n)
    data: str  # data signature of everything read for this cell
    prompt: str = "none"  # prompt hash for generative solvers


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

    def examples(self, task: Task, lang: str, split: str, limit: bool = False) -> list[Example]:
        k = (task.name, lang, split)
        if k not in self._examples:
            self._examples[k] = task.load(lang, split, self.source)
        ex = self._examples[k]
        return ex[: self.limit] if (limit and self.limit) else ex

    def data_sig(self, task: Task, lang: str, split: str) -> str:
        return task.data_signature(lang, split, self.source)

    def memo(self, key, make):
        """Memoise an expensive object (a trained probe, say) for this run."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]


def default_setting(task: Task) -> str:
    return task.settings[0]


def plan(task: Task, setting: str, test_langs: list[str], train_langs: list[str]) -> list[Cell]:
    if setting not in task.settings:
        raise XlingError(f"setting {setting!r} does not apply to task {task.name!r} (it has: {', '.join(task.settings)})")
    if setting == "in_language":
        if train_langs:
            raise XlingError("--train-lang conflicts with --setting in_language (each language trains on itself); "
                             "use --setting zero_shot")
        return [Cell(lang, lang) for lang in test_langs]
    if setting == "zero_shot":
        if not train_langs:
            raise XlingError("--setting zero_shot needs --train-lang (e.g. --train-lang eng_Latn)")
        _check_train(task, train_langs)
        return [Cell("+".join(train_langs), lang) for lang in test_langs]
    if setting == "bitext":
        if train_langs:
            raise XlingError(f"--train-lang does not apply to task {task.name!r}: it trains nothing")
        return [Cell("", lang) for lang in test_langs]
    raise XlingError(f"unknown setting {setting!r} (known: {', '.join(SETTINGS)})")


def _check_train(task: Task, train_langs: list[str]) -> None:
    missing = [lang for lang in train_langs if lang not in task.langs]
    if missing:
        raise XlingError(f"--train-lang {', '.join(missing)} is not a language of task {task.name!r}")


def solver(task: Task):
    for kind in type(task).__mro__:
        if kind in SOLVERS:
            return importlib.import_module(SOLVERS[kind])
    raise XlingError(f"task kind {type(task).__name__} has no solver")


def check_capable(task: Task, model) -> None:
    mod = solver(task)
    if not mod.capable(model):
        raise XlingError(f"model {getattr(model, 'name', model)!r} cannot do task {task.name!r}: "
                         f"{type(task).__name__} needs {mod.NEEDS}")


def texts(task: Task, ctx: Context, cell: Cell) -> list[tuple[str, list[str]]]:
    """(role, texts) groups that ``solve`` will encode for this cell ([] for non-encoders)."""
    return solver(task).texts(task, ctx, cell)


def solve(task: Task, model, cell: Cell, ctx: Context) -> Scored:
    return solver(task).solve(task, model, cell, ctx)
