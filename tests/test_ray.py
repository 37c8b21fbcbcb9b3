"""The Ray executor on a local Ray instance (one per module, 2 CPUs): rows and samples
identical to the local executor for an encoder task, head tasks (NER tags cached in the
embedding table, QA spans in the text table) and a multi-run command; an actor killed
mid-run; a driver killed with SIGKILL and rerun; an unreachable cluster."""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

ray = pytest.importorskip("ray")

import xling  # noqa: E402
from xling import batch  # noqa: E402
from xling.errors import XlingError  # noqa: E402
from xling.execution import open_executor  # noqa: E402
from xling.executor import ExecutorConfig, model_ref  # noqa: E402
from tests.conftest import need_data  # noqa: E402
from tests.helpers import tiny_bert, xquad_mirror  # noqa: E402

SHARD = 64
LANGS = "eng_Latn,deu_Latn,zho_Hans"
TAGS9 = ["O", "B-DATE", "I-DATE", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]


@pytest.fixture(scope="module")
def cluster():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, address="local")
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def executor(cluster):
    ex = open_executor(ExecutorConfig("ray", workers=2, shard_size=SHARD))
    yield ex
    ex.close()


def snapshot(run_dir):
    """results.jsonl and every samples file, as bytes (config.json differs: provenance)."""
    files = sorted(p for p in run_dir.rglob("*.jsonl"))
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in files}


def both(tmp_path, executor, task, model, **kw):
    """The same run with the local executor and with Ray, each with its own cache."""
    out = {}
    for name, ex in (("local", None), ("ray", executor)):
        rep = xling.evaluate(task, model, out_dir=tmp_path / name, cache_dir=tmp_path / f"{name}-cache", executor=ex,
                             progress=False, **kw)
        out[name] = rep
    return out["local"], out["ray"]


def test_encoder_task_identical_to_local(mini_mirror, tmp_path, executor):
    local, remote = both(tmp_path, executor, "sib200", "fake:64", langs=LANGS, setting="zero_shot",
                         train_langs="eng_Latn", data_dir=mini_mirror)
    assert remote.run_dir.name == local.run_dir.name  # the run directory a local run would have
    assert snapshot(remote.run_dir) == snapshot(local.run_dir)
    assert len(snapshot(local.run_dir)) == 4  # results + 3 cells' samples
    assert (remote.model_calls, remote.cache_hits) == (local.model_calls, local.cache_hits)
    assert remote.model_calls == 701 + 3 * 204  # eng train + 3 test sets, each text once
    assert json.loads((remote.run_dir / "config.json").read_text())["provenance"]["executor"] == "ray"


