"""The LCB metric (xling.metrics.lcb) on hand-built completions, values computed by hand."""
import pytest

from xling.metrics import lcb


@pytest.fixture()
def words(tmp_path):
    p = tmp_path / "words"
    p.write_text("about\nhistory\nParis\nthe\nbook\n", encoding="utf-8")
    return lcb.english_words(str(p))


def test_word_list_keeps_lower_case_words_longer_than_three(words):
    assert words == {"about", "history", "book"}


def test_normalize_cuts_at_next_question_and_strips_punctuation():
    assert lcb.normalize("  Ответ: да, конечно — всё.\nQ: и ещё?") == "Ответ да конечно   всё"
    assert lcb.normalize("مرحبا، كيف حالك؟") == "مرحبا كيف حالك؟"  # only ASCII punctuation and '،'


def test_group_metrics_by_hand(words):
    completions = [
        "Привет, как у тебя сегодня дела, мой дорогой друг?",  # 1 line, Russian: passes
        "Это очень хороший день для долгой прогулки в парке\n"
        "This is a completely English line of text right here",  # 2 lines, 1 error
        "Да, конечно",  # fewer than 5 tokens: skipped
        "Я очень люблю читать книги about history каждый день",  # Russian line with English words
    ]
    values = lcb.item_values(completions, "ru", words)
    assert values[2] == {"acc": None, "lpr": None, "wpr": None}
    assert values[1] == {"acc": 0.5, "lpr": 0.0, "wpr": None}
    assert values[3] == {"acc": 1.0, "lpr": 1.0, "wpr": 0.0}
    m = lcb.group_metrics(values, "ru")
    assert m["lpr"] == pytest.approx(2 / 3)  # 1 of 3 judged has a line error
    assert m["wpr"] == pytest.approx(1 / 2)  # 1 of the 2 without line errors has an English word
    assert m["acc"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert m["lcpr"] == pytest.approx(4 / 7)  # 2 * (2/3) * (1/2) / (2/3 + 1/2)


def test_no_wpr_for_latin_script_and_defaults_when_nothing_judged(words):
    fr = lcb.group_metrics(lcb.item_values(["Je pense que nous devrions partir demain matin about history"], "fr", words), "fr")
    assert set(fr) == {"acc", "lpr", "lcpr"} and fr["lcpr"] == fr["lpr"]
    assert lcb.group_metrics([], "ru") == {"acc": 1.0, "lpr": 1.0, "wpr": 1.0, "lcpr": 1.0}


def test_averages_as_upstream():
    groups = {("a", "fr"): {"acc": 1.0, "lpr": 1.0}, ("a", "ru"): {"acc": 0.5, "lpr": 0.5, "wpr": 1.0},
              ("b", "ru"): {"acc": 0.0, "lpr": 0.0, "wpr": 0.0}}
    avg = lcb.averages(groups)
    assert avg[("a", "all")] == {"acc": 0.75, "lpr": 0.75, "wpr": 1.0, "lcpr": pytest.approx(2 * 0.75 / 1.75)}
    assert avg[("b", "all")]["lpr"] == 0.0 and avg[("b", "all")]["lcpr"] == 0.0
    assert avg[("all", "ru")] == {"acc": 0.25, "lpr": 0.25, "wpr": 0.5, "lcpr": pytest.approx(2 * 0.125 / 0.75)}
    # overall: the mean of the per-language averages (fr 1.0, ru 0.25); wpr only where present
    assert avg[("all", "all")]["lpr"] == 0.625 and avg[("all", "all")]["wpr"] == 0.5


def test_tokenisers_zh_and_ja():
    assert lcb.tokenize("我爱北京天安门", "zh") == ("我", "爱", "北京", "天安门")
    assert lcb.tokenize("私は日本語を話します", "ja") == ("私", "は", "日本", "語", "を", "話し", "ます")


def test_lines_of_fewer_than_five_tokens_are_dropped(words):
    assert lcb.judge("Я думаю, что да.", "ru", words) is None  # 4 tokens: skipped
    j = lcb.judge("Я думаю, что да.\nМы пойдём туда завтра утром вместе", "ru", words)
    assert (j.lines, j.line_errors) == (1, 0)  # only the 6-token line is judged
