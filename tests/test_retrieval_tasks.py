"""The retrieval tasks' data doors: LAReQA XQuAD-R (queries, qrels, candidate sentences from
the real mirror), MIRACL and Mr. TyDi (real TREC topics and qrels; a small corpus built
here, since the mirror has none) and their hub mappings with a fake ``load_dataset``."""
import gzip
import json

import pytest

from xling.data import Hub, Local
from xling.errors import XlingError
from xling.task import ALL_LANGS_POOL
from xling.tasks import lareqa, miracl, mrtydi
from tests.conftest import need_data

# candidate sentences per language, as the LAReQA README's table gives them
CANDIDATES = {"ara_Arab": 1222, "deu_Latn": 1276, "ell_Grek": 1234, "eng_Latn": 1180, "spa_Latn": 1215,
              "hin_Deva": 1244, "rus_Cyrl": 1219, "tha_Thai": 852, "tur_Latn": 1167, "vie_Latn": 1209,
              "zho_Hans": 1196}


@pytest.fixture(scope="module")
def real():
    return Local(need_data())


def test_lareqa_languages_and_pool():
    t = lareqa.TASK
    assert set(t.langs) == set(CANDIDATES) and len(t.langs) == 11
    assert t.pool_langs(ALL_LANGS_POOL) == t.langs and t.pool_langs("eng_Latn") == ("eng_Latn",)
    assert t.settings == ("monolingual", "crosslingual", "multilingual_pool")


@pytest.mark.parametrize("lang", ["eng_Latn", "tha_Thai", "zho_Hans", "tur_Latn"])
def test_lareqa_local_parts(real, lang):
    t = lareqa.TASK
    queries = t.load(lang, "test", real)
    qrels = t.load(lang, "test/qrels", real)
    corpus = t.load(lang, "test/corpus", real)
    assert len(queries) == 1190 and len({q.id for q in queries}) == 1190
    assert len(corpus) == CANDIDATES[lang] and len({d.id for d in corpus}) == len(corpus)
    assert len(qrels) == 1190 and {j.label for j in qrels} == {"1"}  # one answer sentence per question
    assert queries[0].id == "56beb4343aeaaa14008c925b"
    native = t.native(lang)
    assert corpus[0].id == f"{native}_1_0" and qrels[0].text_pair == f"{native}_1_0"
    docs = {d.id: d.text for d in corpus}
    assert all(j.text_pair in docs for j in qrels)


def test_lareqa_relevance_is_the_sentence_holding_the_answer(real):
    """English: the gold answer text lies inside the relevant sentence for (almost) every
    question; the question ids are the same in every language (parallel data)."""
    t = lareqa.TASK
    raw = json.loads(need_data("lareqa", "xquad-r", "en.json").read_text(encoding="utf-8"))
    answers = {qa["id"]: qa["answers"][0]["text"] for a in raw["data"] for p in a["paragraphs"] for qa in p["qas"]}
    docs = {d.id: d.text for d in t.load("eng_Latn", "test/corpus", real)}
    qrels = t.load("eng_Latn", "test/qrels", real)
    inside = sum(answers[j.text] in docs[j.text_pair] for j in qrels)
    assert inside >= 1170  # a few answers run past their sentence's end
    second = docs["en_1_3"]
    assert "Jared Allen" in second and "136" in second
    assert [j.text_pair for j in qrels if j.text == "56beb4343aeaaa14008c925c"] == ["en_1_3"]
    de_ids = [q.id for q in t.load("deu_Latn", "test", real)]
    assert de_ids == [q.id for q in t.load("eng_Latn", "test", real)]


def test_lareqa_hub_door_refuses_clearly():
    def never(*a, **k):
        raise AssertionError("the hub must not be called")

    with pytest.raises(XlingError, match="no sentence breaks") as err:
        lareqa.TASK.load("eng_Latn", "test", Hub(load_dataset=never))
    assert "--data-dir" in str(err.value) and "\n" not in str(err.value)


def test_retrieval_parts_are_checked():
    with pytest.raises(XlingError, match="unknown part 'docs'"):
        miracl.TASK.check_split("dev/docs")
    with pytest.raises(XlingError, match="has no split 'test'"):
        miracl.TASK.check_split("test/qrels")


