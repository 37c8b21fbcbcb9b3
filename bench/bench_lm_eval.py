"""lm-evaluation-harness 0.4.13's HFLM vs xling's ``hf-causal`` on the same CPU checkpoint.

The script builds a random Llama-architecture checkpoint of a realistic shape (default 6
layers x 512 hidden, 8 heads, a byte-level BPE of ``--vocab`` pieces trained on real SIB-200
sentences of all 205 languages, BOS added like Llama's tokenizers), then scores three item
sets with both systems, each in a child process of its own (fresh model load, peak resident
memory read from the kernel), and compares per item:

* ``xcopa``: XCOPA test items of the 11 languages (``--data-dir``/xcopa/data), rendered exactly
  as lm-eval's ``xcopa`` task: context ``premise[:-1] + " " + connector`` (lm-eval's
  per-language cause/effect connectors), choices ``" " + choice`` with a lower-cased first letter;
* ``belebele``: Belebele-shaped items from real SIB-200 text (test split): a passage of 5
  consecutive sentences, a question (the first words of another sentence), 4 answers (the
  first words of 4 more sentences), in lm-eval's Belebele prompt layout
  ``P: ...\\nQ: ...\\nA:``; the answers' texts are the continuations (the shape where one
  context serves 4 long continuations);
* ``belebele-letters``: the same items in lm-eval's own Belebele task format (the answers
  listed in the prompt, continuations `` A``..`` D``: one-token continuations, which lm-eval
  already scores with one forward pass per item).

Printed per set: wall time of the scoring call of each system (tokenization included,
model load excluded; the fastest of ``--runs`` calls after a warm-up call), the ratio xling / lm-eval of wall time (goals: <= 0.5 on belebele,
<= 1.0 on xcopa) and of the process's CPU time (steadier on a shared machine), acc and
acc_norm agreement per item (items where both pick the same choice), is_greedy agreement per
request, max |delta log-likelihood| (absolute and relative), and peak RSS of each child.

    python bench/bench_lm_eval.py --data-dir ../shared/data [--items 5] [--threads 2] [--runs 1] [--repeat 1]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

XCOPA_LANGS = ("et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh")
BELEBELE_LANGS = ("eng_Latn", "deu_Latn", "swh_Latn", "amh_Ethi", "hin_Deva", "zho_Hans", "arb_Arab", "rus_Cyrl")


def xcopa_items(data: Path, n: int) -> list[dict]:
    """lm-eval 0.4.13's xcopa rendering (lm_eval/tasks/xcopa/utils.py), connectors read from it."""
    from lm_eval.tasks.xcopa import utils as xu

    out = []
    for lang in XCOPA_LANGS:
        connector = getattr(xu, f"doc_to_text_{lang}").keywords["connector"]
        lines = (data / "xcopa" / "data" / lang / f"test.{lang}.jsonl").read_text(encoding="utf-8").splitlines()
        for line in lines[:n]:
            doc = json.loads(line)
            choices = [xu.convert_choice(doc["choice1"]), xu.convert_choice(doc["choice2"])]
            out.append({"lang": lang, "context": xu.doc_to_text(doc, connector), "choices": choices,
                        "conts": [" " + c for c in choices], "gold": doc["label"]})
    return out


def sib_rows(data: Path, lang: str) -> list[str]:
    path = data / "sib-200" / "data" / "annotated" / lang / "test.tsv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f, delimiter="\t"), key=lambda r: int(r["index_id"]))
    return [r["text"] for r in rows]


def belebele_items(data: Path, n: int, letters: bool) -> list[dict]:
    out = []
    for lang in BELEBELE_LANGS:
        sents = sib_rows(data, lang)
        cut = (lambda s, k: s[:k * 4]) if lang == "zho_Hans" else (lambda s, k: " ".join(s.split()[:k]))
        for i in range(n):
            base = (i * 10) % (len(sents) - 10)
            passage = " ".join(sents[base:base + 5])
            question = cut(sents[base + 5], 8).rstrip(".?!。") + "?"
            answers = [cut(s, 10) for s in sents[base + 6:base + 10]]
            if letters:
                ctx = (f"P: {passage}\nQ: {question}\nA: {answers[0]}\nB: {answers[1]}\nC: {answers[2]}\n"
                       f"D: {answers[3]}\nAnswer:")
                choices = ["A", "B", "C", "D"]
            else:
                ctx, choices = f"P: {passage}\nQ: {question}\nA:", answers
            out.append({"lang": lang, "context": ctx, "choices": choices, "conts": [" " + c for c in choices],
                        "gold": i % 4})
    return out


