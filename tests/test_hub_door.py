"""The hub door's mapping (repository, config, split, revision, columns), with
``datasets.load_dataset`` replaced by a fake: the hub itself cannot be reached here."""
import pytest

from xling.data import Hub
from xling.errors import XlingError
from tests.helpers import FakeHub
from xling.tasks import sib200, tatoeba


def test_sib200_hub_mapping():
    fake = FakeHub([{"index_id": 7, "category": "travel", "text": "Hallo Welt"}])
    ex = sib200.TASK.load("deu_Latn", "dev", Hub(load_dataset=fake))
    assert fake.calls == [("mteb/sib200", "deu_Latn", "validation", sib200.TASK.hub_revision)]
    assert (ex[0].id, ex[0].label, ex[0].text, ex[0].lang) == ("7", "travel", "Hallo Welt", "deu_Latn")
    # canonical ara_Arab is FLORES arb_Arab on the hub
    sib200.TASK.load("ara_Arab", "train", Hub(load_dataset=fake))
    assert fake.calls[-1][1:3] == ("arb_Arab", "train")


def test_tatoeba_hub_mapping():
    fake = FakeHub([{"sentence1": "Hallo", "sentence2": "Hello"}, {"sentence1": "Ja", "sentence2": "Yes"}])
    ex = tatoeba.TASK.load("zho_Hans", "test", Hub(load_dataset=fake))
    assert fake.calls == [("mteb/tatoeba-bitext-mining", "cmn-eng", "test", tatoeba.TASK.hub_revision)]
    assert [(e.id, e.text, e.text_pair) for e in ex] == [("0", "Hallo", "Hello"), ("1", "Ja", "Yes")]


def test_hub_errors_are_one_line():
    def broken(*a, **k):
        raise ConnectionError("Couldn't reach the Hugging Face Hub\nlong traceback text")

    with pytest.raises(XlingError) as err:
        sib200.TASK.load("eng_Latn", "test", Hub(load_dataset=broken))
    msg = str(err.value)
    assert "mteb/sib200" in msg and "Couldn't reach" in msg and "--data-dir" in msg and "\n" not in msg


def test_hub_rows_with_unknown_labels_are_refused():
    fake = FakeHub([{"index_id": 1, "category": "cooking", "text": "x"}])
    with pytest.raises(XlingError, match="unknown label 'cooking'"):
        sib200.TASK.load("eng_Latn", "test", Hub(load_dataset=fake))
