"""The model's language geometry as a transfer predictor (xling.analysis_similarity) and
``analysis.main(..., similarity=RUN)`` end to end on a synthetic run."""
import json

import numpy as np
import pandas as pd
import pytest

from xling import analysis as A
from xling import analysis_similarity as AS
from xling.errors import XlingError


def _sim_run(path, langs, sim, mexa, cosine):
    path.mkdir(parents=True)
    pd.DataFrame(sim, index=langs, columns=langs).to_csv(path / "similarity.csv", index_label="lang")
    pd.DataFrame({"lang": langs[1:], "sentences": 100, "mean_cosine": cosine[1:], "mexa": mexa[1:]}).to_csv(
        path / "alignment.csv", index=False)
    (path / "config.json").write_text(json.dumps({"langs": langs, "model_name": "fake@64", "task": "sib200"}))
    return path


def test_similarity_beats_typology_where_transfer_follows_the_model_geometry(tmp_path):
    rng = np.random.default_rng(0)
    langs = [f"l{i:02d}_Latn" for i in range(30)]
    pos = rng.normal(size=(30, 2))
    sim = np.corrcoef(np.column_stack([pos, 0.3 * rng.normal(size=(30, 3))]))  # symmetric, 1 on the diagonal
    mexa, cosine = rng.uniform(0.3, 1, 30), rng.uniform(0.5, 0.9, 30)
    run = _sim_run(tmp_path / "sim", langs, sim, mexa, cosine)
    src = np.repeat(langs[:5], 30)
    tgt = np.tile(langs, 5)
    data = pd.DataFrame({"src": src, "tgt": tgt})
    data = data[data.src != data.tgt].reset_index(drop=True)
    i = data["src"].map({c: k for k, c in enumerate(langs)}).to_numpy()
    j = data["tgt"].map({c: k for k, c in enumerate(langs)}).to_numpy()
    data["genetic"] = rng.uniform(0, 1, len(data))  # typology unrelated to the scores
    data["y"] = 0.5 + 0.2 * sim[i, j] + 0.3 * mexa[j] + 0.02 * rng.normal(size=len(data))
    s, a, cfg = AS.read_run(run)
    assert a.loc["l00_Latn", "mexa"] == 1.0  # the pivot counts as perfectly aligned
    joined, notes = AS.add_predictors(data.assign(tgt=data.tgt.replace("l29_Latn", "zzz_Latn")), s, a)
    assert notes == ["similarity: excluded 5 pairs because the similarity run lacks 1 language(s): zzz_Latn"]
    joined, _ = AS.add_predictors(data, s, a)
    assert joined["model_similarity"].to_numpy() == pytest.approx(sim[i, j])
    assert joined["tgt_mexa"].to_numpy() == pytest.approx(np.where(j == 0, 1.0, mexa[j]))
    table, ranking, _ = AS.compare(joined, ["genetic"])
    t = table.set_index("predictors")
    assert t.loc["similarity", "loo_r2"] > 0.9 and t.loc["typology", "loo_r2"] < 0.05
    assert t.loc["both", "loo_r2"] > 0.9 and (t["pairs"] == len(data)).all()
    # the same numbers as the analysis's own LOO functions on the same pairs
    want, _ = A.r2_mae(joined["y"], A.loo_target(joined, ["genetic"]))
    assert t.loc["typology", "loo_r2"] == pytest.approx(want)
    assert t.loc["raw_model_similarity", "ndcg3"] > 0.8 and len(ranking) == 30


def test_analyze_with_a_similarity_run_end_to_end(tmp_path):
    pytest.importorskip("urielplus")
    from tests.test_typology import LANGS, _synthetic_run
    from xling import typology

    cache = tmp_path / "uriel"
    typ = typology.table(LANGS, mode="original", cache_dir=cache, progress=False)
    run = _synthetic_run(tmp_path, typ)
    rng = np.random.default_rng(1)
    g = typ.pairs.pivot_table(index="src", columns="tgt", values="genetic").reindex(index=LANGS, columns=LANGS)
    sim = 1 - g.fillna(0.5).to_numpy() + 0.05 * rng.normal(size=(16, 16))
    sim = (sim + sim.T) / 2
    np.fill_diagonal(sim, 1.0)
    simrun = _sim_run(tmp_path / "simrun", LANGS, sim, rng.uniform(0.5, 1, 16), rng.uniform(0.5, 1, 16))
    out = A.main([str(run)], uriel="original", cache_dir=cache, progress=False, similarity=str(simrun))
    assert "similarity as predictor (LOO-target R^2 / NDCG@3): typology" in out
    report = (run / "analysis.md").read_text()
    assert "## The model's language geometry as a predictor" in report
    assert report.index("## The model's language geometry") < report.index("## URIEL coverage")
    pairs = pd.read_csv(run / "similarity_pairs.csv")
    assert len(pairs) == 90 and {"model_similarity", "tgt_mexa"} <= set(pairs.columns)
    # the typology row is the analysis's own LOO R^2 (all 90 pairs are covered)
    loo = float(out.split("leave-one-target-out R^2 ")[1].split()[0])
    typ_r2 = float(out.split("similarity as predictor (LOO-target R^2 / NDCG@3): typology ")[1].split()[0])
    assert typ_r2 == pytest.approx(loo, abs=1e-4)
    with pytest.raises(XlingError, match="not a readable xling similarity run"):
        A.main([str(run)], uriel="original", cache_dir=cache, progress=False, similarity=str(tmp_path))
    with pytest.raises(XlingError, match="unknown option"):
        A.main([str(run)], colour="red")