def build_checkpoint(path: Path, data: Path, args) -> None:
    import tokenizers
    import torch
    import transformers

    texts = [t for lang in sorted(os.listdir(data / "sib-200" / "data" / "annotated"))
             if (data / "sib-200" / "data" / "annotated" / lang / "dev.tsv").is_file()
             for t in sib_rows_split(data, lang, "dev")]
    bpe = tokenizers.ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=args.vocab, min_frequency=2, special_tokens=["<s>", "</s>", "<pad>"])
    raw = bpe._tokenizer
    raw.post_processor = tokenizers.processors.TemplateProcessing(single="<s> $A", pair="<s> $A $B",
                                                                  special_tokens=[("<s>", 0)])
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<s>", eos_token="</s>",
                                               pad_token="<pad>")
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(vocab_size=len(tok), hidden_size=args.hidden,
                                   intermediate_size=args.hidden * 11 // 4,
                                   num_hidden_layers=args.layers, num_attention_heads=args.hidden // 64,
                                   num_key_value_heads=args.hidden // 64, max_position_embeddings=2048,
                                   bos_token_id=0, eos_token_id=1, pad_token_id=2)
    model = transformers.LlamaForCausalLM(cfg)
    with torch.no_grad():  # peakier next-token distributions than the 0.02-std init (fewer near-ties)
        for p in model.parameters():
            if p.dim() >= 2:
                p.mul_(3.0)
    model.save_pretrained(path)
    tok.save_pretrained(path)


def sib_rows_split(data: Path, lang: str, split: str) -> list[str]:
    with open(data / "sib-200" / "data" / "annotated" / lang / f"{split}.tsv", encoding="utf-8", newline="") as f:
        return [r["text"] for r in csv.DictReader(f, delimiter="\t")]


