import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from xling.metrics import bitext, classification as cls
from xling.metrics.uncertainty import bootstrap_ci, mean_ci


@pytest.mark.parametrize("seed", range(5))
def test_accuracy_and_macro_f1_equal_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 7, 204)
    pred = np.where(rng.random(204) < 0.6, gold, rng.integers(0, 5, 204))  # labels 5, 6 never predicted
    assert cls.accuracy(gold, pred) == pytest.approx(accuracy_score(gold, pred), abs=1e-12)
    assert cls.macro_f1(gold, pred, 7) == pytest.approx(f1_score(gold, pred, average="macro"), abs=1e-12)


def test_batched_metrics_equal_row_by_row():
    rng = np.random.default_rng(0)
    gold, pred = rng.integers(0, 4, (6, 50)), rng.integers(0, 4, (6, 50))
    f1 = cls.macro_f1(gold, pred, 4)
    for r in range(6):
        assert f1[r] == pytest.approx(f1_score(gold[r], pred[r], average="macro"), abs=1e-12)
    assert np.allclose(cls.accuracy(gold, pred), [(gold[r] == pred[r]).mean() for r in range(6)])


def test_majority_baseline():
    assert cls.majority_baseline([2, 2, 1, 0], [2, 1, 2, 2]) == 0.75


def test_bootstrap_is_seeded_and_brackets_the_mean():
    scores = (np.arange(200) % 3 == 0).astype(float)  # mean 0.335
    lo, hi = mean_ci(scores, seed=0)
    assert (lo, hi) == mean_ci(scores, seed=0)
    assert lo < scores.mean() < hi and 0.25 < lo and hi < 0.42
    assert mean_ci(scores, seed=1) != (lo, hi)
    assert bootstrap_ci(lambda i: scores[i].mean(axis=1), 200, seed=0) == (lo, hi)


def test_bitext_nearest_neighbour_accuracy():
    src = np.eye(4, dtype=np.float32)
    tgt = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 0.9, 0.1, 0], [0, 0, 0, 2]], np.float32)
    nn, ok = bitext.retrieval_correct(src, tgt)
    assert nn.tolist() == [0, 2, 1, 3] and ok.tolist() == [1, 0, 0, 1]
