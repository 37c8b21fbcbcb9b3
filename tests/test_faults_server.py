"""A flaky server never costs an answer (issue: one failed request lost a language's answers).

A 127.0.0.1 server that fails about 45% of requests with HTTP 500 (seeded: the n-th attempt
at a body fails by a hash of seed, n and body, whatever order threads send them in) sits in
front of a tiny random checkpoint (XCOPA by log-likelihood through /v1/completions) and of a
lookup-table translator (FLORES over --api chat, in process and on a Ray worker). The same run
is repeated as is until it completes: after every failed run, every answer the server sent
with status 200 is in the cache (none is asked for twice) and the one-line error says how many
are; each rerun has fewer answers left to ask; the final rows and samples equal a fault-free
server's. Each test prints, per run: requests sent, good answers, cache entries, cells finished."""
import hashlib
import io
import json
import sqlite3
import threading

import pytest

from tests.conftest import need_data
from tests.lm_helpers import Served
from tests.mt_helpers import FakeMT, serve
from xling.api import evaluate
from xling.errors import XlingError
from xling.plugins import load_model

FAIL = 0.45
VOLATILE = ("time", "wall_s", "started", "xling_version")


class Flaky:
    """Fails a share ``fail`` of requests with HTTP 500: the n-th attempt at a body fails when
    a hash of (seed, n, body) says so, whatever the order the threads send them in. Counts
    requests, and the good answers per body."""

    def __init__(self, inner, fail: float = FAIL, seed: int = 0):
        self.inner, self.fail, self.seed, self.lock = inner, fail, seed, threading.Lock()
        self.good: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        self.requests = self.failed = 0

    def _fails(self, body: dict) -> bool:
        k = json.dumps(body, sort_keys=True)
        with self.lock:
            n = self.seen[k] = self.seen.get(k, 0) + 1
            draw = int.from_bytes(hashlib.sha256(f"{self.seed}|{n}|{k}".encode()).digest()[:8], "big") / 2 ** 64
            self.requests += 1
            self.failed += draw < self.fail
        return draw < self.fail

    def _ok(self, body: dict) -> None:
        k = json.dumps(body, sort_keys=True)
        with self.lock:
            self.good[k] = self.good.get(k, 0) + 1

    def completions(self, body: dict):  # the checkpoint server's interface (tests.lm_helpers.servers)
        if self._fails(body):
            return 500, {"error": {"message": "flaky"}}
        code, obj = self.inner.completions(body)
        if code == 200:
            self._ok(body)
        return code, obj


class FlakyMT(FakeMT):
    def __init__(self, table, fail: float = FAIL, seed: int = 1):
        super().__init__(table)
        self.flaky = Flaky(None, fail, seed)

    def reply(self, handler) -> None:
        raw = handler.rfile.read(int(handler.headers["Content-Length"]))
        if self.flaky._fails(json.loads(raw)):
            handler.send_response(500)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        self.flaky._ok(json.loads(raw))
        handler.rfile = io.BytesIO(raw)  # FakeMT reads the body again
        super().reply(handler)


def _entries(cache_dir) -> int:
    files = list(cache_dir.glob("*.sqlite"))
    if not files:
        return 0
    with sqlite3.connect(files[0]) as db:
        return db.execute("SELECT COUNT(*) FROM texts").fetchone()[0]


def _rows(run_dir) -> list[dict]:
    rows = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in rows]


def _samples(run_dir) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((run_dir / "samples").glob("*.jsonl"))}


def _cells(out_dir) -> int:
    """Cells with rows in the run's results.jsonl (a failed run keeps those it finished)."""
    found = list(out_dir.glob("*/results.jsonl"))
    return len({(r["test_lang"], r.get("query_lang")) for f in found for r in _rows(f.parent)})


def _until_done(run_once, out_dir, cache_dir, server: Flaky, max_runs: int = 40):
    """Repeat ``run_once`` until it completes. Per run: (requests sent, good answers received,
    cache entries, cells finished), checked after every failed run: every good answer sent so
    far is in the cache and the one-line message says how many of those asked for are."""
    history = []
    for _ in range(max_runs):
        before = (server.requests, sum(server.good.values()))
        try:
            report = run_once()
        except XlingError as e:
            msg = str(e)
            entries = _entries(cache_dir)
            history.append((server.requests - before[0], sum(server.good.values()) - before[1], entries,
                            _cells(out_dir)))
            assert entries == sum(server.good.values()), f"good answers lost: {history}"
            assert all(n == 1 for n in server.good.values()), "a good answer was asked for again"
            assert len(msg.splitlines()) == 1 and "no valid answer after 3 attempts" in msg, msg
            assert "answers asked for are in the cache: rerun the same command to resume" in msg, msg
            continue
        history.append((server.requests - before[0], sum(server.good.values()) - before[1], _entries(cache_dir),
                        _cells(out_dir)))
        return history, report
    raise AssertionError(f"no complete run in {max_runs} runs: {history}")


