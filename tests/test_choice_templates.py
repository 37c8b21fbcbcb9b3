"""Multiple-choice templates equal lm-evaluation-harness 0.4.13's: its own task configs render
the same documents and the (context, continuation) strings must be identical; the doors read
the upstream layouts (files the tests write) and the pinned hub revisions."""
import csv
import json

import pytest

from tests import lmeval_ref as ref
from tests.conftest import need_data
from tests.helpers import FakeHub
from xling.data import Hub, Local
from xling.errors import XlingError
from xling.solvers import choice
from xling.tasks import belebele, global_mmlu, xcopa, xstorycloze, xwinograd

HEX40 = set("0123456789abcdef")


def ours(task, examples):
    return [list(zip(r.contexts, r.continuations)) for r in (choice.render(task.template, e) for e in examples)]


@pytest.mark.parametrize("native", xcopa.NATIVE)
def test_xcopa_every_language_equals_lm_eval(native):
    """Every document of both splits of every XCOPA language, from the real local files."""
    root = need_data()
    lang = dict((n, c) for c, n in xcopa.TASK.languages)[native]
    docs, mine = {}, []
    for split, hub_split in (("val", "validation"), ("test", "test")):
        path = root / f"xcopa/data/{native}/{split}.{native}.jsonl"
        docs[hub_split] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        mine.append(ours(xcopa.TASK, xcopa.TASK.load(lang, split, Local(root))))
    t = ref.task(f"xcopa_{native}", docs)
    theirs = [[ref.requests(t, d) for d in t.validation_docs()], [ref.requests(t, d) for d in t.test_docs()]]
    assert [len(m) for m in mine] == [100, 500]
    assert mine == theirs


def belebele_rows():
    rows = []
    for i in range(5):
        rows.append({"link": f"https://en.wikibooks.org/x{i}", "question_number": 1 + i % 2,
                     "flores_passage": f"Passage {i} with  two spaces, a ü and \"quotes\".\nSecond line.",
                     "question": f"  Question {i}?  ", "mc_answer1": f"one {i}", "mc_answer2": "zwei ",
                     "mc_answer3": "三", "mc_answer4": "", "correct_answer_num": str(1 + i % 4),
                     "dialect": "deu_Latn", "ds": "2023-05-03"})
    return rows


def test_belebele_equals_lm_eval_through_both_doors(tmp_path):
    rows = belebele_rows()
    hub = FakeHub(rows)
    from_hub = belebele.TASK.load("deu_Latn", "test", Hub(load_dataset=hub))
    assert hub.calls == [("facebook/belebele", "deu_Latn", "test", belebele.TASK.hub_revision)]
    path = tmp_path / "belebele/data/deu_Latn.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    from_local = belebele.TASK.load("deu_Latn", "test", Local(tmp_path))
    t = ref.task("belebele_deu_Latn", {"test": rows})
    theirs = [ref.requests(t, d) for d in t.test_docs()]
    assert ours(belebele.TASK, from_hub) == ours(belebele.TASK, from_local) == theirs
    assert [e.gold for e in from_local] == [0, 1, 2, 3, 0]
    assert len(belebele.TASK.langs) == 122


def mmlu_rows():
    return [{"sample_id": f"anatomy/test/{i}", "subject": "anatomy", "subject_category": "STEM",
             "question": f" What is {i}?\n", "option_a": "α", "option_b": "b b", "option_c": str(i),
             "option_d": "d", "answer": "ABCD"[i % 4], "cultural_sensitivity_label": "CA"} for i in range(6)]


