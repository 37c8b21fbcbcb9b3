"""A flaky server never costs an answer (issue: one failed request lost a language's answers).

A 127.0.0.1 server that fails about 45% of requests with HTTP 500 (seeded) sits in front of a
tiny random checkpoint (XCOPA by log-likelihood through /v1/completions) and of a lookup-table
translator (FLORES over --api chat). The same run is repeated as is until it completes: every
answer the server sent with status 200 must be in the cache (none asked twice), each failed run
must say how many answers it kept, and the final rows and samples must equal a fault-free
server's."""
import json
import random
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
    """Fails a share ``fail`` of requests with HTTP 500 (seeded); counts the good answers per body."""

    def __init__(self, inner, fail: float = FAIL, seed: int = 0):
        self.inner, self.fail, self.rng, self.lock = inner, fail, random.Random(seed), threading.Lock()
        self.good: dict[str, int] = {}
        self.failed = 0

    def _fails(self) -> bool:
        with self.lock:
            bad = self.rng.random() < self.fail
            self.failed += bad
            return bad

    def _ok(self, body: dict) -> None:
        k = json.dumps(body, sort_keys=True)
        with self.lock:
            self.good[k] = self.good.get(k, 0) + 1

    def completions(self, body: dict):  # the checkpoint server's interface (tests.lm_helpers.servers)
        if self._fails():
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
        if self.flaky._fails():
            handler.rfile.read(int(handler.headers["Content-Length"]))
            handler.send_response(500)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        raw = handler.rfile.read(int(handler.headers["Content-Length"]))
        self.flaky._ok(json.loads(raw))
        handler.rfile = _Replay(raw)
        super().reply(handler)


class _Replay:
    def __init__(self, raw: bytes):
        self.raw = raw

    def read(self, n: int) -> bytes:
        return self.raw[:n]


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


def _until_done(run_once, cache_dir, server: Flaky, max_runs: int = 40) -> list[tuple[int, int, int]]:
    """Repeat ``run_once`` until it completes; per failed run: (good answers sent so far, cache
    entries, answers the message says were kept)."""
    history = []
    for _ in range(max_runs):
        try:
            return history, run_once()
        except XlingError as e:
            msg = str(e)
            assert "kept in the cache" in msg and "rerun the same command" in msg, msg
            assert len(msg.splitlines()) == 1
            sent = sum(server.good.values())
            history.append((sent, _entries(cache_dir), int(msg.split(" answers received")[0].rsplit("(", 1)[1])))
    raise AssertionError(f"no complete run in {max_runs} runs: {history}")


def _check_converged(history, server: Flaky, cache_dir) -> None:
    print(f"failed runs (good answers sent so far, cache entries, kept per message): {history}; "
          f"then complete; requests failed by the server: {server.failed}")
    assert history, "the flaky server never failed a run: the test would prove nothing"
    assert all(n == 1 for n in server.good.values()), "a good answer was asked for again"
    assert sum(server.good.values()) == _entries(cache_dir)  # every good answer kept, none lost
    entries = [e for _, e, _ in history]
    assert entries == sorted(entries) and entries[-1] > 0


def test_loglikelihood_answers_survive_a_flaky_server(tmp_path, gpt2_dir, serve):
    need_data("xcopa")

    def run(url, name):
        lm = load_model("openai:tiny", base_url=url, retries=1, backoff=0.001, max_backoff=0.01,
                        tokenizer=str(gpt2_dir), progress=False, timeout=5)
        return lambda: evaluate("xcopa", lm, langs=["et", "it"], limit=40, data_dir=need_data(),
                                out_dir=tmp_path / name, cache_dir=tmp_path / f"{name}-cache", progress=False)

    clean_srv = Flaky(Served(gpt2_dir), fail=0.0)
    clean = run(serve(clean_srv), "clean")()
    flaky = Flaky(Served(gpt2_dir))
    history, report = _until_done(run(serve(flaky), "flaky"), tmp_path / "flaky-cache", flaky)
    _check_converged(history, flaky, tmp_path / "flaky-cache")
    assert sum(flaky.good.values()) == sum(clean_srv.good.values()) == 160  # 2 languages x 40 items x 2 choices
    assert _rows(report.run_dir) == _rows(clean.run_dir)
    assert _samples(report.run_dir) == _samples(clean.run_dir)


def test_chat_translations_survive_a_flaky_server(tmp_path):
    need_data("sib-200")
    data = need_data()
    from xling.data import Local
    from xling.plugins import get_task

    ex = {lang: list(get_task("flores").load(lang, "test", Local(data)))[:30] for lang in ("deu_Latn", "eng_Latn")}
    from tests.mt_helpers import key
    table = {key("deu_Latn", "eng_Latn", " ".join(d.text.split())): e.text for d, e in zip(ex["deu_Latn"], ex["eng_Latn"])}

    def run(url, name):
        lm = load_model("openai:mt", base_url=url, api="chat", retries=1, backoff=0.001, max_backoff=0.01,
                        progress=False, timeout=5)
        return lambda: evaluate("flores", lm, langs=["deu_Latn"], setting="xx2en",
                                limit=30, data_dir=data, out_dir=tmp_path / name, cache_dir=tmp_path / f"{name}-cache",
                                progress=False)

    with serve(FlakyMT(table, fail=0.0)) as url:
        clean = run(url, "clean")()
    fake = FlakyMT(table)
    with serve(fake) as url:
        history, report = _until_done(run(url, "flaky"), tmp_path / "flaky-cache", fake.flaky)
    _check_converged(history, fake.flaky, tmp_path / "flaky-cache")
    assert _rows(report.run_dir) == _rows(clean.run_dir)
    assert _samples(report.run_dir) == _samples(clean.run_dir)
