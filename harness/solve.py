"""The one place where a task kind meets a model capability.

``SOLVERS`` lists, per task kind, the solvers that can score it (``xling.solvers.base.Solver``:
modules in ``xling/solvers/``); ``solver(task, model)`` picks the first whose ``needs`` the
model meets. ``plan`` lists the cells a setting asks for (train language x test language, and
the query language where questions and contexts differ); ``texts`` lists what a cell needs
embedded, so the runner can do one encoding pass over everything; ``solve`` scores one cell.
Unsupported pairs raise one clear error.
"""
from __future__ import annotations

import importlib

from .core import Cell, Scored, Setting
from .errors import XlingError
from .solvers.base import TRANSFER, Context, Solver, capable, needs_text  # noqa: F401  (Context: re-exported)
from .task import (ALL_LANGS_POOL, Bitext, Classify, Extract, Generate, LanguageModelling, MultipleChoice,
                   PairClassify, Retrieval, Tag, Task, Tokenization, Translate)

# task kind -> its solver modules, tried in order; a kind's subclasses use their parent's
# solvers unless listed themselves.
SOLVERS: dict[type, tuple[str, ...]] = {
    Classify: ("xling.solvers.classify", "xling.solvers.prompted"),
    PairClassify: ("xling.solvers.pair",),
    Bitext: ("xling.solvers.bitext",),
    Extract: ("xling.solvers.extract",),
    Tag: ("xling.solvers.tag",),
    Retrieval: ("xling.solvers.retrieve", "xling.solvers.retrieve_texts"),
    Translate: ("xling.solvers.translate",),
    MultipleChoice: ("xling.solvers.choice",),
    LanguageModelling: ("xling.solvers.lm",),
    Tokenization: ("xling.solvers.tokenize",),
    Generate: ("xling.solvers.generate",),
}


def solvers(task: Task) -> list[Solver]:
    for kind in type(task).__mro__:
        if kind in SOLVERS:
            return [importlib.import_module(m) for m in SOLVERS[kind]]
    raise XlingError(f"task kind {type(task).__name__} has no solver")


def solver(task: Task, model=None) -> Solver:
    """The solver for ``task`` with ``model`` (the first one capable of it; without a model,
    the kind's first solver)."""
    options = solvers(task)
    if model is None:
        return options[0]
    for s in options:
        if capable(s, model):
            return s
    raise XlingError(f"model {getattr(model, 'name', model)!r} cannot do task {task.name!r}: "
                     f"{type(task).__name__} needs {' or '.join(needs_text(s) for s in options)}")


def check_capable(task: Task, model) -> None:
    solver(task, model)


def check_backend(task: Task, backend, spec: str = "") -> None:
    """Refuse, before any weights load, a backend none of whose capabilities the task's solvers use."""
    options = solvers(task)
    if not any(t.__name__ in backend.capabilities for s in options for t in s.needs):
        raise XlingError(f"model {spec or backend.name} cannot do task {task.name!r}: {type(task).__name__} needs "
                         f"{' or '.join(needs_text(s) for s in options)}; {backend.name} models are "
                         f"{', '.join(backend.capabilities)} (see: xling list models)")


def default_setting(task: Task, model=None) -> Setting:
    """The task's first setting that the model's solver offers."""
    offered = solver(task, model).settings(task) if model is not None else available_settings(task)
    if not offered:
        raise XlingError(f"task {task.name!r} offers no setting for model {getattr(model, 'name', model)!r} "
                         f"(the task's settings: {', '.join(task.settings)})")
    own = [Setting(s) for s in task.settings if s in offered]
    return own[0] if own else offered[0]


def available_settings(task: Task) -> tuple[Setting, ...]:
    """Every setting some solver of the task offers, the task's own order first."""
    out: list[Setting] = []
    for s in solvers(task):
        out.extend(x for x in s.settings(task) if x not in out)
    return tuple(out)


def plan(task: Task, setting, test_langs: list[str], train_langs: list[str], model=None,
         options: dict | None = None) -> list[Cell]:
    """The cells of ``setting`` for these languages (``model`` decides whether a probe trains)."""
    options = options or {}
    s = solver(task, model)
    setting = _offered(task, setting, s.settings(task), model)
    if setting != Setting.FEWSHOT and (options.get("shots") is not None or options.get("seeds") is not None):
        raise XlingError("--shots and --seeds apply to --setting fewshot only")
    trains = s.trains(model)
    if setting in TRANSFER:
        return _plan_transfer(task, setting, test_langs, train_langs, options)
    if setting == Setting.PAIRS:
        return _pairs(task, test_langs, train_langs, options)
    if hasattr(s, "plan"):  # a solver whose cells differ from the setting's usual ones (Generate)
        return s.plan(task, setting, test_langs, train_langs)
    return PLANNERS[setting](task, test_langs, train_langs, trains)


def setting_for(task: Task, setting, model=None) -> Setting:
    """``setting`` (a name) as a Setting that the task offers with this model; else a one-line error."""
    return _offered(task, setting, solver(task, model).settings(task) if model is not None else
                    available_settings(task), model)


