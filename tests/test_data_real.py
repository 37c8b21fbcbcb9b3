"""Data tests on the real upstream files (read in place from the shared mirror)."""
import pytest

from xling.data import Local
from tests.conftest import need_data
from tests.helpers import manifest
from xling.tasks import sib200, tatoeba


@pytest.fixture(scope="module")
def local():
    return Local(need_data())


def test_every_sib200_language_has_701_99_204_rows_and_the_7_labels(local):
    task = sib200.TASK
    first_ids = None
    for lang in task.langs:
        sizes = {}
        for split in ("train", "dev", "test"):
            ex = task.load(lang, split, local)
            sizes[split] = len(ex)
            assert {e.label for e in ex} == set(sib200.LABELS), (lang, split)
            assert all(e.lang == lang and e.text for e in ex)
            if split == "test":
                ids = [e.id for e in ex]
                first_ids = first_ids or ids
                assert ids == first_ids, lang  # parallel: same items, same order everywhere
        assert sizes == {"train": 701, "dev": 99, "test": 204}, lang


def test_sib200_first_rows_and_csv_quoting(local):
    ex = sib200.TASK.load("eng_Latn", "train", local)
    assert (ex[0].id, ex[0].label) == ("431", "geography")
    assert ex[0].text.startswith("Turkey is encircled by seas on three sides")
    # A quoted field: doubled quotes inside must come back as one quote, no wrapping quotes.
    quoted = [e for e in sib200.TASK.load("eng_Latn", "test", local) if '"' in e.text]
    assert quoted and not any(e.text.startswith('"') and e.text.endswith('"') and '""' in e.text for e in quoted)


def test_tatoeba_pair_counts_match_the_files(local):
    counts = manifest("tatoeba")
    assert len(tatoeba.TASK.langs) == 112
    for lang, native in tatoeba.TASK.languages:
        ex = tatoeba.TASK.load(lang, "test", local)
        assert len(ex) == counts[(native, "test")], native
    amh = tatoeba.TASK.load("amh_Ethi", "test", local)
    assert len(amh) == 168


def test_tatoeba_first_pair(local):
    ex = tatoeba.TASK.load("deu_Latn", "test", local)
    assert ex[0].text == "Maria sagte, sie wisse nicht, wo Tom sei."
    assert ex[0].text_pair == "Mary said she didn't know where Tom was."


def test_local_door_sets_the_offline_flags(local, monkeypatch):
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    sib200.TASK.load("eng_Latn", "dev", local)
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["HF_DATASETS_OFFLINE"] == "1"


def test_data_signature_is_the_file_hash(local):
    import hashlib

    sig = sib200.TASK.data_signature("eng_Latn", "test", local)
    raw = need_data("sib-200/data/annotated/eng_Latn/test.tsv").read_bytes()
    expect = hashlib.sha256(hashlib.sha256(raw).hexdigest().encode()).hexdigest()[:16]
    assert sig == "sha256:" + expect
