"""The translation tasks' data doors: FLORES-200 from SIB-200's files (ids kept, parallel in
205 languages), FLORES+ through a stand-in for ``datasets.load_dataset`` (config names, the
pinned revision, ids numbered as SIB-200 numbers them), Tatoeba pairs in both directions."""
import pytest

from xling.api import evaluate
from xling.data import Hub, Local
from xling.errors import XlingError
from xling.plugins import get_task
from tests.conftest import need_data
from tests.helpers import FakeHub


def test_flores_local_door_is_sib200s_parallel_flores_subset():
    task = get_task("flores")
    src = Local(need_data())
    assert len(task.langs) == 205 and task.main_metric == "chrf++" and task.settings == ("xx2en", "en2xx", "pairs")
    de, am, zh = (task.load(lang, "test", src) for lang in ("deu_Latn", "amh_Ethi", "zho_Hans"))
    assert len(de) == len(am) == len(zh) == 1004
    assert [e.id for e in de] == [e.id for e in am] == [e.id for e in zh]
    assert de[0].id == "431" and de[0].text.startswith("Die Türkei ist auf drei Seiten von Meeren umgeben")
    assert 0 <= min(int(e.id) for e in de) and max(int(e.id) for e in de) <= 2008


def test_flores_hub_door_reads_flores_plus_dev_and_devtest():
    task = get_task("flores")
    rows = [{"id": i + 1, "text": f"dev {i}"} for i in range(997)] + \
           [{"id": i + 1, "text": f"devtest {i}"} for i in range(1012)]
    hub = FakeHub(rows)
    ex = task.load("zho_Hans", "test", Hub(load_dataset=hub))
    assert hub.calls == [("openlanguagedata/flores_plus", "cmn_Hans", "dev+devtest",
                          "b3a5298db5721c8a682e7ef00a37fcc9ab522757")]
    assert len(ex) == 2009 and ex[997].id == "997" and ex[997].text == "devtest 0"
    assert task.data_signature("zho_Hans", "test", Hub(load_dataset=hub)).endswith("@b3a5298db5721c8a682e7ef00a37fcc9ab522757")
    with pytest.raises(XlingError, match="flores_plus deu_Latn row 997: expected id 1"):
        task.load("deu_Latn", "test", Hub(load_dataset=FakeHub(rows[:997] + rows[998:])))


class Lookup:
    """A Translator that returns the reference it was told for each source sentence."""

    name = "lookup@1"

    def __init__(self, table):
        self.table = table

    def translate(self, texts, src, tgt):
        return [self.table.get((src, tgt, t), t) for t in texts]


def test_tatoeba_mt_both_directions(tmp_path):
    task = get_task("tatoeba_mt")
    src = Local(need_data())
    de = task.load("deu_Latn", "test", src)
    assert len(task.langs) == 112 and "eng_Latn" not in task.langs and task.pivot_in_pair
    table = {("deu_Latn", "eng_Latn", e.text): e.text_pair for e in de[:30]}
    table.update({("eng_Latn", "deu_Latn", e.text_pair): e.text for e in de[:15]})
    kw = dict(langs=["deu_Latn"], data_dir=need_data(), limit=30, progress=False, out_dir=tmp_path)
    xx2en = evaluate("tatoeba_mt", Lookup(table), setting="xx2en", **kw).frame().set_index("metric")
    en2xx = evaluate("tatoeba_mt", Lookup(table), setting="en2xx", **kw).frame().set_index("metric")
    assert xx2en.loc["chrf++", "value"] == 100.0 and xx2en.loc["chrf++", "query_lang"] == "deu_Latn"
    assert en2xx.loc["chrf++", "test_lang"] == "deu_Latn" and en2xx.loc["chrf++", "query_lang"] == "eng_Latn"
    # half the English sentences come back untranslated: off target, and a lower chrF++
    assert en2xx.loc["off_target", "value"] == 0.5 and 40 < en2xx.loc["chrf++", "value"] < 100
