"""evaluate(task, model, run): load -> encode once -> solve every cell -> write rows, resumably.

``RunConfig.resolve`` turns what a user typed (language lists or 'all', a setting name, train
languages) into one checked configuration; ``evaluate`` runs it. The run directory's layout
is ``xling.rundir``'s. Each finished cell's samples are written atomically before the next
cell starts, and the results table (rewritten whole, atomically) at least every few seconds
and when the run stops, so a killed run loses at most the last seconds' cells, and rerunning
the same command resumes: finished cells are not recomputed and embeddings already in the
cache are not recomputed either. (Rewriting the table after every cell would cost quadratic
time in a 13 x 205 transfer matrix.)
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .version import __version__
from . import cache as cache_mod
from . import data as data_mod
from . import executor as executor_mod
from .execution import using
from . import languages, models, progress, resume, results, solve
from .core import Cell, Scored, Setting
from .errors import Interrupted, XlingError
from .io import safe_name, slug
from .metrics import registry
from .metrics.uncertainty import N_BOOT
from .rundir import COLUMNS, RunDir, provenance, same_run  # noqa: F401  (COLUMNS: re-exported)
from .task import Task

FLUSH_SECONDS = 2.0


@dataclass(frozen=True)
class RunConfig:
    """Everything about a run except the task and the model, resolved and checked."""

    setting: Setting
    test_langs: tuple[str, ...]
    train_langs: tuple[str, ...] = ()
    limit: int | None = None
    seed: int = 0
    options: Mapping = field(default_factory=dict)  # solver options (shots, seeds, prompt_lang, ...)
    data_dir: str | None = None
    out_dir: Path = Path("runs")
    run_id: str | None = None
    cache_dir: str | None = None
    batch_size: int = 64  # texts per batch of the embedding cache
    progress: bool = True
    command: str = ""  # the command line that asked for the run (provenance)
    # where model work runs: None (this process), an executor.ExecutorConfig (opened for this
    # run) or an open executor (shared by several runs); never part of the run's identity
    executor: object = field(default=None, compare=False)

    @classmethod
    def resolve(cls, task: Task, model=None, *, langs=None, setting=None, train_langs=None, **rest) -> "RunConfig":
        """Check and normalise user input: ``langs`` and ``train_langs`` as lists, comma-separated
        strings or 'all'; ``setting`` a name (default: the task's first the model can do)."""
        setting = solve.setting_for(task, setting, model) if setting else solve.default_setting(task, model)
        if train_langs in ("all", ["all"]) and setting != Setting.MATRIX:
            raise XlingError("--train-lang all applies to --setting matrix only")
        train = list(task.langs) if train_langs in ("all", ["all"]) else \
            languages.normalize_many(train_langs) if train_langs else []
        limit = rest.get("limit")
        if limit is not None and limit < 1:
            raise XlingError(f"--limit must be a positive number, got {limit}")
        rest = {k: v for k, v in rest.items() if v is not None}
        if "out_dir" in rest:
            rest["out_dir"] = Path(rest["out_dir"])
        return cls(setting=setting, test_langs=tuple(resolve_langs(task, langs)), train_langs=tuple(train), **rest)


@dataclass
class RunReport:
    """What a run did; ``frame()`` and ``samples()`` read its rows and per-item predictions."""

    run_dir: Path
    rows: list[dict]
    cells_done: int
    cells_skipped: int
    model_calls: int
    cache_hits: int

    def frame(self):
        """The run's rows as a pandas DataFrame (``xling.results.frame``)."""
        return results.frame(self.run_dir)

    def samples(self):
        """Per-item predictions as a pandas DataFrame (``xling.results.samples``)."""
        return results.samples(self.run_dir)


def resolve_langs(task: Task, langs) -> list[str]:
    """'all', None, a comma-separated string or a list -> the task's canonical codes."""
    if langs in (None, "all", ["all"]):
        return list(task.langs)
    try:
        codes = languages.normalize_many(langs, among=task.langs)
    except XlingError as e:
        raise XlingError(f"--lang: {e} (the task's languages: xling list {task.name})") from None
    if not codes:
        raise XlingError(f"--lang {langs!r} names no language: give codes (e.g. --lang deu_Latn,yor_Latn) or 'all'")
    out = []
    for code in codes:
        if code not in task.langs:
            import difflib

            close = difflib.get_close_matches(code, task.langs, n=3)
            hint = f"; close: {', '.join(close)}" if close else ""
            raise XlingError(f"--lang {code} is not a language of task {task.name!r}{hint} (see: xling list {task.name})")
        out.append(code)
    return out


def identity(task: Task, model, run: RunConfig, source) -> dict:
    """What identifies a run: config.json's keys that a rerun must match to resume."""
    return {"task": task.name, "task_version": task.version, "model": model.name, "setting": str(run.setting),
            "train_langs": list(run.train_langs), "test_langs": list(run.test_langs), "limit": run.limit,
            "seed": run.seed, "source": type(source).__name__, "options": dict(sorted(run.options.items()))}


def prepare(task: Task, model, run: RunConfig) -> tuple["Job", list[Cell], dict]:
    """Everything a run needs, checked, with nothing written yet: the job, its cells and its config."""
    source = data_mod.source_for(run.data_dir)
    store = cache_mod.EmbeddingStore(run.cache_dir or cache_mod.default_dir())
    solve.check_capable(task, model)
    cells = solve.plan(task, run.setting, list(run.test_langs), list(run.train_langs), model=model,
                       options=dict(run.options))
    # Encoders go through the embedding cache; other capabilities cache through ctx.store.
    cached = cache_mod.CachedEncoder(model, store, batch_size=run.batch_size) \
        if isinstance(model, models.Encoder) and getattr(model, "cacheable", True) else model
    config = identity(task, model, run, source)
    ctx = solve.Context(source=source, seed=run.seed, limit=run.limit, store=store, options=dict(run.options))
    rd = RunDir(Path(run.out_dir) / run_id(task, model, run, config))
    return Job(task, model, cached, run, ctx, rd), cells, config


def evaluate(task: Task, model, run: RunConfig) -> RunReport:
    """Evaluate a loaded ``model`` on ``task`` as ``run`` says; resumes a run with the same identity."""
    job, cells, config = prepare(task, model, run)
    rd = job.rd
    fresh = not rd.path.exists()
    with rd.lock():  # an identical run started meanwhile waits here, then resumes this one's cells
        try:
            config = _open(rd, config, task, run)
            started = time.monotonic()
            with using(run.executor) as ex:
                config["provenance"]["executor"] = ex.kind
                job.executor, job.ref = ex, executor_mod.model_ref(model)
                report = _run_cells(job, cells)
        except XlingError:
            if fresh:  # nothing computed: leave no empty run behind
                rd.remove_if_empty()
            raise
        config["provenance"]["wall_seconds"] = round(time.monotonic() - started, 3)
        rd.write_config(config)
    return report


@dataclass
class Plan:
    """What a run would do (``--dry-run``): cells, texts to embed, and an estimate."""

    run_dir: Path
    cells: int
    cells_done: int
    texts: int  # distinct (role, text) pairs the remaining cells embed
    misses: int  # of which the cache lacks
    seconds_per_text: float | None  # measured on a sample of the misses (None: nothing to measure)
    probed: int = 0  # of the misses, embedded (and cached) by the measurement itself

    @property
    def estimate(self) -> float | None:
        return None if self.seconds_per_text is None else (self.misses - self.probed) * self.seconds_per_text


def dry_run(task: Task, model, run: RunConfig, sample: int = 64) -> Plan:
    """The plan of a run without running it. The model's rate is measured warm: a few uncached
    texts first (loading and first-call costs, not timed), then calls of ``sample`` texts drawn
    over all the texts to embed (short and long, every language), as a run makes them, until
    ``PROBE_SECONDS`` of encoding or a quarter of the texts. Their embeddings are kept in the
    cache, so nothing is wasted. A 16-text cold probe read 8.3 texts/s for a model that ran at 12;
    one 64-text call, 2.9 texts/s on a CPU shared by a dozen processes, where the run read 4.5."""
    job, cells, _ = prepare(task, model, run)
    _, todo = resume.plan(job.rd, task, cells, resume.data_signatures(task, job.ctx, cells))  # as the run will
    groups = text_groups(job, todo)
    misses = {role: job.cached.missing_texts(txts, role) for role, txts in groups.items()}
    n_miss = sum(map(len, misses.values()))
    rate, probed = None, 0
    if n_miss:
        role, txts = max(misses.items(), key=lambda kv: len(kv[1]))
        rate, probed = _seconds_per_text(job.cached, role, txts, sample)
    return Plan(job.rd.path, len(cells), len(cells) - len(todo), sum(map(len, groups.values())), n_miss, rate, probed)


PROBE_SECONDS = 10.0  # of timed encoding in a dry run: long enough to even out a shared CPU


def _seconds_per_text(cached, role: str, txts: list[str], sample: int, seconds: float = PROBE_SECONDS,
                      warm: int = 4) -> tuple[float, int]:
    """Seconds per text of ``cached.encode`` and how many texts that embedded: ``warm`` texts
    untimed, then calls of ``sample`` texts (a fixed shuffle of ``txts``, so each call mixes
    languages and lengths) until ``seconds`` of encoding or a quarter of ``txts``, at least one."""
    warmup, rest = (txts[:warm], txts[warm:]) if len(txts) > warm else ([], list(txts))
    if warmup:
        cached.encode(warmup, role)
    random.Random(0).shuffle(rest)
    spent, n = 0.0, 0
    while n < len(rest) and (n == 0 or (spent < seconds and n < len(rest) // 4)):
        chunk = rest[n:n + sample]
        t = time.monotonic()
        cached.encode(chunk, role)
        spent, n = spent + time.monotonic() - t, n + len(chunk)
    return max(spent, 1e-9) / n, len(warmup) + n


def run_id(task: Task, model, run: RunConfig, config: dict | None = None) -> str:
    """The run directory's name: ``--run-id``, else derived from the run's identity."""
    if run.run_id:
        return safe_name(run.run_id, "--run-id")
    config = config or identity(task, model, run, data_mod.source_for(run.data_dir))
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:10]
    return slug(f"{task.name}-{model.name}-{run.setting}-{digest}")


def _open(rd: RunDir, config: dict, task: Task, run: RunConfig) -> dict:
    """Check a run directory that exists against ``config`` (the same run may grow by
    languages), then write config.json with the reader's and the provenance keys."""
    old = rd.config() if rd.config_path.exists() else None
    if rd.config_path.exists():
        if old is None or not same_run(old, config):
            raise XlingError(f"run {rd.path.name!r} already exists in {rd.path.parent} with another configuration; "
                             "choose another --run-id")
        config["test_langs"] = list(dict.fromkeys(old["test_langs"] + config["test_langs"]))
    metric = registry.get(task.main_metric)
    config.update(main_metric=metric.name, better=metric.better, task_langs=list(task.langs),
                  provenance=provenance(run.command))
    if old and old.get("provenance"):  # a resumed run keeps when and how long the earlier invocations ran
        prior = old["provenance"]
        config["provenance"]["earlier"] = prior.get("earlier", []) + [
            {k: prior.get(k) for k in ("started", "wall_seconds", "command", "executor")}]
    rd.write_config(config)
    return config


@dataclass
class Job:
    """One run in progress: what ``_run_cells`` and ``_score_cell`` share."""

    task: Task
    model: object  # the model as loaded
    cached: object  # the model behind the embedding cache (or the model itself)
    run: RunConfig
    ctx: solve.Context
    rd: RunDir
    executor: object = executor_mod.LOCAL  # where model work runs (xling.executor)
    ref: executor_mod.ModelRef | None = None  # how an executor's workers build the model


def text_groups(job: Job, cells: list[Cell]) -> dict[str, list[str]]:
    """role -> the distinct texts the cells need embedded (empty for models outside the embedding cache)."""
    if not hasattr(job.cached, "missing"):
        return {}
    groups: dict[str, list[str]] = {}
    for cell in cells:
        for role, txts in solve.texts(job.task, job.ctx, cell, job.model):
            groups.setdefault(role, []).extend(txts)
    return {role: list(dict.fromkeys(txts)) for role, txts in groups.items()}


def encode_all(job: Job, cells: list[Cell]) -> None:
    """One encoding pass over every distinct text the cells need (only cached encoders
    pre-encode): the cache's misses go to the executor in shards, and each shard it returns
    is committed to the cache at once."""
    groups = text_groups(job, cells)
    if not groups:
        return
    ex = job.executor
    shards = job.cached.shards(groups, ex.shard_size(job.run.batch_size), ex.sort_by_length)
    if shards:
        total = sum(len(s.texts) for s in shards)
        with progress.bar(total, f"encode {job.model.name}", "text", job.run.progress) as bar:
            for shard, vectors in ex.encode(job, shards):
                job.cached.commit(shard, vectors)
                bar.update(len(shard.texts))


def moves_cells(job: Job) -> bool:
    """Whether the cells themselves go to the executor: when the solver calls the model
    itself (QA, NER, NLI heads, generation). Encoders' cells stay here: they read the
    embedding cache, filled by ``encode_all`` (charngram, which skips the cache, is cheap)."""
    return not isinstance(job.model, models.Encoder)


def _run_cells(job: Job, cells: list[Cell]) -> RunReport:
    """Score the cells not done yet. Cells may finish in any order (an executor's workers);
    the results table lists the resumed rows first, then the new ones in plan order."""
    data_now = resume.data_signatures(job.task, job.ctx, cells)
    old, todo = resume.plan(job.rd, job.task, cells, data_now)
    new: dict[int, list[dict]] = {}
    solver = job.executor if moves_cells(job) else executor_mod.LOCAL
    flushed, cost, pending = time.monotonic(), 0.0, False
    try:
        encode_all(job, todo)
        with progress.bar(len(todo), f"score {job.task.name}", "cell", job.run.progress) as bar:
            for i, scored in solver.solve(job, todo):
                new[i] = _write_cell(job, scored)
                pending = True
                bar.update(1)
                if time.monotonic() - flushed >= max(FLUSH_SECONDS, 20 * cost):  # writes stay < 5% of the time
                    t = time.monotonic()
                    resume.save(job.rd, old + [r for k in sorted(new) for r in new[k]], data_now)
                    flushed, cost, pending = time.monotonic(), time.monotonic() - t, False
    except KeyboardInterrupt:  # say how many cells this invocation finished (the finally saves them)
        raise Interrupted(len(new), len(todo)) from None
    finally:
        if pending:
            resume.save(job.rd, old + [r for k in sorted(new) for r in new[k]], data_now)
    rows = old + [r for k in sorted(new) for r in new[k]]
    return RunReport(job.rd.path, rows, len(todo), len(cells) - len(todo), getattr(job.cached, "model_calls", 0),
                     getattr(job.cached, "hits", 0))


def _write_cell(job: Job, scored: Scored) -> list[dict]:
    """Write one solved cell's samples; returns its rows (the caller writes results.jsonl)."""
    job.rd.write_samples(scored.cell, [p.to_json() for p in scored.predictions])
    return rows_of(job.task, job.model, job.run, scored, job.rd.path.name)


def rows_of(task: Task, model, run: RunConfig, scored: Scored, run_id: str) -> list[dict]:
    """The tidy rows of a scored cell; each signature names the model with its revision and, where
    the backend has them, the parameters that change its outputs (protocol, dtype, window, API)."""
    out = []
    cell = scored.cell
    model_name, params = model.name, getattr(model, "cache_params", "")
    for metric, (value, lo, hi, n) in scored.metrics.items():
        sig = "|".join([f"task:{task.name}@{task.version}", f"data:{scored.data}", f"model:{model_name}"]
                       + ([f"model_params:{params}"] if params else []) + [
                        f"setting:{run.setting}", f"train:{cell.train_lang or '-'}", f"prompt:{scored.prompt}",
                        f"metric:{metric}", f"boot:{N_BOOT}", f"seed:{run.seed}", f"xling:{__version__}"]
                       + ([f"shots:{cell.shots}", f"shot_seed:{cell.seed}"] if cell.shots is not None else []))
        out.append({"model": model_name, "task": task.name, "task_version": task.version, "setting": str(run.setting),
                    "train_lang": cell.train_lang, "train_split": scored.train_split,
                    "shots": "" if cell.shots is None else cell.shots,
                    "test_lang": cell.test_lang, "query_lang": cell.query_lang, "split": scored.split,
                    "metric": metric, "value": value, "n": n, "ci_low": lo, "ci_high": hi,
                    "seed": run.seed if cell.seed is None else cell.seed,
                    "data": scored.data, "signature": sig, "harness_version": __version__, "run_id": run_id})
    return out
