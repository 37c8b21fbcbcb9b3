"""The CRF tagger (``crf``, sklearn-crfsuite) as a TrainableTagger: word-shape and affix
features, trained per language on the training split inside the tag solver (in_language,
zero_shot, matrix), memoised per train language, scored by the conlleval-identical metrics
(checked against seqeval on the same predictions), on a cut of the real MasakhaNER files."""
import numpy as np
import pytest
from seqeval.metrics import f1_score

from xling import solve
from xling.api import evaluate
from xling.data import Local
from xling.errors import XlingError
from xling.models import Tagger, TrainableTagger
from xling.models.crf import features, shape, short_shape
from xling.plugins import get_task, load_model
from xling.solvers import tag
from tests.conftest import need_data

LANGS = ("luo", "pcm")  # MasakhaNER 1.0: Dholuo, Nigerian Pidgin


def _cut(src, dst, n):
    """The first n sentences of a CoNLL file (blank-line separated), bytes otherwise unchanged."""
    blocks = src.read_text(encoding="utf-8").split("\n\n")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("\n\n".join(blocks[:n]) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def ner_mirror(tmp_path_factory):
    src = need_data("masakhane-ner", "data")
    root = tmp_path_factory.mktemp("ner")
    for lang in LANGS:
        for split, n in (("train", 300), ("dev", 20), ("test", 60)):
            _cut(src / lang / f"{split}.txt", root / "masakhane-ner" / "data" / lang / f"{split}.txt", n)
    return root


def test_features_shape_affixes_and_window():
    assert shape("Nairobi-2024") == "Xxxxxxx-dddd" and short_shape("Nairobi-2024") == "Xx-d"
    f = features(["Jaduong", "Raila", "Odinga", "."])
    assert f[1]["lower"] == "raila" and f[1]["pre2"] == "ra" and f[1]["suf3"] == "ila" and f[1]["title"]
    assert f[1]["-1:lower"] == "jaduong" and f[1]["+2:lower"] == "." and f[1]["+1:short"] == "Xx"
    assert f[0]["BOS"] and "BOS" not in f[1] and f[3]["EOS"] and f[3]["punct"] and "pre4" not in f[3]
    assert "-2:lower" not in f[1] and f[3]["-2:lower"] == "raila"


def test_crf_learns_and_is_deterministic():
    m = load_model("crf")
    assert isinstance(m, TrainableTagger) and not isinstance(m, Tagger)
    assert m.name.startswith("crf@sklearn-crfsuite-0.5.0-f1-c1=0.1-c2=0.1-it100")
    names = ["Achieng", "Otieno", "Wanjiru", "Kamau", "Akinyi", "Ochieng"]
    train = [(["Jaduong", n, "nowacho", "."], ["O", "B-PER", "O", "O"]) for n in names]
    train += [(["Wabiro", "Kisumu", "kiny", "."], ["O", "B-LOC", "O", "O"]) for _ in range(3)]
    fitted = m.fit([t for t, _ in train], [y for _, y in train])
    assert isinstance(fitted, Tagger) and set(fitted.labels) == {"O", "B-PER", "B-LOC"}
    test = [["Jaduong", "Odhiambo", "nowacho", "."], ["Wabiro", "Kisumu", "kiny", "."]]
    assert fitted.tag(test) == [["O", "B-PER", "O", "O"], ["O", "B-LOC", "O", "O"]]
    assert m.fit([t for t, _ in train], [y for _, y in train]).tag(test) == fitted.tag(test)
    with pytest.raises(XlingError, match="training sentence 0 has 4 words and 3 tags"):
        m.fit([train[0][0]], [["O", "O", "O"]])


def test_tag_solver_trains_the_crf_here():
    task = get_task("masakhaner")
    crf = load_model("crf")
    assert solve.solver(task, crf) is tag and tag.trains(crf) and not tag.trains(object())
    assert solve.default_setting(task, crf) == "in_language"
    cells = solve.plan(task, "in_language", ["hau_Latn", "yor_Latn"], [], model=crf)
    assert [(c.train_lang, c.test_lang) for c in cells] == [("hau_Latn", "hau_Latn"), ("yor_Latn", "yor_Latn")]


def _conll_f1(task, lang, data, model_fit):
    src = Local(data)
    train = task.load(lang, "train", src)
    test = task.load(lang, "test", src)
    pred = model_fit([list(e.tokens) for e in train], [list(e.tags) for e in train]).tag([list(e.tokens) for e in test])
    return f1_score([list(e.tags) for e in test], pred)


def test_in_language_rows_equal_seqeval_on_the_crf_predictions(ner_mirror, tmp_path):
    rep = evaluate("masakhaner1", "crf", langs=",".join(LANGS), setting="in_language", data_dir=ner_mirror,
                   out_dir=tmp_path, progress=False)
    rows = {(r["test_lang"], r["metric"]): r for r in rep.rows}
    task = get_task("masakhaner1")
    for native in LANGS:
        lang = task.langs[[n for _, n in task.languages].index(native)]
        f1 = rows[(lang, "f1")]
        assert f1["train_lang"] == lang and f1["train_split"] == "train" and f1["n"] == 60
        assert f1["data"].count("sha256:") == 2  # the test file and the training file
        want = _conll_f1(task, lang, ner_mirror, load_model("crf").fit)
        assert f1["value"] == pytest.approx(want, abs=1e-12)
        assert 0.2 < f1["value"] < 0.95 and f1["ci_low"] < f1["value"] < f1["ci_high"]
    s = rep.samples()
    assert len(s) == 120 and s.input.str.startswith("[").all()
    # shares of micro F1 average to the f1 row
    pcm = s[s.test_lang == "pcm_Latn"].score.mean()
    assert pcm == pytest.approx(rows[("pcm_Latn", "f1")]["value"], abs=1e-12)


class CountingCRF:
    """The real CRF, counting its fits (the solver must fit once per train language)."""

    def __init__(self):
        self._crf, self.fits = load_model("crf"), []
        self.name = self._crf.name

    def fit(self, token_lists, tag_lists, seed=0):
        self.fits.append((len(token_lists), seed))
        return self._crf.fit(token_lists, tag_lists, seed)


def test_zero_shot_and_matrix_fit_each_source_once(ner_mirror, tmp_path):
    m = CountingCRF()
    rep = evaluate("masakhaner1", m, langs="luo,pcm", setting="matrix", train_langs="luo,pcm", seed=3,
                   data_dir=ner_mirror, out_dir=tmp_path, progress=False)
    cells = {(r["train_lang"], r["test_lang"]) for r in rep.rows}
    assert cells == {(a, b) for a in ("luo_Latn", "pcm_Latn") for b in ("luo_Latn", "pcm_Latn")}
    assert m.fits == [(300, 3), (300, 3)]  # two sources, each fitted once, seeded
    f1 = {(r["train_lang"], r["test_lang"]): r["value"] for r in rep.rows if r["metric"] == "f1"}
    assert f1[("pcm_Latn", "pcm_Latn")] > f1[("luo_Latn", "pcm_Latn")]  # in-language beats transfer here
    # nothing cached on disk: the same run in a new directory trains again
    evaluate("masakhaner1", m, langs="pcm", setting="zero_shot", train_langs="luo", seed=3, data_dir=ner_mirror,
             out_dir=tmp_path / "again", progress=False)
    assert len(m.fits) == 3


class Misc:
    """A trainable tagger that learns a tag the task does not have."""

    name = "misc@1"

    class _Fitted:
        name, labels = "misc@1", ("O", "B-MISC", "I-MISC")

        def tag(self, token_lists):
            return [["O"] * len(t) for t in token_lists]

    def fit(self, token_lists, tag_lists, seed=0):
        return self._Fitted()


def test_a_trained_tag_outside_the_task_is_refused(ner_mirror, tmp_path):
    with pytest.raises(XlingError, match="learnt tags outside task 'masakhaner1': B-MISC, I-MISC"):
        evaluate("masakhaner1", Misc(), langs="luo", setting="in_language", data_dir=ner_mirror, out_dir=tmp_path,
                 progress=False)


def test_the_fitted_tagger_tags_empty_sentences():
    m = load_model("crf").fit([["Kisumu", "."]], [["B-LOC", "O"]])
    out = m.tag([[], ["Kisumu"]])
    assert out[0] == [] and len(out[1]) == 1 and np.all([t in m.labels for t in out[1]])