@pytest.mark.parametrize("lang,native,queries,judgments,positives", [
    ("ara_Arab", "ar", 2896, 29197, 5658), ("yor_Latn", "yo", 119, 1188, 144), ("kor_Hang", "ko", 213, 3057, 547),
])
def test_miracl_topics_and_qrels(real, lang, native, queries, judgments, positives):
    t = miracl.TASK
    assert t.native(lang) == native
    q = t.load(lang, "dev", real)
    j = t.load(lang, "dev/qrels", real)
    assert len(q) == queries and len(j) == judgments
    assert sum(x.label == "1" for x in j) == positives and {x.label for x in j} == {"0", "1"}
    assert q[0].source.endswith(":1") and "\t" not in q[0].text
    assert {x.text for x in j} == {x.id for x in q}


@pytest.mark.parametrize("split,lang,queries,judgments", [
    ("dev", "ara_Arab", 3115, 3115), ("test", "ara_Arab", 1081, 1257), ("test", "tha_Thai", 1190, 1368),
    ("dev", "swa_Latn", 526, 623),
])
def test_mrtydi_gzipped_topics_and_qrels(real, split, lang, queries, judgments):
    t = mrtydi.TASK
    q = t.load(lang, split, real)
    j = t.load(lang, f"{split}/qrels", real)
    assert len(q) == queries and len(j) == judgments and {x.label for x in j} == {"1"}
    assert all(x.text.strip() for x in q)


def test_mrtydi_swahili_first_topic(real):
    q = mrtydi.TASK.load("swa_Latn", "dev", real)
    assert (q[0].id, q[0].text) == ("6", "Bandari kubwa nchini Kenya iko wapi?")


def _write_gz(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()))


def test_jsonl_corpus_in_the_documented_places(tmp_path):
    _write_gz(tmp_path / "miracl/miracl-corpus-v1.0-yo/docs.jsonl.gz",
              [{"docid": "1#0", "title": "Ọ̀yọ́", "text": "Ìlú ni."}, {"docid": "1#1", "title": "", "text": "Kejì."}])
    _write_gz(tmp_path / "mrtydi/mrtydi-v1.1-swahili/collection/docs.jsonl.gz",
              [{"id": "7#0", "title": "Kenya", "contents": "Mombasa ni bandari."}])
    docs = miracl.TASK.load("yor_Latn", "dev/corpus", Local(tmp_path))
    assert [(d.id, d.text, d.text_pair) for d in docs] == [("1#0", "Ọ̀yọ́ Ìlú ni.", "Ọ̀yọ́"), ("1#1", "Kejì.", None)]
    docs = mrtydi.TASK.load("swa_Latn", "test/corpus", Local(tmp_path))
    assert [(d.id, d.text) for d in docs] == [("7#0", "Kenya Mombasa ni bandari.")]
    assert mrtydi.TASK.data_signature("swa_Latn", "test/corpus", Local(tmp_path)).startswith("sha256:")


class FakeHub:
    """``load_dataset`` over tables keyed by (repository, config)."""

    def __init__(self, tables):
        self.tables, self.calls = tables, []

    def __call__(self, repo, config, split, revision):
        self.calls.append((repo, config, split, revision))
        return self.tables[repo, config]


MIRACL_REV = "9c09abc13478308c27598f350e31d8f06b9b5481"
MRTYDI_REV = "fc24a3ce8f09746410daee3d5cd823ff7a0675b7"


def _beir(repo, name):
    """Rows shaped like MTEB's BEIR-style copies (mteb/MIRACLRetrieval, mteb/mrtidy)."""
    return {(repo, f"{name}-queries"): [{"_id": "3", "text": "Where is X?"}, {"_id": "4", "text": "Who?"}],
            (repo, f"{name}-qrels"): [{"query-id": "3", "corpus-id": "9#1", "score": 1},
                                      {"query-id": "3", "corpus-id": "9#2", "score": 0},
                                      {"query-id": "4", "corpus-id": "5#0", "score": 1}],
            (repo, f"{name}-corpus"): [{"_id": "9#1", "title": "X", "text": "X is."},
                                       {"_id": "9#2", "title": "X", "text": "Not."},
                                       {"_id": "5#0", "title": "", "text": "Y."}]}


