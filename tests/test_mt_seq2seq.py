"""hf-seq2seq: tiny random encoder-decoder checkpoints built here (M2M100 architecture with an
NLLB tokenizer and with an M2M100 tokenizer, T5 with no language tokens), translating
through xling exactly as transformers' own generate does with the language tokens set."""
import dataclasses
import json

import numpy as np

import pytest

from xling.api import evaluate
from xling.errors import XlingError
from xling.plugins import load_model
from tests.conftest import need_data

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

CHARS = "abcdefghijklmnopqrstuvwxyzäöüéèàç.,"
TEXTS = ["the cat sat on the mat.", "a dog", "zwei kleine hunde spielen im garten, und es regnet."]


def _m2m(path, vocab_size, pad, bos, eos, decoder_start):
    torch.manual_seed(0)
    cfg = transformers.M2M100Config(vocab_size=vocab_size, d_model=32, encoder_layers=1, decoder_layers=1,
                                    encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=37,
                                    decoder_ffn_dim=37, max_position_embeddings=256, pad_token_id=pad,
                                    bos_token_id=bos, eos_token_id=eos, decoder_start_token_id=decoder_start)
    transformers.M2M100ForConditionalGeneration(cfg).save_pretrained(path)


def tiny_nllb(path):
    """M2M100 weights with NLLB's tokenizer (its FLORES-200 language tokens), as NLLB-200 ships."""
    toks = ["<s>", "<pad>", "</s>", "<unk>", "▁"] + list(CHARS) + ["▁" + c for c in CHARS]
    tok = transformers.NllbTokenizer(vocab={t: i for i, t in enumerate(toks)}, merges=[("▁", c) for c in CHARS],
                                     src_lang="eng_Latn")
    tok.save_pretrained(path)
    _m2m(path, len(tok), tok.pad_token_id, tok.bos_token_id, tok.eos_token_id, tok.eos_token_id)
    return path


def tiny_m2m100(path, tmp_path):
    spm = pytest.importorskip("sentencepiece")
    corpus = tmp_path / "spm.txt"
    corpus.write_text("\n".join(TEXTS * 20), encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(tmp_path / "sp"), vocab_size=60,
                                   hard_vocab_limit=False, character_coverage=1.0, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "sp.model"))
    (tmp_path / "vocab.json").write_text(json.dumps({sp.id_to_piece(i): i for i in range(sp.get_piece_size())}))
    tok = transformers.M2M100Tokenizer(vocab_file=str(tmp_path / "vocab.json"), spm_file=str(tmp_path / "sp.model"),
                                       src_lang="en", tgt_lang="de")
    tok.save_pretrained(path)
    size = max(*tok.get_vocab().values(), *tok.lang_token_to_id.values()) + 1  # language tokens follow the vocabulary
    _m2m(path, size, tok.pad_token_id, tok.bos_token_id, tok.eos_token_id, tok.eos_token_id)
    return path


def tiny_t5(path):
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)] + [(c, -3.0) for c in CHARS] + \
        [("▁" + c, -2.5) for c in CHARS]
    tok = transformers.T5Tokenizer(vocab=vocab, extra_ids=0)
    tok.save_pretrained(path)
    torch.manual_seed(0)
    cfg = transformers.T5Config(vocab_size=len(tok), d_model=32, d_kv=16, d_ff=37, num_layers=1, num_heads=2,
                                decoder_start_token_id=tok.pad_token_id, pad_token_id=tok.pad_token_id,
                                eos_token_id=tok.eos_token_id)
    transformers.T5ForConditionalGeneration(cfg).save_pretrained(path)
    return path


def reference(path, texts, src_lang=None, tgt_token=None, beams=1, max_new=12):
    """transformers itself: tokenizer with src_lang, generate with the target token forced."""
    tok = transformers.AutoTokenizer.from_pretrained(path)
    model = transformers.AutoModelForSeq2SeqLM.from_pretrained(path).eval()
    if src_lang:
        tok.src_lang = src_lang
    extra = {"forced_bos_token_id": tok.convert_tokens_to_ids(tgt_token)} if tgt_token else {}
    out = []
    for t in texts:  # one at a time: no padding involved
        enc = tok([t], return_tensors="pt")
        with torch.inference_mode():
            gen = model.generate(**enc, num_beams=beams, do_sample=False, max_new_tokens=max_new, **extra)
        out.append(tok.batch_decode(gen, skip_special_tokens=True)[0].strip())
    return out


