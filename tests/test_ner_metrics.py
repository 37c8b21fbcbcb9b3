"""NER metrics against the reference implementations on real MasakhaNER 2.0 test sentences.

Predictions are the gold tags with seeded, constructed errors (``perturb``): dropped and
spurious entities, wrong types, boundary errors, split entities, and ill-formed IOB2
(entities starting with ``I-``, type changes inside an entity). The gold files themselves
hold a few ill-formed sequences too (yor/hau/swa test each have one ``I-`` after ``O``/another type).

References:
* conlleval (the CoNLL-2000/2003 perl script, version 2004-01-26): ``CONLLEVAL`` below holds
  the numbers it printed. They were produced by writing, for each language, the full
  test file as ``token gold pred`` lines (blank line between sentences) with the
  predictions of ``perturb(gold, random.Random(f"{lang}:{index}"))`` and running
  ``perl conlleval.pl < file``; the script itself was kept outside this repository.
* seqeval 1.2.2 in its default mode (conlleval-compatible), to 1e-9, everywhere;
  seqeval in strict IOB2 mode, to 1e-9, on the sentences where gold and prediction are
  both well-formed IOB2 (where the two conventions must agree).
"""
import functools
import random

import pytest

from xling.data import Local
from xling.metrics import ner
from tests.conftest import need_data
from xling.tasks import masakhaner

TYPES = masakhaner.TYPES


def _spans(tags):
    """Simple entity scan for building predictions: B- or a non-continuing I- opens one."""
    out, i = [], 0
    while i < len(tags):
        if tags[i] == "O":
            i += 1
            continue
        t = tags[i][2:]
        j = i + 1
        while j < len(tags) and tags[j] == f"I-{t}":
            j += 1
        out.append((t, i, j))
        i = j
    return out


def perturb(gold, rng: random.Random) -> list[str]:
    """A prediction for one sentence: the gold tags with seeded, constructed errors."""
    p = list(gold)
    n = len(p)
    for t, a, b in _spans(gold):
        other = rng.choice([x for x in TYPES if x != t])
        r = rng.random()
        if r < 0.45:
            continue  # kept
        if r < 0.55:  # dropped
            p[a:b] = ["O"] * (b - a)
        elif r < 0.65:  # wrong type
            p[a:b] = [f"B-{other}"] + [f"I-{other}"] * (b - a - 1)
        elif r < 0.72:  # right boundary: one token too long, or too short
            if b < n and gold[b] == "O":
                p[b] = f"I-{t}"
            elif b - a > 1:
                p[b - 1] = "O"
        elif r < 0.78:  # left boundary: starts one token early
            if a > 0 and gold[a - 1] == "O":
                p[a - 1], p[a] = f"B-{t}", f"I-{t}"
        elif r < 0.88:  # ill-formed start: I- without B-
            p[a] = f"I-{t}"
        elif r < 0.93:  # split in two
            if b - a > 1:
                p[a + 1] = f"B-{t}"
        else:  # ill-formed type change inside the entity
            p[b - 1] = f"I-{other}"
    for i in range(n):  # spurious entities, some starting with I-
        if p[i] == "O" and gold[i] == "O" and rng.random() < 0.01:
            p[i] = rng.choice(["B-LOC", "B-PER", "I-ORG", "I-DATE"])
    return p


@functools.lru_cache(maxsize=None)
def real(lang: str):
    ex = masakhaner.TASK.load(masakhaner.TASK.langs[masakhaner.NATIVE.index(lang)], "test", Local(need_data()))
    gold = [list(e.tags) for e in ex]
    pred = [perturb(g, random.Random(f"{lang}:{i}")) for i, g in enumerate(gold)]
    return ex, gold, pred


# What conlleval printed (see the module docstring): tokens, gold phrases, found phrases,
# correct phrases; overall precision/recall/FB1 (%); per type (precision, recall, FB1, found).
CONLLEVAL = {
    "yor": {"tokens": 45653, "gold": 2009, "found": 2294, "correct": 1184,
            "precision": 51.61, "recall": 58.93, "fb1": 55.03,
            "types": {"DATE": (39.29, 57.05, 46.54, 453), "LOC": (55.43, 63.71, 59.28, 608),
                      "ORG": (50.20, 61.19, 55.16, 490), "PER": (56.93, 55.22, 56.06, 743)}},
    "hau": {"tokens": 44848, "gold": 4109, "found": 4382, "correct": 2339,
            "precision": 53.38, "recall": 56.92, "fb1": 55.09,
            "types": {"DATE": (45.53, 56.54, 50.44, 940), "LOC": (52.18, 56.70, 54.35, 1054),
                      "ORG": (56.82, 55.05, 55.92, 1151), "PER": (57.15, 59.21, 58.17, 1237)}},
    "swa": {"tokens": 51179, "gold": 4330, "found": 4499, "correct": 2571,
            "precision": 57.15, "recall": 59.38, "fb1": 58.24,
            "types": {"DATE": (45.68, 59.20, 51.57, 775), "LOC": (68.84, 59.72, 63.96, 1669),
                      "ORG": (44.90, 57.48, 50.42, 804), "PER": (56.51, 59.92, 58.17, 1251)}},
}