def test_miracl_hub_mapping():
    fake = FakeHub(_beir("mteb/MIRACLRetrieval", "sw"))
    hub = Hub(load_dataset=fake)
    t = miracl.TASK
    q = t.load("swa_Latn", "dev", hub)
    j = t.load("swa_Latn", "dev/qrels", hub)
    d = t.load("swa_Latn", "dev/corpus", hub)
    assert fake.calls == [("mteb/MIRACLRetrieval", "sw-queries", "dev", MIRACL_REV),
                          ("mteb/MIRACLRetrieval", "sw-qrels", "dev", MIRACL_REV),
                          ("mteb/MIRACLRetrieval", "sw-corpus", "dev", MIRACL_REV)]
    assert [(x.id, x.text) for x in q] == [("3", "Where is X?"), ("4", "Who?")]
    assert [(x.text, x.text_pair, x.label) for x in j] == [("3", "9#1", "1"), ("3", "9#2", "0"), ("4", "5#0", "1")]
    assert [(x.id, x.text, x.text_pair) for x in d] == [("9#1", "X X is.", "X"), ("9#2", "X Not.", "X"),
                                                       ("5#0", "Y.", None)]
    assert t.data_signature("swa_Latn", "dev/corpus", hub) == f"hf:mteb/MIRACLRetrieval@{MIRACL_REV}"
    assert t.data_signature("swa_Latn", "dev", hub) == f"hf:mteb/MIRACLRetrieval@{MIRACL_REV}"


def test_mrtydi_hub_mapping_uses_language_names():
    fake = FakeHub(_beir("mteb/mrtidy", "korean"))
    hub = Hub(load_dataset=fake)
    q = mrtydi.TASK.load("kor_Hang", "test", hub)
    mrtydi.TASK.load("kor_Hang", "test/qrels", hub)
    mrtydi.TASK.load("kor_Hang", "test/corpus", hub)
    assert fake.calls == [("mteb/mrtidy", "korean-queries", "test", MRTYDI_REV),
                          ("mteb/mrtidy", "korean-qrels", "test", MRTYDI_REV),
                          ("mteb/mrtidy", "korean-corpus", "train", MRTYDI_REV)]
    assert [x.id for x in q] == ["3", "4"]
    with pytest.raises(XlingError, match="mteb/mrtidy holds only the test split .*--data-dir"):
        mrtydi.TASK.load("kor_Hang", "dev", hub)
    assert len(fake.calls) == 3


def test_hub_duplicates_and_missing_columns():
    tables = _beir("mteb/MIRACLRetrieval", "sw")
    rows = tables["mteb/MIRACLRetrieval", "sw-queries"]
    tables["mteb/MIRACLRetrieval", "sw-queries"] = rows + [rows[0]]
    with pytest.raises(XlingError, match="row 2: duplicate id '3'"):
        miracl.TASK.load("swa_Latn", "dev", Hub(load_dataset=FakeHub(tables)))
    tables["mteb/MIRACLRetrieval", "sw-queries"] = [{"_id": 1}]
    with pytest.raises(XlingError, match="row 0: missing or malformed column 'text'"):
        miracl.TASK.load("swa_Latn", "dev", Hub(load_dataset=FakeHub(tables)))
    qrels = tables["mteb/MIRACLRetrieval", "sw-qrels"]
    tables["mteb/MIRACLRetrieval", "sw-qrels"] = qrels + [qrels[1]]
    with pytest.raises(XlingError, match=r"row 3: duplicate judgment \('3', '9#2'\)"):
        miracl.TASK.load("swa_Latn", "dev/qrels", Hub(load_dataset=FakeHub(tables)))
    tables["mteb/MIRACLRetrieval", "sw-qrels"] = [{"query-id": "3", "corpus-id": "9#1", "score": 0.5}]
    with pytest.raises(XlingError, match="row 0: relevance 0.5 is not an integer"):
        miracl.TASK.load("swa_Latn", "dev/qrels", Hub(load_dataset=FakeHub(tables)))


def test_hub_corpus_ids_read_id_where_there_is_no_underscore_id():
    tables = _beir("mteb/MIRACLRetrieval", "yo")
    tables["mteb/MIRACLRetrieval", "yo-corpus"] = [{"id": 7, "title": "T", "text": "x"}]
    d = miracl.TASK.load("yor_Latn", "dev/corpus", Hub(load_dataset=FakeHub(tables)))
    assert [(x.id, x.text) for x in d] == [("7", "T x")]
