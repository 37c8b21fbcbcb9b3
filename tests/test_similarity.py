"""Alignment measures (mean translation cosine, MEXA) on hand-computed cases, the centred
language similarity on a planted geometry with a planted common offset, and language
centring for probes (xling.similarity, xling.centring)."""
import numpy as np
import pytest

from xling import centring
from xling import similarity as S
from xling.errors import XlingError


def _angles(*deg):
    r = np.deg2rad(deg)
    return np.column_stack([np.cos(r), np.sin(r)])


def _mexa_reference(X, P):
    """MEXA's definition written out as loops (cisnlp/MEXA compute_mexa.py: S[i, j] =
    cos(pivot_i, lang_j); the diagonal strictly above the rest of its row and its column)."""
    n = len(X)
    cos = lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))  # noqa: E731
    M = np.array([[cos(P[i], X[j]) for j in range(n)] for i in range(n)])
    hits = 0
    for i in range(n):
        row, col = np.delete(M[i], i), np.delete(M[:, i], i)
        hits += M[i, i] > row.max() and M[i, i] > col.max()
    return hits / n


def test_mexa_and_mean_cosine_hand_computed():
    # pivot sentences at 0, 90, 45 degrees; their translations at 5, 80, 20 degrees.
    # Row (pivot -> language) nearest: 0->5, 90->80, 45->20 (25 deg, vs 35 and 40): all right.
    # Column (language -> pivot): 20 deg is nearer 0 (20 deg) than its own 45 (25 deg): a miss.
    P, X = _angles(0, 90, 45), _angles(5, 80, 20)
    assert S.mexa(X, P) == pytest.approx(2 / 3)
    assert S.mean_cosine(X, P) == pytest.approx(np.mean(np.cos(np.deg2rad([5, 10, 25]))), abs=1e-12)
    assert S.translation_cosines(X, P) == pytest.approx(np.cos(np.deg2rad([5, 10, 25])))
    # scale does not matter (cosine)
    assert S.mexa(3 * X, 0.5 * P) == pytest.approx(2 / 3)


def test_mexa_counts_a_tie_as_a_miss():
    P = _angles(0, 90, 180, 270)
    X = P.copy()
    assert S.mexa(X, P) == 1.0
    X[3] = X[2]  # two identical translations: both tie with each other's pivot
    P[3] = P[2]
    assert S.mexa(X, P) == 0.5


def test_mexa_equals_the_reference_loops_on_random_data():
    rng = np.random.default_rng(0)
    for n, d, noise in ((40, 8, 0.8), (25, 16, 1.5), (60, 4, 0.3)):
        P = rng.normal(size=(n, d))
        X = P + noise * rng.normal(size=(n, d))
        assert S.mexa(X, P) == _mexa_reference(X, P)
        assert 0 < S.mexa(X, P) < 1


def test_layer_alignment_and_mexa_pooling_over_layers():
    P, X = _angles(0, 90, 45), _angles(5, 80, 20)
    X3 = np.stack([X, P], axis=1)  # layer 0: the case above, layer 1: perfect copies
    P3 = np.stack([P, P], axis=1)
    per = S.layer_alignment(X3, P3)
    assert per["mexa"].tolist() == pytest.approx([2 / 3, 1.0])
    assert per["mean_cosine"].iloc[1] == pytest.approx(1.0)
    assert S.layer_summary(per) == {"mexa_mean_layers": pytest.approx(5 / 6), "mexa_max_layers": 1.0,
                                    "mexa_best_layer": 1}