@pytest.mark.parametrize("lang", sorted(CONLLEVAL))
def test_equals_conlleval_on_real_masakhaner(lang):
    ex, gold, pred = real(lang)
    ref = CONLLEVAL[lang]
    s = ner.score(gold, pred, TYPES)
    assert sum(len(g) for g in gold) == ref["tokens"]
    assert (s["gold"], s["predicted"], s["correct"]) == (ref["gold"], ref["found"], ref["correct"])
    # the counts are conlleval's exactly, so the values are too (conlleval prints 2 decimals)
    c, g, p = ref["correct"], ref["gold"], ref["found"]
    assert s["f1"] == pytest.approx(2 * c / (g + p), abs=1e-12)
    assert s["precision"] == pytest.approx(c / p, abs=1e-12) and s["recall"] == pytest.approx(c / g, abs=1e-12)
    for name, key in (("precision", "precision"), ("recall", "recall"), ("f1", "fb1")):
        assert abs(100 * s[name] - ref[key]) <= 0.005 + 1e-9, name
    assert sorted(s["per_type"]) == sorted(ref["types"])
    for t, (tp, tr, tf, found) in ref["types"].items():
        mine = s["per_type"][t]
        assert mine["predicted"] == found, t
        assert abs(100 * mine["precision"] - tp) <= 0.005 + 1e-9, t
        assert abs(100 * mine["recall"] - tr) <= 0.005 + 1e-9, t
        assert abs(100 * mine["f1"] - tf) <= 0.005 + 1e-9, t


@pytest.mark.parametrize("lang", ["yor", "hau", "swa"])
def test_equals_seqeval_default_mode_on_real_masakhaner(lang):
    seqeval = pytest.importorskip("seqeval.metrics")
    _, gold, pred = real(lang)
    s = ner.score(gold, pred, TYPES)
    assert s["f1"] == pytest.approx(seqeval.f1_score(gold, pred), abs=1e-9)
    assert s["precision"] == pytest.approx(seqeval.precision_score(gold, pred), abs=1e-9)
    assert s["recall"] == pytest.approx(seqeval.recall_score(gold, pred), abs=1e-9)
    rep = seqeval.classification_report(gold, pred, output_dict=True, zero_division=0)
    for t in TYPES:
        assert s["per_type"][t]["f1"] == pytest.approx(rep[t]["f1-score"], abs=1e-9), t
        assert s["per_type"][t]["gold"] == rep[t]["support"], t


def _well_formed(tags):
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


@pytest.mark.parametrize("lang", ["yor", "hau", "swa"])
def test_equals_seqeval_strict_iob2_on_well_formed_sentences(lang):
    seqeval = pytest.importorskip("seqeval.metrics")
    from seqeval.scheme import IOB2

    _, gold, pred = real(lang)
    keep = [i for i in range(len(gold)) if _well_formed(gold[i]) and _well_formed(pred[i])]
    assert 0.5 * len(gold) < len(keep) < len(gold)  # the constructed errors include ill-formed ones
    g, p = [gold[i] for i in keep], [pred[i] for i in keep]
    s = ner.score(g, p, TYPES)
    kw = dict(mode="strict", scheme=IOB2)
    assert s["f1"] == pytest.approx(seqeval.f1_score(g, p, **kw), abs=1e-9)
    assert s["precision"] == pytest.approx(seqeval.precision_score(g, p, **kw), abs=1e-9)
    assert s["recall"] == pytest.approx(seqeval.recall_score(g, p, **kw), abs=1e-9)


def test_ill_formed_sequences_follow_conlleval_not_strict_mode():
    seqeval = pytest.importorskip("seqeval.metrics")
    from seqeval.scheme import IOB2

    gold = [["O", "I-PER", "I-PER", "O", "B-LOC"]]
    pred = [["O", "B-PER", "I-PER", "O", "I-LOC"]]
    # conlleval: 'I-PER' after 'O' opens PER(1,3); 'I-LOC' after 'O' opens LOC(4,5): both match
    assert ner.entities(gold[0]) == [("PER", 1, 3), ("LOC", 4, 5)]
    assert ner.entities(pred[0]) == [("PER", 1, 3), ("LOC", 4, 5)]
    assert ner.score(gold, pred, TYPES)["f1"] == 1.0 == seqeval.f1_score(gold, pred)
    # strict IOB2 drops both I-started entities: a different number
    assert seqeval.f1_score(gold, pred, mode="strict", scheme=IOB2) == pytest.approx(0.0)


def test_chunk_rules_by_hand():
    E = ner.entities
    assert E(["B-PER", "I-PER", "B-PER"]) == [("PER", 0, 2), ("PER", 2, 3)]
    assert E(["B-PER", "I-ORG", "I-ORG"]) == [("PER", 0, 1), ("ORG", 1, 3)]  # type change splits
    assert E(["I-DATE", "B-DATE", "I-LOC"]) == [("DATE", 0, 1), ("DATE", 1, 2), ("LOC", 2, 3)]
    assert E(["O", "O"]) == [] and E([]) == []
    assert E(["B-DATE-TIME", "I-DATE-TIME"]) == [("DATE-TIME", 0, 2)]  # types split at the first '-'
    with pytest.raises(ValueError, match="not an IOB2 tag"):
        E(["B-PER", "E-PER"])


def test_counts_and_zero_conventions():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-DATE", "O"]]
    s = ner.score(gold, pred, TYPES)
    assert (s["correct"], s["gold"], s["predicted"]) == (1, 2, 3)
    assert s["precision"] == pytest.approx(1 / 3) and s["recall"] == 0.5 and s["f1"] == pytest.approx(0.4)
    assert s["per_type"]["PER"]["f1"] == 1.0
    assert s["per_type"]["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "correct": 0, "gold": 1, "predicted": 0}
    assert s["per_type"]["DATE"]["f1"] == 0.0 and s["per_type"]["DATE"]["predicted"] == 1
    assert ner.score([["O"]], [["O"]], TYPES)["f1"] == 0.0  # nothing to find: conlleval prints 0
    with pytest.raises(ValueError, match="sentence 0: 2 gold tags but 1 predicted"):
        ner.score([["O", "O"]], [["O"]], TYPES)
    with pytest.raises(ValueError, match="'MISC' is not one of"):
        ner.score([["B-MISC"]], [["O"]], TYPES)
