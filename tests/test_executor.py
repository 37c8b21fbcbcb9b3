"""The executor interface without Ray: configuration checks, the worker's cache protocol
(worker asks, driver answers and commits), cells finishing out of order, and many runs in
one command with the local executor."""
import sys

import pytest

import xling
from xling import batch, cache, solve
from xling.data import Local
from xling.errors import XlingError
from xling.execution import open_executor
from xling.executor import LOCAL, ExecutorConfig, ModelRef
from xling.remote_store import DriverCache, WorkerStore
from xling.solvers.base import Context
from xling.worker import ModelWorker, RemoteJob
from tests.conftest import need_data
from tests.helpers import xquad_mirror

TAGS9 = ("O", "B-DATE", "I-DATE", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER")


class Capitals:
    """A Tagger without weights: capitalised words are persons."""

    name = "capitals@1"
    labels = TAGS9

    def __init__(self):
        self.model_calls = 0

    def tag(self, token_lists):
        self.model_calls += len(token_lists)
        return [["B-PER" if w[:1].isupper() else "O" for w in words] for words in token_lists]


class FirstWord:
    """A SpanExtractor without weights: the context's first word."""

    name = "first-word@1"

    def extract(self, questions, contexts):
        return [(c.split()[0], 0) for c in contexts]


@pytest.mark.parametrize("kw, message", [
    (dict(kind="dask"), "--executor 'dask': expected one of local, ray"),
    (dict(address="auto"), "apply to --executor ray only"),
    (dict(kind="ray", workers=0), "--workers must be at least 1, got 0"),
    (dict(kind="ray", gpus_per_worker=-1), "--gpus-per-worker must be at least 0"),
    (dict(kind="ray", address=" "), "--ray-address is empty"),
])
def test_bad_executor_configuration_is_one_line(kw, message):
    with pytest.raises(XlingError, match=message):
        ExecutorConfig(**kw)


def test_configuration_from_command_line_flags():
    assert ExecutorConfig.from_flags() == ExecutorConfig()
    cfg = ExecutorConfig.from_flags("ray", "ray://head:10001", 4, 1)
    assert (cfg.kind, cfg.address, cfg.workers, cfg.gpus_per_worker) == ("ray", "ray://head:10001", 4, 1.0)
    with pytest.raises(XlingError, match="apply to --executor ray only"):
        ExecutorConfig.from_flags("local", workers=2)


def test_ray_executor_without_ray_installed_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    monkeypatch.delitem(sys.modules, "xling.executor_ray", raising=False)
    with pytest.raises(XlingError, match=r"pip install 'xling\[ray\]'"):
        open_executor(ExecutorConfig("ray"))
    assert open_executor(ExecutorConfig()).kind == "local"


def _drive(worker, job, cell, cache_):
    """The driver's side of one cell: answer the worker's questions, then commit its writes."""
    entries, absent, rounds = {"emb": {}, "texts": {}}, {"emb": set(), "texts": set()}, 0
    while True:
        out = worker.solve(job, cell, entries, absent)
        if out[0] != "need":
            break
        rounds += 1
        found, missing = cache_.answer(out[1], out[2])
        entries[out[1]].update(found)
        absent[out[1]] |= missing
    assert out[0] == "done", out
    cache_.commit(out[2])
    return out[1], out[3], rounds, len(out[2])


@pytest.mark.parametrize("model, task, langs", [(Capitals, "masakhaner", ("yor_Latn", "hau_Latn")),
                                                (FirstWord, "xquad", ("eng_Latn", "deu_Latn"))])
def test_worker_reads_through_and_writes_back_via_the_driver(model, task, langs, tmp_path):
    task = xling.get_task(task)
    source = Local(need_data() if task.name == "masakhaner" else xquad_mirror(tmp_path))
    store = cache.EmbeddingStore(tmp_path / "cache")
    table = "emb" if task.name == "masakhaner" else "texts"
    job = RemoteJob("run-1", task, source, seed=0, limit=7)
    worker = ModelWorker(ModelRef(model.name, obj=model()))
    for lang in langs:
        cell = solve.plan(task, "in_language", [lang], [], model=worker.model)[0]
        scored, counts, rounds, written = _drive(worker, job, cell, DriverCache(store))
        here = solve.solve(task, model(), cell, Context(source=source, limit=7, store=cache.EmbeddingStore(tmp_path / "l")))
        assert [p.to_json() for p in scored.predictions] == [p.to_json() for p in here.predictions]
        assert scored.metrics == here.metrics and (rounds, written) == (1, 7)
    # a new worker (another node, a rerun) gets every answer from the driver's cache: no model call
    again = ModelWorker(ModelRef(model.name, obj=model()))
    _, counts, rounds, written = _drive(again, RemoteJob("run-2", task, source, limit=7), cell, DriverCache(store))
    assert (rounds, written) == (1, 0) and counts.get("model_calls", 0) == 0
    assert store._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 7 * len(langs)
    assert isinstance(again._context(job)[0].store, WorkerStore)  # the solver never saw the SQLite file


class Reversed:
    """An executor whose cells finish last-first (as a cluster's may)."""

    kind = "reversed"
    sort_by_length = False

    def shard_size(self, batch_size):
        return batch_size

    def encode(self, job, shards):
        return LOCAL.encode(job, shards)

    def solve(self, job, cells):
        return reversed(list(LOCAL.solve(job, cells)))


def test_cells_finishing_out_of_order_write_the_table_in_plan_order(tmp_path):
    kw = dict(langs="yor,hau,pcm,swa", limit=5, data_dir=need_data(), progress=False)
    local = xling.evaluate("masakhaner", Capitals(), out_dir=tmp_path / "a", **kw)
    other = xling.evaluate("masakhaner", Capitals(), out_dir=tmp_path / "b", executor=Reversed(), **kw)
    assert (other.run_dir / "results.jsonl").read_bytes() == (local.run_dir / "results.jsonl").read_bytes()
    assert list(dict.fromkeys(r["test_lang"] for r in other.rows)) == ["yor_Latn", "hau_Latn", "pcm_Latn", "swa_Latn"]


def test_many_runs_locally_equal_separate_runs(mini_mirror, tmp_path):
    langs = {"sib200": "eng_Latn,deu_Latn,zho_Hans", "tatoeba": "deu_Latn,cmn_Hans", "masakhaner": "yor"}
    plans = [batch.RunPlan(t, m, {}, dict(out_dir=str(tmp_path / "many"), data_dir=str(mini_mirror), langs=langs[t]))
             for m in ("fake:64", "fake:32") for t in ("sib200", "tatoeba", "masakhaner")]
    no_data = batch.RunPlan("sib200", "fake:64", {}, dict(out_dir=str(tmp_path / "many"), data_dir=str(mini_mirror),
                                                          langs="fra_Latn"))  # not in the mini mirror
    logged = []
    outcomes = batch.run_many(plans + plans[:1] + [no_data], log=logged.append)  # a duplicate runs once
    assert len(outcomes) == 7 and "missing data file" in outcomes[-1].error and not outcomes[-1].skipped
    assert batch.failures(outcomes).startswith("1 of 7 runs failed: fake:64 x sib200: ")
    outcomes = outcomes[:-1]
    bad = [o for o in outcomes if o.error]
    assert [o.plan.task for o in bad] == ["masakhaner", "masakhaner"]  # an encoder cannot tag
    assert "cannot do task 'masakhaner'" in bad[0].error and all(o.skipped for o in bad)
    assert batch.failures(outcomes) is None and sum(m.startswith("skip: fake:") for m in logged) == 2
    assert sum(m.startswith("failed: fake:64 x sib200: ") for m in logged) == 1
    for o in outcomes:
        if o.error:
            continue
        rep = xling.evaluate(o.plan.task, o.plan.model, out_dir=tmp_path / "one", data_dir=mini_mirror, progress=False,
                             langs=langs[o.plan.task])
        assert rep.run_dir.name == o.run_dir.name
        assert (rep.run_dir / "results.jsonl").read_bytes() == (o.run_dir / "results.jsonl").read_bytes()
    assert sum(m.startswith("done: ") for m in logged) == 4


@pytest.mark.parametrize("plans, message", [
    (batch.expand(["fake"], ["sib200", "tatoeba"], run_id="x"), "--run-id names one run; this command makes 2"),
    (batch.expand(["fake"], ["nosuchtask"]), "unknown task 'nosuchtask'"),
    (batch.expand(["nosuchmodel"], ["sib200"]), "unknown model 'nosuchmodel'"),
    (batch.expand(["fake"], ["sib200", "tatoeba"], langs="ace_Arab"), "ace_Arab is not a language of task .tatoeba."),
])
def test_a_multi_run_command_with_bad_input_runs_nothing(plans, message, tmp_path):
    with pytest.raises(XlingError, match=message):
        batch.run_many(plans)


def test_regenerate_plans_every_model_task_and_setting_for_run_many(tmp_path):
    from xling import regenerate

    plan = regenerate.Plan(runs_dir=tmp_path / "runs", models=("fake:64", "charngram"), tasks=("sib200", "lareqa"),
                           threads=1)
    got = regenerate.run_plans(plan, log=lambda m: None)
    assert [(p.model, p.task, p.run["setting"], p.run["train_langs"]) for p in got] == [
        ("fake:64", "sib200", "zero_shot", "eng_Latn"), ("fake:64", "lareqa", "monolingual", None),
        ("fake:64", "lareqa", "multilingual_pool", None), ("charngram", "sib200", "zero_shot", "eng_Latn"),
        ("charngram", "sib200", "in_language", None),  # IN_LANGUAGE_TOO: the classical baseline trains per language too
        ("charngram", "lareqa", "monolingual", None), ("charngram", "lareqa", "multilingual_pool", None)]
    assert all(p.run["langs"] == "all" and p.model_options == {"threads": 1} for p in got)
