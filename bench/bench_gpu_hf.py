"""hf encoder backend vs a bare forward loop of the same model (GPU when there is one).

A randomly initialised xlm-roberta-base (seeded) with the real XLM-R tokenizer encodes the
same multilingual sentences twice: once through ``xling.models.hf.HFEncoder`` (length-sorted,
token-budget batches, mean pooling) and once in a bare loop (input order, fixed batch size,
padding to each batch's longest). Prints texts/s of both and the ratio (goal >= 0.9), and
checks that both give the same vectors.

    python bench/bench_gpu_hf.py --tokenizer PATH/tokenizer.json --texts FILE [--n 20000] [--batch-size 64]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokenizer", required=True, help="XLM-R tokenizer.json")
    ap.add_argument("--texts", help="one sentence per line (default: SIB-200 test sentences from --data-dir)")
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--token-budget", type=int, default=32768)
    ap.add_argument("--device", default=None)
    ap.add_argument("--tiny", action="store_true", help="a 2-layer model (to try the script on a CPU)")
    args = ap.parse_args()

    import torch
    from transformers import AutoModel, AutoTokenizer, XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizerFast

    from xling.models.hf import HFEncoder, HFOptions

    if args.texts:
        texts = Path(args.texts).read_text(encoding="utf-8").splitlines()
    else:
        from xling import plugins
        from xling.data import Local

        task, src = plugins.get_task("sib200"), Local(Path(args.data_dir))
        texts = [e.text for lang in task.langs for e in task.load(lang, "test", src)]
    texts = [t for t in texts if t.strip()][: args.n]
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        cfg = XLMRobertaConfig(vocab_size=250002, hidden_size=768, num_hidden_layers=2 if args.tiny else 12,
                               num_attention_heads=12, intermediate_size=3072, max_position_embeddings=514,
                               type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
        XLMRobertaModel(cfg, add_pooling_layer=False).save_pretrained(tmp)
        XLMRobertaTokenizerFast(tokenizer_file=args.tokenizer).save_pretrained(tmp)

        # bare loop
        tok = AutoTokenizer.from_pretrained(tmp)
        model = AutoModel.from_pretrained(tmp).to(device).eval()

        def bare(batch_texts):
            out = []
            with torch.inference_mode():
                for i in range(0, len(batch_texts), args.batch_size):
                    enc = tok(batch_texts[i:i + args.batch_size], padding=True, truncation=True, max_length=512,
                              return_tensors="pt").to(device)
                    h = model(**enc).last_hidden_state
                    m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
                    out.append(torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1).cpu().numpy())
            return np.concatenate(out)

        enc = HFEncoder(tmp, HFOptions(device=device, batch_size=args.batch_size), token_budget=args.token_budget)
        bare(texts[:256]), enc.encode(texts[:256], "query")  # warm-up (kernels, allocator)
        sync()
        t0 = time.perf_counter()
        ref = bare(texts)
        sync()
        t_bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        ours = enc.encode(texts, "query")
        sync()
        t_ours = time.perf_counter() - t0
        del model

    cos = (ref * ours).sum(axis=1)
    name = torch.cuda.get_device_name() if device.startswith("cuda") else "cpu"
    print(f"{len(texts)} texts on {name}; xlm-roberta-base{' (tiny)' if args.tiny else ''}, random weights, real XLM-R tokenizer")
    print(f"bare loop (input order, batch {args.batch_size}) : {len(texts) / t_bare:9.1f} texts/s  ({t_bare:.2f} s)")
    print(f"xling hf encoder (sorted, budget {args.token_budget}): {len(texts) / t_ours:9.1f} texts/s  ({t_ours:.2f} s)")
    print(f"ratio xling / bare: {t_bare / t_ours:.3f}  (goal >= 0.9)")
    print(f"same vectors: min cosine {cos.min():.6f}")


if __name__ == "__main__":
    main()