def worker(args) -> None:
    """Child process: score one item set with one system ``1 + --runs`` times (the first warms
    up kernels and allocator; neither system keeps results between calls), write the fastest
    timed run's wall and CPU seconds, the results and the peak RSS."""
    import torch

    torch.set_num_threads(args.threads)
    items = json.loads(Path(args.items_file).read_text(encoding="utf-8"))
    reqs = [(it["context"], c) for it in items for c in it["conts"]]
    if args.worker == "lm-eval":
        from lm_eval.api.instance import Instance
        from lm_eval.models.huggingface import HFLM

        lm = HFLM(pretrained=args.checkpoint, device="cpu", batch_size=args.lmeval_batch_size)
        inst = [Instance("loglikelihood", {}, r, i) for i, r in enumerate(reqs)]

        def score():
            return lm.loglikelihood(inst, disable_tqdm=True)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from xling.models.hf_causal import CausalOptions, HFCausalLM

        lm = HFCausalLM(args.checkpoint, CausalOptions(device="cpu", token_budget=args.token_budget))

        def score():
            return lm.loglikelihood(reqs)
    timings = []
    for _ in range(1 + args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        res = score()
        timings.append((time.perf_counter() - t0, time.process_time() - c0))
    secs, cpu = min(timings[1:]) if args.runs else timings[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(args.out_file).write_text(json.dumps({"seconds": secs, "cpu": cpu, "ll": [float(a) for a, _ in res],
                                               "greedy": [bool(b) for _, b in res], "peak_mb": peak}))


def child(args, system: str, items_file: Path, tmp: Path) -> dict:
    out = tmp / f"{items_file.stem}.{system}.json"
    cmd = [sys.executable, __file__, "--worker", system, "--checkpoint", str(args.checkpoint), "--items-file",
           str(items_file), "--out-file", str(out), "--threads", str(args.threads), "--lmeval-batch-size",
           str(args.lmeval_batch_size), "--token-budget", str(args.token_budget), "--runs", str(args.runs)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"{system} failed:\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def compare(items: list[dict], a: dict, b: dict) -> dict:
    import numpy as np

    k = 0
    same_acc = same_norm = 0
    for it in items:
        n = len(it["conts"])
        la, lb = np.array(a["ll"][k:k + n]), np.array(b["ll"][k:k + n])
        k += n
        lens = np.array([float(len(c)) for c in it["choices"]])
        same_acc += int(np.argmax(la) == np.argmax(lb))
        same_norm += int(np.argmax(la / lens) == np.argmax(lb / lens))
    d = max(abs(x - y) for x, y in zip(a["ll"], b["ll"]))
    rel = max(abs(x - y) / abs(x) for x, y in zip(a["ll"], b["ll"]))
    return {"items": len(items), "requests": k, "same_acc": same_acc, "same_acc_norm": same_norm, "max_dll": d,
            "max_rel": rel,
            "greedy_same": sum(x == y for x, y in zip(a["greedy"], b["greedy"]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("XLING_DATA", "../shared/data"))
    ap.add_argument("--items", type=int, default=5, help="items per language and set")
    ap.add_argument("--sets", default="xcopa,belebele,belebele-letters")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--lmeval-batch-size", type=int, default=16)
    ap.add_argument("--token-budget", type=int, default=4096)
    ap.add_argument("--runs", type=int, default=1, help="timed runs per process after one warm-up run "
                    "(0: time the first, cold run); the fastest counts")
    ap.add_argument("--repeat", type=int, default=1, help="processes per system, alternating (the fastest counts)")
    ap.add_argument("--checkpoint", help="reuse a checkpoint directory (built there if empty)")
    ap.add_argument("--worker", choices=("lm-eval", "xling"), help=argparse.SUPPRESS)
    ap.add_argument("--items-file", help=argparse.SUPPRESS)
    ap.add_argument("--out-file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    data = Path(args.data_dir)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        args.checkpoint = Path(args.checkpoint or tmp / "ckpt")
        if not (args.checkpoint / "config.json").is_file():
            t0 = time.perf_counter()
            build_checkpoint(args.checkpoint, data, args)
            print(f"built {args.layers}x{args.hidden} Llama, vocab {args.vocab}: {time.perf_counter() - t0:.0f} s")
        print(f"threads {args.threads}, lm-eval batch_size {args.lmeval_batch_size}, xling token budget "
              f"{args.token_budget}")
        print(f"{'set':16} {'items':>5} {'reqs':>5} {'lm-eval s':>9} {'xling s':>8} {'ratio':>6} {'cpu ratio':>9} "
              f"{'acc=':>5} {'norm=':>5} {'greedy=':>7} {'max|dLL|':>9} {'rel':>7} {'lm-eval MB':>10} {'xling MB':>8}")
        for name in args.sets.split(","):
            items = xcopa_items(data, args.items) if name == "xcopa" else belebele_items(
                data, args.items, letters=name == "belebele-letters")
            f = tmp / f"{name}.json"
            f.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
            runs = {"lm-eval": [], "xling": []}
            for _ in range(args.repeat):  # alternate, keep each system's fastest run
                for system in runs:
                    runs[system].append(child(args, system, f, tmp))
            ref, got = (min(runs[s], key=lambda r: r["seconds"]) for s in ("lm-eval", "xling"))
            c = compare(items, ref, got)
            print(f"{name:16} {c['items']:5d} {c['requests']:5d} {ref['seconds']:9.2f} {got['seconds']:8.2f} "
                  f"{got['seconds'] / ref['seconds']:6.2f} {got['cpu'] / ref['cpu']:9.2f} "
                  f"{c['same_acc']:5d} {c['same_acc_norm']:5d} "
                  f"{c['greedy_same']:7d} {c['max_dll']:9.2e} {c['max_rel']:7.1e} {ref['peak_mb']:10.0f} "
                  f"{got['peak_mb']:8.0f}")


if __name__ == "__main__":
    main()
