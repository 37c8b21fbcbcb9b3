"""Many runs in one command: every (model, task, setting) of ``xling run --model a,b --task x,y``
and of ``xling regenerate``, each in the run directory a separate ``xling run`` would give.

``run_many(plans, executor)`` runs them one after another with the local executor (exactly
separate local runs), or all at once on Ray: up to ``ExecutorConfig.parallel_runs`` runs
in flight, each in a driver thread of its own, sharing one executor, so the encode shards
and cells of every run are on the cluster together and each model's actors (started once,
shared by its runs) stay busy. The driver loads each model once (for its name, its
capabilities and the cut of long texts) and drops it when its last run is done.

A run that cannot happen becomes an ``Outcome`` with its one-line error and the others go on:
``skipped`` where the model cannot do the task (a corner of ``--model a,b --task x,y``),
failed otherwise (data missing, say; ``failures`` lists those). Input that is wrong for every
run (an unknown task, model backend or language, ``--run-id`` for several runs) is an
``XlingError`` before anything runs.
"""
from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import executor as executor_mod
from . import plugins, runner, solve
from .errors import XlingError
from .execution import using


@dataclass(frozen=True)
class RunPlan:
    """One run: a task name, a model spec with its backend options, and ``RunConfig.resolve``'s
    keywords (langs, setting, train_langs, limit, seed, options, data_dir, out_dir, ...)."""

    task: str
    model: str
    model_options: Mapping = field(default_factory=dict)
    run: Mapping = field(default_factory=dict)

    def key(self) -> str:
        return json.dumps([self.task, self.model, dict(self.model_options), dict(self.run)], sort_keys=True,
                          default=str)

    def label(self) -> str:
        setting = self.run.get("setting")
        train = self.run.get("train_langs")
        return f"{self.model} x {self.task}" + (f" --setting {setting}" if setting else "") + \
            (f" --train-lang {train}" if train else "")


@dataclass
class Outcome:
    """What became of one plan: its report, or the one-line error that stopped it."""

    plan: RunPlan
    report: runner.RunReport | None = None
    error: str | None = None
    skipped: bool = False  # the model cannot do the task (a cross product's empty corner, not a failure)

    @property
    def run_dir(self):
        return self.report.run_dir if self.report is not None else None


def expand(models: Iterable[str], tasks: Iterable[str], model_options: Mapping | None = None,
           **run) -> list[RunPlan]:
    """Every model x every task (model-major: a model's runs are scheduled together)."""
    return [RunPlan(t, m, dict(model_options or {}), dict(run)) for m in models for t in tasks]


def check(plans: list[RunPlan]) -> None:
    """Refuse, before anything runs, what is wrong for the whole command."""
    if len(plans) > 1 and any(p.run.get("run_id") for p in plans):
        raise XlingError(f"--run-id names one run; this command makes {len(plans)} (drop --run-id)")
    for p in plans:
        plugins.backend(p.model)
        task = plugins.get_task(p.task)
        if p.run.get("langs") not in (None, "all", ["all"]):
            runner.resolve_langs(task, p.run["langs"])


class _Models:
    """Driver-side models, each loaded once and dropped after its last run."""

    def __init__(self, plans: list[RunPlan]):
        self._lock = threading.Lock()
        self._left: dict[str, int] = {}
        self._loaded: dict[str, object] = {}
        self._locks: dict[str, threading.Lock] = {}
        for p in plans:
            k = self.key(p)
            self._left[k] = self._left.get(k, 0) + 1
            self._locks.setdefault(k, threading.Lock())

    @staticmethod
    def key(plan: RunPlan) -> str:
        return json.dumps([plan.model, dict(plan.model_options)], sort_keys=True, default=str)

    @contextlib.contextmanager
    def get(self, plan: RunPlan):
        k = self.key(plan)
        try:
            with self._locks[k]:
                if k not in self._loaded:
                    self._loaded[k] = plugins.load_model(plan.model, **plan.model_options)
            yield self._loaded[k]
        finally:
            with self._lock:
                self._left[k] -= 1
                if self._left[k] == 0:
                    self._loaded.pop(k, None)


def _one(plan: RunPlan, models: _Models, ex, quiet: bool, log: Callable[[str], None]) -> Outcome:
    """One plan, start to end; an ``XlingError`` becomes the outcome's error."""
    try:
        with models.get(plan) as model:
            task = plugins.get_task(plan.task)
            try:
                solve.check_capable(task, model)
            except XlingError as e:
                log(f"skip: {plan.label()}: {e}")
                return Outcome(plan, error=str(e), skipped=True)
            kw = dict(plan.run)
            if quiet:
                kw.setdefault("progress", False)
            run = runner.RunConfig.resolve(task, model, executor=ex, **kw)
            hold = getattr(ex, "hold", None)
            with hold(executor_mod.model_ref(model)) if hold is not None else contextlib.nullcontext():
                report = runner.evaluate(task, model, run)
    except XlingError as e:
        log(f"failed: {plan.label()}: {e}")
        return Outcome(plan, error=str(e))
    log(f"done: {plan.label()}: {report.run_dir} (cells scored: {report.cells_done}, resumed: "
        f"{report.cells_skipped}, model calls: {report.model_calls})")
    return Outcome(plan, report)


def run_many(plans: Iterable[RunPlan], executor=None, log: Callable[[str], None] | None = None) -> list[Outcome]:
    """Run every plan (duplicates once); outcomes in the plans' order. ``executor``: None (local,
    one run after another), an ``executor.ExecutorConfig`` (opened and closed here) or an open
    executor."""
    unique = list({p.key(): p for p in plans}.values())
    check(unique)
    log = log or (lambda msg: None)
    models = _Models(unique)
    with using(executor) as ex:
        width = 1 if ex.kind == "local" else min(ex.config.parallel_runs, len(unique)) or 1
        if width == 1:
            return [_one(p, models, ex, False, log) for p in unique]
        with ThreadPoolExecutor(max_workers=width, thread_name_prefix="xling-run") as pool:
            futures = [pool.submit(_one, p, models, ex, True, log) for p in unique]
            try:
                return [f.result() for f in futures]
            except BaseException:
                for f in futures:
                    f.cancel()
                ex.close()  # the runs in flight stop at their next result
                raise


def failures(outcomes: list[Outcome]) -> str | None:
    """One line naming the runs that failed (skipped ones aside), or None."""
    bad = [o for o in outcomes if o.error and not o.skipped]
    if not bad:
        return None
    return f"{len(bad)} of {len(outcomes)} runs failed: " + "; ".join(f"{o.plan.label()}: {o.error}" for o in bad)