def _check_converged(history, server: Flaky, cache_dir, needed: int) -> None:
    print(f"\nper run (requests sent, good answers, cache entries, cells finished): {history}; "
          f"requests failed by the server: {server.failed} of {server.requests}")
    assert len(history) > 1, "the flaky server never failed a run: the test would prove nothing"
    assert all(n == 1 for n in server.good.values()), "a good answer was asked for again"
    assert sum(server.good.values()) == _entries(cache_dir) == needed  # every good answer kept, none asked twice
    left = [needed - entries for _, _, entries, _ in history]
    assert all(a > b for a, b in zip(left, left[1:])) and left[-1] == 0  # each rerun has fewer to ask


def test_loglikelihood_answers_survive_a_flaky_server(tmp_path, gpt2_dir, serve):
    need_data("xcopa")

    def run(url, name):
        lm = load_model("openai:tiny", base_url=url, retries=2, backoff=0.001, max_backoff=0.01,
                        tokenizer=str(gpt2_dir), progress=False, timeout=5)
        return lambda: evaluate("xcopa", lm, langs=["et", "it"], limit=40, data_dir=need_data(),
                                out_dir=tmp_path / name, cache_dir=tmp_path / f"{name}-cache", progress=False)

    clean_srv = Flaky(Served(gpt2_dir), fail=0.0)
    clean = run(serve(clean_srv), "clean")()
    assert sum(clean_srv.good.values()) == clean_srv.requests == 160  # 2 languages x 40 items x 2 choices
    flaky = Flaky(Served(gpt2_dir))
    history, report = _until_done(run(serve(flaky), "flaky"), tmp_path / "flaky", tmp_path / "flaky-cache", flaky)
    _check_converged(history, flaky, tmp_path / "flaky-cache", needed=160)
    assert history[-1][3] == 2
    assert _rows(report.run_dir) == _rows(clean.run_dir)
    assert _samples(report.run_dir) == _samples(clean.run_dir)


def _chat_case(tmp_path, executor=None) -> None:
    """FLORES deu->eng over --api chat, fault-free and then flaky until done (on ``executor``)."""
    data = need_data()
    from tests.mt_helpers import key
    from xling.data import Local
    from xling.plugins import get_task

    ex = {lang: list(get_task("flores").load(lang, "test", Local(data)))[:30] for lang in ("deu_Latn", "eng_Latn")}
    table = {key("deu_Latn", "eng_Latn", " ".join(d.text.split())): e.text for d, e in zip(ex["deu_Latn"], ex["eng_Latn"])}

    def run(url, name, executor=None):
        lm = load_model("openai:mt", base_url=url, api="chat", retries=2, backoff=0.001, max_backoff=0.01,
                        progress=False, timeout=5)
        return lambda: evaluate("flores", lm, langs=["deu_Latn"], setting="xx2en", limit=30, data_dir=data,
                                out_dir=tmp_path / name, cache_dir=tmp_path / f"{name}-cache", progress=False,
                                executor=executor)

    with serve(FlakyMT(table, fail=0.0)) as url:
        clean = run(url, "clean")()
    fake = FlakyMT(table)
    with serve(fake) as url:
        history, report = _until_done(run(url, "flaky", executor), tmp_path / "flaky", tmp_path / "flaky-cache",
                                      fake.flaky)
    _check_converged(history, fake.flaky, tmp_path / "flaky-cache", needed=30)
    assert _rows(report.run_dir) == _rows(clean.run_dir)
    assert _samples(report.run_dir) == _samples(clean.run_dir)


def test_chat_translations_survive_a_flaky_server(tmp_path):
    need_data("sib-200")
    _chat_case(tmp_path)


def test_a_cell_that_fails_on_a_ray_worker_keeps_its_answers(tmp_path):
    """The worker sends back, with its one-line error, the answers its cell received; the driver
    commits them before it raises."""
    need_data("sib-200")
    ray = pytest.importorskip("ray")
    from xling.execution import open_executor
    from xling.executor import ExecutorConfig

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, address="local")
    try:
        executor = open_executor(ExecutorConfig("ray", workers=1, shard_size=64))
        try:
            _chat_case(tmp_path, executor)
        finally:
            executor.close()
    finally:
        ray.shutdown()