def test_nllb_tokens_are_flores_codes_and_outputs_equal_transformers(tmp_path):
    path = tiny_nllb(tmp_path / "nllb")
    m = load_model(f"hf-seq2seq:{path}", max_new_tokens=12, batch_size=1)
    assert m.convention == "nllb" and m.name.startswith("hf-seq2seq:") and "@" in m.name
    assert m.lang_token("ara_Arab") == "arb_Arab" and m.lang_token("msa_Latn") == "zsm_Latn"
    assert m.lang_token("deu_Latn") == "deu_Latn"
    with pytest.raises(XlingError, match="has no language token for lat_Latn"):
        m.lang_token("lat_Latn")
    got = m.translate(TEXTS, "deu_Latn", "ara_Arab")
    assert got == reference(path, TEXTS, "deu_Latn", "arb_Arab")
    enc = m._encode(["a dog"], "deu_Latn")
    assert m.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])[0] == "deu_Latn"


def test_m2m100_tokens_and_beam_search(tmp_path):
    path = tiny_m2m100(tmp_path / "m2m", tmp_path)
    m = load_model(f"hf-seq2seq:{path}", max_new_tokens=12, num_beams=3, batch_size=1)
    assert m.convention == "m2m100" and m.lang_token("deu_Latn") == "__de__" and m.lang_token("ast_Latn") == "__ast__"
    assert "beams=3" in m.cache_params
    assert m.translate(TEXTS, "eng_Latn", "deu_Latn") == reference(path, TEXTS, "en", "__de__", beams=3)


def test_t5_has_no_language_tokens_and_batches_under_the_budget(tmp_path):
    path = tiny_t5(tmp_path / "t5")
    m = load_model(f"hf-seq2seq:{path}", max_new_tokens=12, batch_size=2)
    assert m.convention == "none" and m.lang_token("deu_Latn") is None
    assert m.translate(TEXTS, "eng_Latn", "deu_Latn") == reference(path, TEXTS)
    m.decoding = dataclasses.replace(m.decoding, token_budget=40)
    batches = m.batches([30, 5, 12, 8, 25])
    assert sorted(i for b in batches for i in b) == [0, 1, 2, 3, 4]
    assert all(len(b) <= 2 and max([30, 5, 12, 8, 25][i] for i in b) * len(b) <= 40 or len(b) == 1 for b in batches)


def test_flores_run_with_a_tiny_nllb_and_a_rerun_without_model_calls(tmp_path):
    path = tiny_nllb(tmp_path / "nllb")
    kw = dict(langs=["deu_Latn", "fra_Latn"], setting="xx2en", data_dir=need_data(), limit=6, progress=False)
    first = evaluate("flores", f"hf-seq2seq:{path}", out_dir=tmp_path / "a", max_new_tokens=8, **kw)
    again = evaluate("flores", f"hf-seq2seq:{path}", out_dir=tmp_path / "b", max_new_tokens=8, **kw)
    assert first.model_calls == 12 and again.model_calls == 0 and again.cache_hits == 12
    df = first.frame()
    assert set(df.metric) == {"chrf++", "bleu", "off_target", "lang_fidelity"} and (df.n[df.metric == "chrf++"] == 6).all()
    # 8 random tokens make no line of 5 words: fidelity has nothing to judge (no value, n = 0), never a guess
    assert (df.n[df.metric == "lang_fidelity"] == 0).all() and df.value[df.metric == "lang_fidelity"].isna().all()
    assert np.allclose(df.value, again.frame().value, equal_nan=True)
    other = evaluate("flores", f"hf-seq2seq:{path}", out_dir=tmp_path / "c", max_new_tokens=8, num_beams=2, **kw)
    assert other.model_calls == 12  # other decoding settings: other cache entries