def test_alignment_refuses_mismatched_pairs():
    with pytest.raises(XlingError, match="one shape"):
        S.mexa(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(XlingError, match="at least 2"):
        S.mexa(np.ones((1, 2)), np.ones((1, 2)))


def _planted(seed=0, n_sent=150, dim=48, families=3, per_family=4, common=80.0):
    """Sentence embeddings: shared content s_i + language offset (family direction + own
    part) + one large common offset (anisotropy) + noise."""
    rng = np.random.default_rng(seed)
    content = rng.normal(size=(n_sent, dim))
    fam_dirs = rng.normal(size=(families, dim)) * 2.0
    common_vec = rng.normal(size=dim)
    common_vec *= common / np.linalg.norm(common_vec)
    emb, offsets, fam = [], [], []
    for f in range(families):
        for _ in range(per_family):
            o = fam_dirs[f] + 0.7 * rng.normal(size=dim)
            offsets.append(o)
            fam.append(f)
            emb.append(content + o + common_vec + 0.3 * rng.normal(size=(n_sent, dim)))
    return emb, np.array(offsets), np.array(fam), common_vec


def test_centred_similarity_recovers_planted_geometry_that_raw_cosine_hides():
    emb, offsets, fam, _ = _planted()
    pivot = emb[0]
    V = np.stack([S.offset_vector(x, pivot) for x in emb])
    C = np.stack([x.mean(axis=0) for x in emb])
    raw = S.raw_similarity(C)
    cen = S.language_similarity(V)
    off = ~np.eye(len(emb), dtype=bool)
    assert raw[off].min() > 0.9  # the common offset makes every raw centroid cosine high
    same = (fam[:, None] == fam[None, :]) & off
    assert cen[same].mean() > 0.6 and cen[~same & off].mean() < -0.1
    truth = S.language_similarity(offsets)  # the planted offsets, centred
    assert np.corrcoef(cen[off], truth[off])[0, 1] > 0.99
    np.testing.assert_allclose(np.diag(cen), 1.0)
    np.testing.assert_allclose(cen, cen.T)


def test_centring_removes_a_planted_common_offset_exactly():
    rng = np.random.default_rng(1)
    V = rng.normal(size=(7, 10))
    shift = 100 * rng.normal(size=10)
    np.testing.assert_allclose(S.language_similarity(V + shift), S.language_similarity(V), atol=1e-10)
    assert not np.allclose(S.raw_similarity(V + shift), S.raw_similarity(V), atol=0.1)
    # on fully parallel data the offset from the pivot equals centroid - pivot centroid, so the
    # centred similarity equals the cosine of the centroids minus the global mean
    emb, *_ = _planted(seed=2, per_family=2)
    C = np.stack([x.mean(axis=0) for x in emb])
    V = np.stack([S.offset_vector(x, emb[0]) for x in emb])
    G = S.unit_rows(C - np.concatenate(emb).mean(axis=0))
    np.testing.assert_allclose(S.language_similarity(V), G @ G.T, atol=1e-10)


def test_nearest_languages_and_clustering():
    emb, offsets, fam, _ = _planted(seed=3)
    langs = [f"l{i:02d}_Latn" for i in range(len(emb))]
    sim = S.language_similarity(np.stack([S.offset_vector(x, emb[0]) for x in emb]))
    near = S.nearest(sim, langs, k=3)
    for i, row in near.iterrows():
        mates = {langs[j] for j in np.flatnonzero(fam == fam[i]) if j != i}
        assert {row.nearest_1, row.nearest_2, row.nearest_3} == mates  # 3 family mates, nearest first
        assert row.sim_1 >= row.sim_2 >= row.sim_3
    from scipy.cluster.hierarchy import fcluster

    labels = fcluster(S.cluster(sim), 3, criterion="maxclust")
    assert len(set(zip(labels, fam))) == 3  # the dendrogram's 3 clusters are the 3 families


def test_language_centring_lets_a_probe_transfer_to_an_offset_language():
    """A probe trained on language A, tested on language B = the same kind of sentences
    shifted by a planted language offset: near chance without centring, near in-language
    accuracy with each language centred on its own mean."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    dim, k = 16, 4
    means = 3 * rng.normal(size=(k, dim))

    def sample(n, offset):
        y = rng.integers(0, k, n)
        return means[y] + rng.normal(size=(n, dim)) + offset, y

    offset_b = 4 * (means[0] - means.mean(axis=0))  # pushes every B sentence towards class 0
    Xa, ya = sample(700, 0.0)
    Xb, yb = sample(200, offset_b)
    Xa_test, ya_test = sample(200, 0.0)
    plain = LogisticRegression(max_iter=2000).fit(Xa, ya)
    acc_in = (plain.predict(Xa_test) == ya_test).mean()
    acc_plain = (plain.predict(Xb) == yb).mean()
    cen = LogisticRegression(max_iter=2000).fit(centring.centre(Xa), ya)
    acc_cen = (cen.predict(centring.centre(Xb)) == yb).mean()
    assert acc_in > 0.9
    assert acc_plain < 0.5
    assert acc_cen > 0.9 and abs(acc_cen - acc_in) < 0.06
    np.testing.assert_allclose(centring.centre(Xb).mean(axis=0), 0, atol=1e-5)


def test_centring_blocks_and_bad_input():
    a, b = np.ones((3, 2)) * [1, 2], np.ones((4, 2)) * [5, 0] + np.arange(4)[:, None]
    ca, cb = centring.centre_blocks([a, b])
    np.testing.assert_allclose(ca, 0)
    np.testing.assert_allclose(cb, np.arange(4)[:, None] - 1.5 + np.zeros((4, 2)))
    assert cb.dtype == np.float32
    np.testing.assert_allclose(centring.centre(b, mean=[5, 0]), np.arange(4)[:, None] + np.zeros((4, 2)))
    with pytest.raises(XlingError, match="at least 2 texts"):
        centring.centre(np.ones((1, 3)))
    with pytest.raises(XlingError, match="shape"):
        centring.centre(a, mean=[0, 0, 0])


def test_mexa_decides_near_ties_in_double_precision():
    """Cosines 1e-9 apart are equal in float32: the fast path must not count those as ties."""
    P = _angles(0, 120, 240)
    X = _angles(0.0010, 120, 240)  # x_0 against p_0: cos(0.0010 deg)
    X = np.vstack([X, _angles(0.0011)])  # a rival of x_0 just farther from p_0 ...
    P = np.vstack([P, _angles(180)])  # ... translating a far pivot sentence
    c0, c1 = np.cos(np.deg2rad(0.0010)), np.cos(np.deg2rad(0.0011))
    assert 0 < c0 - c1 < 1e-8 and np.float32(c0) == np.float32(c1)
    assert S.mexa(X, P) == _mexa_reference(X, P) == 0.75  # x_0/p_0 strictly nearest; x_3/p_3 not