@pytest.fixture(scope="module")
def ner_checkpoint(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("tiny-ner"), "BertForTokenClassification",
                     "abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"-()", TAGS9, max_position_embeddings=64)


@pytest.fixture(scope="module")
def qa_checkpoint(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("tiny-qa"), "BertForQuestionAnswering", hidden_size=16,
                     num_hidden_layers=1, intermediate_size=16)


def held(executor, spec):
    """Keep a model's actors up across several runs (as a multi-run command does)."""
    return executor.hold(model_ref(xling.load_model(spec, threads=1)))


def test_ner_head_cells_on_workers_identical_and_cached_by_the_driver(ner_checkpoint, tmp_path, executor):
    kw = dict(langs="yor,hau,pcm", limit=30, data_dir=need_data(), threads=1)
    with held(executor, f"hf:{ner_checkpoint}"):
        local, remote = both(tmp_path, executor, "masakhaner", f"hf:{ner_checkpoint}", **kw)
        # the workers' tags went to the driver's cache (one writer): a new run on Ray reads them back
        again = xling.evaluate("masakhaner", f"hf:{ner_checkpoint}", out_dir=tmp_path / "again",
                               cache_dir=tmp_path / "ray-cache", executor=executor, progress=False, **kw)
    assert snapshot(remote.run_dir) == snapshot(local.run_dir)
    assert remote.model_calls == local.model_calls == 90 and remote.cache_hits == local.cache_hits == 0
    assert (again.model_calls, again.cache_hits) == (0, 90)
    assert snapshot(again.run_dir) == snapshot(local.run_dir)


def test_qa_head_cells_on_workers_identical_and_cached_by_the_driver(qa_checkpoint, tmp_path, executor):
    kw = dict(langs="en,de,zh", limit=12, data_dir=xquad_mirror(tmp_path), threads=1)
    with held(executor, f"hf:{qa_checkpoint}"):
        local, remote = both(tmp_path, executor, "xquad", f"hf:{qa_checkpoint}", **kw)
        again = xling.evaluate("xquad", f"hf:{qa_checkpoint}", out_dir=tmp_path / "again",
                               cache_dir=tmp_path / "ray-cache", executor=executor, progress=False, **kw)
    assert snapshot(remote.run_dir) == snapshot(local.run_dir)
    assert remote.model_calls == local.model_calls == 36
    assert (again.model_calls, again.cache_hits) == (0, 36)


def test_multi_run_command_identical_to_separate_local_runs(mini_mirror, tmp_path, executor):
    common = dict(langs="all", data_dir=str(mini_mirror), cache_dir=str(tmp_path / "cache-ray"))
    plans = batch.expand(["fake:64", "fake:32"], ["sib200", "tatoeba"], out_dir=str(tmp_path / "ray"), **common)
    plans = [batch.RunPlan(p.task, p.model, {}, {**p.run, "langs": "deu_Latn,zho_Hans" if p.task == "sib200"
                                                  else "deu_Latn,cmn_Hans"}) for p in plans]
    logged = []
    outcomes = batch.run_many(plans, executor, log=logged.append)
    assert batch.failures(outcomes) is None and len(logged) == 4 and all(m.startswith("done: ") for m in logged)
    for o in outcomes:  # each exactly as a separate local run (own cache) gives it
        rep = xling.evaluate(o.plan.task, o.plan.model, out_dir=tmp_path / "local", cache_dir=tmp_path / "cache-local",
                             progress=False, **{k: v for k, v in o.plan.run.items() if k not in ("out_dir", "cache_dir")})
        assert rep.run_dir.name == o.run_dir.name
        assert snapshot(o.run_dir) == snapshot(rep.run_dir) and len(snapshot(rep.run_dir)) >= 3
    assert len({o.run_dir for o in outcomes}) == 4


def _pool_of(executor, spec_start: str):
    """The executor's open actor pool of the model whose spec starts with ``spec_start``. Not the
    cluster's named actors: a finished test's actors may still be on their way out there."""
    pools = [p for p in list(executor._pools.values()) if str(p.ref.spec).startswith(spec_start)]
    return pools[0] if len(pools) == 1 else None


def _actors(pool) -> set:
    with pool.lock:
        return set(pool.ready) | set(pool.starting.values())


def _full_actor(pool):
    """A ready actor of the pool with a full queue (DEPTH requests in flight), or None."""
    from xling.executor_ray import DEPTH

    with pool.lock:
        return next((a for a, n in pool.ready.items() if n >= DEPTH), None) if len(pool.ready) == 2 else None


def _lines(path):
    return path.read_text().split() if path.exists() else []


def test_actor_killed_mid_run_loses_at_most_its_shard(mini_mirror, tmp_path, executor):
    ref = xling.evaluate("sib200", "fake:64", langs=LANGS, data_dir=mini_mirror, out_dir=tmp_path / "ref",
                         cache_dir=tmp_path / "ref-cache", progress=False)
    log = tmp_path / "calls.log"
    result, errors = {}, []

    def run():
        try:
            result["rep"] = xling.evaluate("sib200", f"fake:64:delay=0.004:log={log}", langs=LANGS,
                                           data_dir=mini_mirror, out_dir=tmp_path / "ray", progress=False,
                                           cache_dir=tmp_path / "cache", executor=executor)
        except Exception as e:  # reported below
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    pool = victim = None
    while victim is None and t.is_alive():  # 3 shards done, both workers up, one with a full queue
        time.sleep(0.02)
        if len(_lines(log)) >= 3 * SHARD:
            pool = _pool_of(executor, "fake:64:delay")
            victim = pool and _full_actor(pool)
    assert victim is not None, "the run ended before a worker could be killed mid-run"
    before = _actors(pool)
    retried = executor.stats["retried"]
    ray.kill(victim, no_restart=True)
    while t.is_alive() and not _actors(pool) - before:
        time.sleep(0.02)
    replacement = _actors(pool) - before
    t.join(120)
    assert not t.is_alive() and not errors, errors
    assert snapshot(result["rep"].run_dir) == snapshot(ref.run_dir)
    encoded = _lines(log)
    assert len(set(encoded)) == ref.model_calls == 2715
    assert len(encoded) - len(set(encoded)) <= SHARD, Counter(encoded).most_common(1)  # at most the shard in flight
    assert len(replacement) == 1  # a new worker took the dead one's place
    assert executor.stats["retried"] - retried in (1, 2)  # its shard in flight and the one queued behind it


DRIVER = """
import sys, xling
from xling.executor import ExecutorConfig
xling.evaluate("sib200", sys.argv[1], langs=sys.argv[2], data_dir=sys.argv[3], out_dir=sys.argv[4], run_id="r",
               progress=False, executor=ExecutorConfig("ray", address=sys.argv[5], workers=2, shard_size=int(sys.argv[6])))
"""


def test_driver_killed_with_sigkill_resumes_on_rerun(mini_mirror, tmp_path, cluster):
    ref = xling.evaluate("sib200", "fake:64", langs=LANGS, data_dir=mini_mirror, out_dir=tmp_path / "ref",
                         run_id="r", cache_dir=tmp_path / "ref-cache", progress=False)
    log = tmp_path / "calls.log"
    env = dict(os.environ, XLING_CACHE=str(tmp_path / "cache"))
    cmd = [sys.executable, "-c", DRIVER, f"fake:64:delay=0.004:log={log}", LANGS, str(mini_mirror),
           str(tmp_path / "runs"), cluster, str(SHARD)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while len(_lines(log)) < 6 * SHARD and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = len(_lines(log))
    assert before < ref.model_calls  # killed mid-encoding
    final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    assert snapshot(tmp_path / "runs" / "r") == snapshot(ref.run_dir)
    encoded = _lines(log)
    assert len(set(encoded)) == ref.model_calls
    # what a kill loses: the shards the workers held (2 x 2 queued) and any not yet committed
    assert len(encoded) - len(set(encoded)) <= 4 * SHARD


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the socket is


@pytest.mark.parametrize("form", ["ray://127.0.0.1:{port}", "127.0.0.1:{port}", "auto"])
def test_unreachable_cluster_is_a_one_line_error(form, monkeypatch, cluster):
    port = _closed_port()
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")  # what 'auto' finds: nothing listens there
    address = form.format(port=port)
    with pytest.raises(XlingError, match="cannot reach the Ray cluster at") as err:
        open_executor(ExecutorConfig("ray", address=address))
    assert "\n" not in str(err.value) and address in str(err.value)


@pytest.mark.parametrize("ref, message", [
    (("fake@64", "fake:64:bogus=1"), "a worker could not load model fake@64: model spec 'fake:64:bogus=1': expected"),
    (("fake@99", "fake:64"), "a worker loaded model fake@64, the driver fake@99: install the same"),
])
def test_a_worker_that_cannot_load_the_same_model_is_a_one_line_error(ref, message, executor):
    from types import SimpleNamespace

    from xling.cache import Shard
    from xling.executor import ModelRef

    job = SimpleNamespace(ref=ModelRef(*ref), run=SimpleNamespace(batch_size=8))
    with pytest.raises(XlingError, match=message):
        list(executor.encode(job, [Shard("query", (b"k",), ("hello",))]))


def test_a_port_that_is_not_a_ray_server_is_a_one_line_error_not_a_half_minute_wait():
    import http.server

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)  # HTTP/1, not gRPC
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for address in (f"ray://127.0.0.1:{server.server_port}", f"127.0.0.1:{server.server_port}"):
            with pytest.raises(XlingError, match=f"cannot reach the Ray cluster at {address}: no Ray server answered "
                                                 "within 1 s"):
                open_executor(ExecutorConfig("ray", address=address, connect_timeout=1))
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_token_is_named_in_the_error():
    from xling.executor_ray import _why

    try:
        try:
            raise RuntimeError("Failed to connect to GCS. Last connection error: ... InvalidAuthToken: missing")
        except RuntimeError as inner:
            raise ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379") from inner
    except ConnectionError as e:
        line = _why("10.0.0.1:6379", e)
    assert line == ("cannot start or join 10.0.0.1:6379: Failed to connect to Ray cluster at 10.0.0.1:6379; the "
                    "cluster refused this driver's token: set RAY_AUTH_MODE=token and the cluster's token "
                    "(RAY_AUTH_TOKEN or ~/.ray/auth_token)")
    assert _why("10.0.0.1:6379", ConnectionError("timed out")) == "cannot start or join 10.0.0.1:6379: timed out"
