"""A run killed with SIGKILL at random moments and rerun each time ends with exactly the
results of an uninterrupted run; no example is scored twice; nothing stored is recomputed."""
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

from xling.io import read_jsonl

BATCH = 64  # CachedEncoder batch: the most a kill can lose is the batch in flight


def _cmd(mirror, out, log):
    return [sys.executable, "-m", "xling", "run", "--model", f"fake:64:delay=0.0015:log={log}", "--task", "sib200",
            "--lang", "eng_Latn,deu_Latn,zho_Hans", "--data-dir", str(mirror), "--out", str(out),
            "--run-id", "r", "--no-board"]


def _load(run):
    rows = read_jsonl(run / "results.jsonl")
    samples = {p.name: p.read_text() for p in sorted((run / "samples").glob("*.jsonl"))}
    return rows, samples


def test_sigkill_at_five_random_moments_then_resume(mini_mirror, tmp_path):
    env = dict(os.environ, XLING_CACHE=str(tmp_path / "ref-cache"))
    ref_log = tmp_path / "ref.log"
    subprocess.run(_cmd(mini_mirror, tmp_path / "ref", ref_log), env=env, check=True, capture_output=True)
    ref_rows, ref_samples = _load(tmp_path / "ref" / "r")
    distinct = len(set(ref_log.read_text().split()))

    env["XLING_CACHE"] = str(tmp_path / "cache")
    log = tmp_path / "calls.log"
    out = tmp_path / "runs"
    rng = random.Random(int(os.environ.get("XLING_KILL_SEED", time.time_ns())))
    # Five random moments, measured in work done: texts encoded (log lines) or cells written.
    cells = len(ref_samples)
    moments = sorted(rng.randint(1, distinct + cells - 1) for _ in range(5))
    kills = 0
    for moment in moments:
        proc = subprocess.Popen(_cmd(mini_mirror, out, log), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        while proc.poll() is None:
            encoded = len(log.read_text().split()) if log.exists() else 0
            written = len(list((out / "r" / "samples").glob("*.jsonl"))) if (out / "r" / "samples").exists() else 0
            if (moment <= distinct and encoded >= moment) or (moment > distinct and written >= moment - distinct):
                proc.send_signal(signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.005)
        proc.wait()
        results = out / "r" / "results.jsonl"
        if results.exists():  # whatever a killed run left is complete JSON lines, never torn
            for line in results.read_text().splitlines():
                json.loads(line)
    assert kills >= 4  # a moment in the last cell may race with the run finishing
    final = subprocess.run(_cmd(mini_mirror, out, log), env=env, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr

    rows, samples = _load(out / "r")
    key = lambda r: (r["train_lang"], r["test_lang"], r["metric"])  # noqa: E731
    assert Counter(map(key, rows)).most_common(1)[0][1] == 1  # no cell scored twice
    strip = lambda r: {k: v for k, v in r.items() if k != "run_id"}  # noqa: E731
    assert sorted(map(strip, rows), key=key) == sorted(map(strip, ref_rows), key=key)
    assert samples == ref_samples
    for text in samples.values():
        ids = [json.loads(line)["id"] for line in text.splitlines()]
        assert len(ids) == len(set(ids)) == 204
    # every text was encoded once, except at most the batch in flight at each kill
    encoded = log.read_text().split()
    assert len(set(encoded)) == distinct
    assert len(encoded) - distinct <= kills * BATCH, (len(encoded), distinct, kills)
