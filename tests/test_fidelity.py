"""Output-language fidelity (xling.metrics.fidelity): lang_fidelity with fastText lid.176.ftz and
the LCB's line rule, the reference rule that decides which languages can be judged, and the
identifier translation's off_target uses per language (the better of lid.176.ftz and py3langid
on the language's own references)."""
from __future__ import annotations

import csv
import math

import pytest

from tests.conftest import need_data
from xling.metrics import fidelity, offtarget

DE = ["Das ist ein ganz normaler deutscher Satz über das Wetter von heute.",
      "Morgen fahren wir mit dem Zug nach Berlin, um meine Großmutter zu besuchen.",
      "Die Kinder spielen im Garten, während die Eltern in der Küche das Essen kochen."]
FR = "Ceci est une réponse écrite entièrement en français, et non en allemand."
EN = "This second line of the answer is written in English, not in German."


def sib(lang: str, n: int = 200) -> list[str]:
    with open(need_data("sib-200", "data", "annotated", lang, "dev.tsv"), encoding="utf-8", newline="") as f:
        return [r["text"] for r in csv.DictReader(f, delimiter="\t")][:n]


class Ctx:
    seed = 0

    def __init__(self):
        self.memos = {}

    def memo(self, key, fn):
        if key not in self.memos:
            self.memos[key] = fn()
        return self.memos[key]


def test_lang_fidelity_on_hand_built_outputs():
    outputs = [DE[0], FR, DE[1] + "\n" + EN, "Ja.", DE[2] + "\n\n" + DE[0]]
    verdicts = fidelity.line_verdicts(outputs, "deu_Latn")
    # German = 1; a French answer to a German prompt = 0; a German line then an English one = 0;
    # 'Ja.' has no line of 5 tokens: not judged; two German lines (and an empty one) = 1
    assert verdicts == [1.0, 0.0, 0.0, None, 1.0]
    (value, lo, hi, n), got, reason = fidelity.lang_fidelity(outputs, "deu_Latn", "", seed=0)
    assert got == verdicts and reason == "" and n == 4 and value == 0.5 and 0.0 <= lo < 0.5 < hi <= 1.0


def test_the_line_rule_normalises_and_tokenises_as_the_lcb_metric():
    assert fidelity.long_lines("  Eins, zwei! drei — vier،fünf sechs\nQ: next question is long", "de") == [
        "Eins zwei drei   vierfünf sechs"]  # 5 tokens: kept; the text from '\nQ:' on is cut
    assert fidelity.long_lines("Eins, zwei! drei — vier،fünf", "de") == []  # 4 tokens
    ja = "今日は天気がとても良いので公園に散歩に行きました。"
    assert fidelity.long_lines(ja, "ja") == [ja]
    assert fidelity.long_lines(ja, "xx") == []  # one whitespace token: too short unless tokenised as Japanese
    assert fidelity.line_verdicts([ja, "雨です。"], "jpn_Jpan") == [1.0, None]


def test_a_language_the_identifier_cannot_judge_gives_no_value_and_a_reason():
    # no fastText model of Nigerian Fulfulde
    assert fidelity.fidelity_reason(["anything at all"], "fuv_Latn") == "lid.176.ftz has no model of fuv_Latn"
    (value, _, _, n), verdicts, reason = fidelity.lang_fidelity([FR], "fuv_Latn",
                                                                fidelity.fidelity_reason(None, "fuv_Latn"))
    assert math.isnan(value) and n == 0 and verdicts == [None] and "no model of fuv_Latn" in reason
    # a model, but its own references are not recognised as it: English text posing as German
    why = fidelity.fidelity_reason([EN] * 9 + [DE[0]], "deu_Latn")
    assert why == "lid.176.ftz reads only 10% of the deu_Latn references as 'de'"
    assert fidelity.fidelity_reason(DE, "deu_Latn") == ""


def test_solver_helper_memoises_the_decision_and_says_why_once(capsys):
    from xling.solvers import langcheck

    ctx = Ctx()
    metric, verdicts, reason = langcheck.lang_fidelity(ctx, [DE[0], FR], "deu_Latn", DE)
    assert metric[0] == 0.5 and metric[3] == 2 and verdicts == [1.0, 0.0] and reason == ""
    for _ in range(2):
        metric, _, reason = langcheck.lang_fidelity(ctx, [DE[0]], "fuv_Latn", ["x"])
        assert math.isnan(metric[0]) and metric[3] == 0
    assert capsys.readouterr().err.count("lang_fidelity of fuv_Latn not computed: lid.176.ftz has no model") == 1


@pytest.mark.parametrize("lang, choice", [
    ("deu_Latn", fidelity.FASTTEXT),  # both read (nearly) all of it: fastText wins the tie (or reads more)
    ("fuv_Latn", fidelity.PY3LANGID),  # Nigerian Fulfulde: only py3langid has a model of it
    ("arz_Arab", None),  # Egyptian Arabic: fastText reads it as Standard Arabic, py3langid too
    ("yue_Hant", None),  # Cantonese: read as Mandarin by both
])
def test_off_target_uses_the_better_identifier_per_language(lang, choice):
    refs = sib(lang)
    got, why = offtarget.choose(refs, lang)
    assert got == choice
    assert (why == "") == (choice is not None)
    if choice is None:
        assert "lid.176.ftz" in why and "py3langid" in why


def test_off_target_flags_by_the_chosen_identifier():
    outs = [DE[0], EN, "1887"]
    assert offtarget.flags(outs, "deu_Latn", fidelity.FASTTEXT) == [0.0, 1.0, None]
    assert offtarget.flags(outs, "deu_Latn", fidelity.PY3LANGID) == [0.0, 1.0, None]
    ctx = Ctx()
    from xling.solvers import langcheck

    metric, flags, sig = langcheck.off_target(ctx, outs, "deu_Latn", sib("deu_Latn"))
    assert flags == [0.0, 1.0, None] and metric[0] == 0.5 and metric[3] == 2
    assert sig.startswith("off_target=fasttext-lid.176.ftz@")


def test_boards_show_lang_fidelity_beside_the_score_with_its_ci(tmp_path):
    import pandas as pd
    from board_helpers import write_run

    from xling import results, tables
    from xling.board import build

    run = write_run(tmp_path, "r", "m", {"deu_Latn": [1, 0, 1, 1], "fra_Latn": [0, 0, 1, 1]}, task="lcb",
                    setting="monolingual", train="", metric="lpr", better="higher")
    df = results.frame(run)
    extra = df.assign(metric="lang_fidelity", value=[0.75, 0.5], ci_low=[0.25, 0.0], ci_high=[1.0, 1.0], n=[4, 3])
    nan = df.iloc[:1].assign(metric="off_target", value=float("nan"), n=0)  # not judged: not shown
    board = build(pd.concat([df, extra, nan], ignore_index=True))["lcb"]
    assert board.metric == "lpr"
    assert board.beside[["metric", "test_lang", "value", "n"]].values.tolist() == [
        ["lang_fidelity", "deu_Latn", 0.75, 4], ["lang_fidelity", "fra_Latn", 0.5, 3]]
    md = tables.markdown(board)
    assert "### Beside the score: output language" in md
    assert "| deu_Latn | German     | 75.0 \\[25.0, 100.0\\] (4) |" in md
    assert "off_target" not in md
    assert "lcb-beside.csv" in tables.csv_frames(board)
