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

from .core import Cell, Example, Scored  # noqa: F401  (Cell and Scored: re-exported for callers)
from .errors import XlingError
from .task import ALL_LANGS_POOL, Bitext, Classify, Extract, PairClassify, Retrieval, Tag, Task

# task kind -> solver module; a kind's subclasses use their parent's solver unless listed.
SOLVERS: dict[type, str] = {
    Classify: "xling.solvers.classify",
    PairClassify: "xling.solvers.pair",
    Bitext: "xling.solvers.bitext",
    Extract: "xling.solvers.extract",
    Tag: "xling.solvers.tag",
    Retrieval: "xling.solvers.retrieve",
}

SETTINGS = ("in_language", "zero_shot", "bitext", "gxlt", "monolingual", "crosslingual", "multilingual_pool",
            "matrix", "fewshot")


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


def available_settings(task: Task) -> tuple[str, ...]:
    """The task's own settings plus the transfer settings a probe adds where it does zero_shot
    (matrix; fewshot where the solver can add target-language shots)."""
    mod = solver(task)
    probe = hasattr(mod, "trains") or getattr(mod, "TRAINS", True)  # some model trains a probe here
    if "zero_shot" not in task.settings or not probe:
        return tuple(task.settings)
    extra = ("matrix",) + (("fewshot",) if getattr(mod, "FEWSHOT", False) else ())
    return tuple(task.settings) + extra


def plan(task: Task, setting: str, test_langs: list[str], train_langs: list[str], model=None,
         options: dict | None = None) -> list[Cell]:
    if setting in TRANSFER:  # matrix and fewshot: wherever a probe does zero_shot
        return _plan_transfer(task, setting, test_langs, train_langs, model, options or {})
    if (options or {}).get("shots") is not None or (options or {}).get("seeds") is not None:
        raise XlingError("--shots and --seeds apply to --setting fewshot only")
    if setting not in task.settings:
        raise XlingError(f"setting {setting!r} does not apply to task {task.name!r} (it has: {', '.join(task.settings)})")
    mod = solver(task)  # a solver may answer per model (pair: a probe for Encoders, nothing for PairClassifiers)
    trains = mod.trains(model) if (model is not None and hasattr(mod, "trains")) else getattr(mod, "TRAINS", True)
    if not trains:  # fine-tuned elsewhere or prompted: nothing trains here
        return _plan_untrained(task, setting, test_langs, train_langs)
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
    if setting in ("monolingual", "crosslingual", "multilingual_pool"):  # retrieval: query language x pool
        if train_langs:
            raise XlingError(f"--train-lang does not apply to task {task.name!r}: it trains nothing")
        if setting == "monolingual":
            return [Cell("", lang, lang) for lang in test_langs]
        if setting == "crosslingual":
            return [Cell("", pool, q) for q in test_langs for pool in test_langs]
        return [Cell("", ALL_LANGS_POOL, q) for q in test_langs]  # the pool of every language of the task
    raise XlingError(f"unknown setting {setting!r} (known: {', '.join(SETTINGS)})")


def _plan_untrained(task: Task, setting: str, test_langs: list[str], train_langs: list[str]) -> list[Cell]:
    """Cells for solvers that train nothing (a fine-tuned head, a prompted LLM): ``--train-lang``
    only records the language the model was fine-tuned on (zero-shot transfer); ``gxlt``
    crosses every question language with every context language."""
    train = "+".join(train_langs)
    if setting == "in_language":
        if train_langs:
            raise XlingError("--train-lang with --setting in_language: to record the language the model was "
                             "fine-tuned on use --setting zero_shot --train-lang L")
        return [Cell("", lang) for lang in test_langs]
    if setting == "zero_shot":
        if not train_langs:
            raise XlingError("--setting zero_shot needs --train-lang: the language the model was fine-tuned on "
                             "(e.g. --train-lang eng_Latn)")
        return [Cell(train, lang) for lang in test_langs]
    if setting == "gxlt":
        return [Cell(train, ctx, q) for q in test_langs for ctx in test_langs]
    raise XlingError(f"setting {setting!r} does not apply to task {task.name!r} with a model that trains nothing")


TRANSFER = ("matrix", "fewshot")


def _plan_transfer(task: Task, setting: str, test_langs, train_langs, model, options: dict) -> list[Cell]:
    """matrix: one probe per source language, each tested on every target; fewshot: the source(s)'
    probe plus k seeded target-language training examples, for every k in --shots and seed in --seeds."""
    mod = solver(task)
    trains = mod.trains(model) if (model is not None and hasattr(mod, "trains")) else getattr(mod, "TRAINS", True)
    if "zero_shot" not in task.settings or not trains:
        raise XlingError(f"setting {setting!r} needs a probe trained on a source language: task {task.name!r} "
                         "(or this model) has no zero_shot setting")
    if not train_langs:
        raise XlingError(f"--setting {setting} needs --train-lang (e.g. --train-lang eng_Latn"
                         + (",fra_Latn or all)" if setting == "matrix" else ")"))
    _check_train(task, train_langs)
    if setting == "matrix":
        if options.get("shots") is not None or options.get("seeds") is not None:
            raise XlingError("--shots and --seeds apply to --setting fewshot only")
        return [Cell(src, lang) for src in train_langs for lang in test_langs]
    if not getattr(mod, "FEWSHOT", False):
        raise XlingError(f"setting 'fewshot' is not available for {type(task).__name__} tasks")
    shots, seeds = options.get("shots"), options.get("seeds")
    if not shots:
        raise XlingError("--setting fewshot needs --shots (e.g. --shots 0,8,32,128)")
    seeds = list(seeds) if seeds else [0]
    for k in shots:
        if not isinstance(k, int) or k < 0:
            raise XlingError(f"--shots must be whole numbers >= 0, got {k!r}")
    train = "+".join(train_langs)
    return [Cell(train, lang, "", k, s) for lang in test_langs for k in sorted(set(shots)) for s in seeds]


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
