import pytest

from xling.errors import XlingError
from xling.languages import name, normalize, normalize_many

TABLE = {
    "en": "eng_Latn", "eng": "eng_Latn", "eng_Latn": "eng_Latn", "EN": "eng_Latn", "en-US": "eng_Latn",
    "de": "deu_Latn", "ger": "deu_Latn", "deu": "deu_Latn",
    "zh": "zho_Hans", "zho_Hans": "zho_Hans", "cmn": "zho_Hans", "zh-TW": "zho_Hant", "zho_Hant": "zho_Hant",
    "yue": "yue_Hant",
    "ar": "ara_Arab", "arb": "ara_Arab", "arb_Arab": "ara_Arab", "arb_Latn": "ara_Latn", "ary_Arab": "ary_Arab",
    "sw": "swa_Latn", "swh": "swa_Latn", "swa": "swa_Latn",
    "fa": "fas_Arab", "pes": "fas_Arab", "prs": "prs_Arab",
    "ms": "msa_Latn", "zsm": "msa_Latn", "gaz": "orm_Latn", "npi": "nep_Deva",
    "aka": "aka_Latn", "twi": "twi_Latn",  # kept apart: SIB-200 has both
    "ja": "jpn_Jpan", "th": "tha_Thai", "ru": "rus_Cyrl", "sr": "srp_Cyrl", "srp_Latn": "srp_Latn",
    "pbt": "pbt_Arab", "nqo_Nkoo": "nqo_Nkoo", "taq_Tfng": "taq_Tfng",
}


@pytest.mark.parametrize("code,expected", sorted(TABLE.items()))
def test_normalisation_table(code, expected):
    assert normalize(code) == expected


def test_every_sib200_and_tatoeba_language_gets_a_distinct_code():
    from xling.tasks import sib200, tatoeba

    for task in (sib200.TASK, tatoeba.TASK):
        codes = task.langs
        assert len(codes) == len(set(codes)), task.name
        assert all(len(c.split("_")[0]) == 3 and len(c.split("_")[1]) == 4 for c in codes)
    assert len(sib200.TASK.langs) == 205 and len(tatoeba.TASK.langs) == 112


@pytest.mark.parametrize("code,fragment", [
    ("xqz", "unknown language code 'xqz'; did you mean"),
    ("Englsh", "did you mean eng (English)"),  # names are accepted (below); a misspelt one is suggested
    ("eng_Xxxx", "unknown script 'Xxxx'"),
    ("tzl", "cannot infer the script of 'tzl'"),
    ("e", "unknown language code 'e'"),
    ("de_1", "malformed language code"),
    ("", "empty language code"),
])
def test_unknown_codes_are_rejected_with_suggestions(code, fragment):
    with pytest.raises(XlingError) as err:
        normalize(code)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_language_names_are_accepted():
    assert [normalize(x) for x in ("English", "french", "Scottish Gaelic", "Chinese")] == \
        ["eng_Latn", "fra_Latn", "gla_Latn", "zho_Hans"]


def test_many_and_names():
    assert normalize_many("en, de,eng_Latn") == ["eng_Latn", "deu_Latn"]
    assert name("zho_Hans") == "Chinese (Simplified)"