def write_parquet(path, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def test_global_mmlu_equals_lm_eval_through_both_doors(tmp_path):
    rows = mmlu_rows()
    hub = FakeHub(rows)
    from_hub = global_mmlu.TASK.load("deu_Latn", "test", Hub(load_dataset=hub))
    assert hub.calls == [("CohereLabs/Global-MMLU-Lite", "de", "test", global_mmlu.TASK.hub_revision)]
    write_parquet(tmp_path / "Global-MMLU-Lite/de/test-00000-of-00001.parquet", rows)
    from_local = global_mmlu.TASK.load("deu_Latn", "test", Local(tmp_path))
    t = ref.task("global_mmlu_de_stem", {"test": rows, "dev": rows})
    theirs = [ref.requests(t, d) for d in t.test_docs()]
    assert ours(global_mmlu.TASK, from_hub) == ours(global_mmlu.TASK, from_local) == theirs
    assert [e.gold for e in from_local] == [0, 1, 2, 3, 0, 1]


def test_xwinograd_contexts_vary_continuation_fixed_as_lm_eval(tmp_path):
    rows = [{"sentence": "The trophy didn't fit in the suitcase because _ was too big.", "option1": "the trophy",
             "option2": "the suitcase", "answer": "1"},
            {"sentence": "猫が_を追いかけた。", "option1": "犬", "option2": "鳥", "answer": "2"}]
    write_parquet(tmp_path / "xwinograd/jp/test-00000-of-00001.parquet", rows)
    from_local = xwinograd.TASK.load("jpn_Jpan", "test", Local(tmp_path))
    hub = FakeHub(rows)
    from_hub = xwinograd.TASK.load("jpn_Jpan", "test", Hub(load_dataset=hub))
    assert hub.calls == [("Muennighoff/xwinograd", "jp", "test", xwinograd.TASK.hub_revision)]
    t = ref.task("xwinograd_jp", {"test": rows})
    theirs = [ref.requests(t, d) for d in t.test_docs()]
    assert ours(xwinograd.TASK, from_local) == ours(xwinograd.TASK, from_hub) == theirs
    assert theirs[0] == [("The trophy didn't fit in the suitcase because the trophy", " was too big."),
                         ("The trophy didn't fit in the suitcase because the suitcase", " was too big.")]
    # acc_norm divides by the characters of each context (lm-eval's doc_to_choice), not of the continuation
    assert xwinograd.TASK.template.render(from_local[0]).norms == tuple(c for c, _ in theirs[0])


STORY_HEADER = ["InputStoryid", "InputSentence1", "InputSentence2", "InputSentence3", "InputSentence4",
                "RandomFifthSentenceQuiz1", "RandomFifthSentenceQuiz2", "AnswerRightEnding"]


def story_rows():
    return [["138d5bfb-05cc-41e3-bf2c-fa85ebad14e2", "Rick grew up in a troubled household.",
             "He never found good support in family, and turned to gangs.", "It wasn't long before Rick got shot.",
             'The incident caused him to turn a new leaf, "he said".', "He is happy now.", "He joined a gang.", "1"],
            ["bff9f820-9605-4875-b9af-fe6f14d04256", "Laverne needs to prepare something.", "She bakes.",
             "She cuts.", "She serves.", "They love it.", "They hate it.", "2"]]


def test_xstorycloze_equals_lm_eval_both_doors(tmp_path):
    path = tmp_path / "xstorycloze/spring2016.val.sw.tsv.split_20_80_eval.tsv"
    path.parent.mkdir(parents=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        w.writerows([STORY_HEADER] + story_rows())
    from_local = xstorycloze.TASK.load("swa_Latn", "eval", Local(tmp_path))
    fetched = []

    def download(repo, name, revision):
        fetched.append((repo, name, revision))
        return path

    from_hub = xstorycloze.TASK.load("swa_Latn", "eval", Hub(download=download))
    assert fetched == [("juletxara/xstory_cloze", "spring2016.val.sw.tsv.split_20_80_eval.tsv",
                        xstorycloze.TASK.hub_revision)]
    docs = [{"story_id": r[0], **{f"input_sentence_{k}": r[k] for k in range(1, 5)}, "sentence_quiz1": r[5],
             "sentence_quiz2": r[6], "answer_right_ending": int(r[7])} for r in story_rows()]
    t = ref.task("xstorycloze_sw", {"train": docs, "eval": docs})
    theirs = [ref.requests(t, d) for d in t.validation_docs()]
    assert ours(xstorycloze.TASK, from_local) == ours(xstorycloze.TASK, from_hub) == theirs
    assert [e.gold for e in from_local] == [0, 1] and from_local[0].id == story_rows()[0][0]


def test_every_hub_revision_is_a_commit():
    for task in (xcopa.TASK, belebele.TASK, xstorycloze.TASK, xwinograd.TASK, global_mmlu.TASK):
        assert len(task.hub_revision) == 40 and set(task.hub_revision) <= HEX40, task.name


def test_xcopa_hub_door_maps_split_and_revision():
    rows = [{"premise": "L'oggetto era avvolto.", "choice1": "Era fragile.", "choice2": "Era piccolo.",
             "question": "cause", "label": 0, "idx": 1, "changed": False}]
    hub = FakeHub(rows)
    ex = xcopa.TASK.load("ita_Latn", "val", Hub(load_dataset=hub))
    assert hub.calls == [("cambridgeltl/xcopa", "it", "validation", xcopa.TASK.hub_revision)]
    assert choice.render(xcopa.TASK.template, ex[0]).contexts[0] == "L'oggetto era avvolto perché"


def test_template_signature_follows_its_definition():
    sig = xcopa.TASK.template.signature
    assert sig.startswith("mc-v1-xcopa-") and sig == xcopa.TASK.template.signature
    from dataclasses import replace

    changed = replace(xcopa.TASK.template, params=(("connectors", (("est_Latn", ("sest", "nii")),)),))
    assert changed.signature != sig
    assert len({t.template.signature for t in (xcopa.TASK, belebele.TASK, xwinograd.TASK, global_mmlu.TASK)}) == 4


def test_broken_local_files_name_file_and_line(tmp_path):
    path = tmp_path / "xcopa/data/it/test.it.jsonl"
    path.parent.mkdir(parents=True)
    good = {"premise": "A.", "choice1": "B.", "choice2": "C.", "question": "effect", "label": 1, "idx": 0}
    path.write_bytes((json.dumps(good) + "\r\n{not json\r\n").encode())
    with pytest.raises(XlingError, match=r"test\.it\.jsonl:2: not valid JSON"):
        xcopa.TASK.load("ita_Latn", "test", Local(tmp_path))
    path.write_bytes((json.dumps({**good, "question": "why"}) + "\r\n").encode())
    with pytest.raises(XlingError, match=r"test\.it\.jsonl:1: question must be"):
        xcopa.TASK.load("ita_Latn", "test", Local(tmp_path))