def _offered(task: Task, setting, offered: tuple[Setting, ...], model) -> Setting:
    """``setting`` as a Setting if the solver offers it for the task, else a one-line error that
    lists what it offers and suggests the closest."""
    if setting in offered:
        return Setting(setting)
    import difflib

    close = difflib.get_close_matches(str(setting).lower(), offered, n=2, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    who = f" with model {model.name}" if model is not None else ""
    raise XlingError(f"setting {str(setting)!r} does not apply to task {task.name!r}{who}{hint} "
                     f"(it has: {', '.join(offered)})")


def _no_train(task: Task, train_langs: list[str]) -> None:
    if train_langs:
        raise XlingError(f"--train-lang does not apply to task {task.name!r} in this setting: it trains nothing")


def _in_language(task, test_langs, train_langs, trains) -> list[Cell]:
    if train_langs:
        raise XlingError("--train-lang conflicts with --setting in_language (each language trains on itself); "
                         "use --setting zero_shot" if trains else
                         "--train-lang with --setting in_language: to record the language the model was "
                         "fine-tuned on use --setting zero_shot --train-lang L")
    return [Cell(lang if trains else "", lang) for lang in test_langs]


def _zero_shot(task, test_langs, train_langs, trains) -> list[Cell]:
    if not train_langs:
        raise XlingError("--setting zero_shot needs --train-lang (e.g. --train-lang eng_Latn)" if trains else
                         "--setting zero_shot needs --train-lang: the language the model was fine-tuned on "
                         "(e.g. --train-lang eng_Latn)")
    if trains:
        _check_train(task, train_langs)
    return [Cell("+".join(train_langs), lang) for lang in test_langs]


def _each(task, test_langs, train_langs, trains) -> list[Cell]:
    """One untrained cell per test language (bitext mining, prompted scoring)."""
    _no_train(task, train_langs)
    return [Cell("", lang) for lang in test_langs]


def _gxlt(task, test_langs, train_langs, trains) -> list[Cell]:
    train = "+".join(train_langs)
    return [Cell(train, ctx, q) for q in test_langs for ctx in test_langs]


def _monolingual(task, test_langs, train_langs, trains) -> list[Cell]:
    _no_train(task, train_langs)
    return [Cell("", lang, lang) for lang in test_langs]


def _crosslingual(task, test_langs, train_langs, trains) -> list[Cell]:
    _no_train(task, train_langs)
    return [Cell("", pool, q) for q in test_langs for pool in test_langs]


def _multilingual_pool(task, test_langs, train_langs, trains) -> list[Cell]:
    _no_train(task, train_langs)
    return [Cell("", ALL_LANGS_POOL, q) for q in test_langs]  # the pool of every language of the task


def _xx2en(task, test_langs, train_langs, trains) -> list[Cell]:
    """Translation into the task's pivot from each --lang (the pivot itself left out)."""
    _no_train(task, train_langs)
    return _some(task, [Cell("", task.pivot, lang) for lang in test_langs if lang != task.pivot], "xx2en")


def _en2xx(task, test_langs, train_langs, trains) -> list[Cell]:
    """Translation from the task's pivot into each --lang (the pivot itself left out)."""
    _no_train(task, train_langs)
    return _some(task, [Cell("", lang, task.pivot) for lang in test_langs if lang != task.pivot], "en2xx")


def _pairs(task, test_langs, train_langs, options: dict) -> list[Cell]:
    """Every source (solver option ``src_langs``: --src-lang) into every target (--lang),
    a language never into itself."""
    from .languages import normalize_many

    _no_train(task, train_langs)
    srcs = options.get("src_langs")
    if not srcs:
        raise XlingError("--setting pairs needs --src-lang (source languages, e.g. --src-lang eng_Latn,fra_Latn)")
    srcs = list(task.langs) if srcs in ("all", ["all"]) else normalize_many(srcs)
    missing = [lang for lang in srcs if lang not in task.langs]
    if missing:
        raise XlingError(f"--src-lang {', '.join(missing)} is not a language of task {task.name!r}")
    return _some(task, [Cell("", tgt, src) for src in srcs for tgt in test_langs if src != tgt], "pairs")


def _some(task, cells: list[Cell], setting: str) -> list[Cell]:
    if not cells:
        raise XlingError(f"--setting {setting} of task {task.name!r} has no language pair to translate "
                         f"(no language translates into itself; xx2en and en2xx leave out {task.pivot})")
    return cells


PLANNERS = {
    Setting.IN_LANGUAGE: _in_language,
    Setting.ZERO_SHOT: _zero_shot,
    Setting.BITEXT: _each,
    Setting.PROMPTED: _each,
    Setting.GXLT: _gxlt,
    Setting.MONOLINGUAL: _monolingual,
    Setting.CROSSLINGUAL: _crosslingual,
    Setting.MULTILINGUAL_POOL: _multilingual_pool,
    Setting.XX2EN: _xx2en,
    Setting.EN2XX: _en2xx,
}


def _plan_transfer(task: Task, setting: Setting, test_langs, train_langs, options: dict) -> list[Cell]:
    """matrix: one probe per source language, each tested on every target; fewshot: the source(s)'
    probe plus k seeded target-language training examples, for every k in --shots and seed in --seeds."""
    if not train_langs:
        raise XlingError(f"--setting {setting.value} needs --train-lang (e.g. --train-lang eng_Latn"
                         + (",fra_Latn or all)" if setting == Setting.MATRIX else ")"))
    _check_train(task, train_langs)
    if setting == Setting.MATRIX:
        return [Cell(src, lang) for src in train_langs for lang in test_langs]
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


def texts(task: Task, ctx: Context, cell: Cell, model=None) -> list[tuple[str, list[str]]]:
    """(role, texts) groups that ``solve`` will encode for this cell ([] for non-encoders)."""
    return solver(task, model).texts(task, ctx, cell)


def solve(task: Task, model, cell: Cell, ctx: Context) -> Scored:
    return solver(task, model).solve(task, model, cell, ctx)
