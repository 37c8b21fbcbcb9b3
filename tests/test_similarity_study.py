"""``run_similarity`` end to end with the ``fake`` encoder on a small SIB-200 / Tatoeba mirror:
the tables equal a direct computation, the run directory is complete, and a second run is
answered by the cache (no model call)."""
import json

import numpy as np
import pandas as pd
import pytest

from xling import similarity as S
from xling.errors import XlingError
from xling.models.fake import FakeEncoder
from xling.similarity_study import SimilarityConfig, main, run_similarity


def _cfg(mirror, tmp_path, **kw):
    base = dict(model="fake", langs="deu_Latn,zho_Hans", data_dir=mirror, cache_dir=tmp_path / "cache",
                out_dir=tmp_path / "runs", uriel="none", permutations=99, progress=False)
    return SimilarityConfig(**{**base, **kw})


def _sib(mirror, lang):
    from xling import data, plugins

    task, src = plugins.get_task("sib200"), data.source_for(mirror)
    return {e.id: e.text for split in ("train", "dev", "test") for e in task.load(lang, split, src)}


def test_sib200_study_equals_a_direct_computation_and_reuses_the_cache(mini_mirror, tmp_path):
    r = run_similarity(_cfg(mini_mirror, tmp_path))
    assert r.langs == ["eng_Latn", "deu_Latn", "zho_Hans"] and r.model_calls == 3 * 1004
    fake = FakeEncoder(64)
    eng = _sib(mini_mirror, "eng_Latn")
    ids = list(eng)
    P = fake.encode([eng[i] for i in ids], "query")
    vec = {"eng_Latn": np.zeros(64)}
    for lang in ("deu_Latn", "zho_Hans"):
        own = _sib(mini_mirror, lang)
        X = fake.encode([own[i] for i in ids], "query")
        row = r.alignment.set_index("lang").loc[lang]
        assert row["sentences"] == 1004
        assert row["mexa"] == pytest.approx(S.mexa(X, P), abs=1e-12)
        assert row["mean_cosine"] == pytest.approx(S.mean_cosine(X, P), abs=1e-6)
        vec[lang] = S.offset_vector(X, P)
    want = S.language_similarity(np.stack([vec[c] for c in r.langs]))
    np.testing.assert_allclose(r.similarity.to_numpy(), want, atol=1e-5)
    # German shares names, numbers and Latin script with English; Chinese hardly any trigram
    a = r.alignment.set_index("lang")
    assert a.loc["deu_Latn", "mexa"] > a.loc["zho_Hans", "mexa"]
    d = r.run_dir
    for f in ("similarity.md", "alignment.csv", "alignment_layers.csv", "similarity.csv", "similarity_raw.csv",
              "nearest.csv", "config.json"):
        assert (d / f).stat().st_size > 0, f
    for png in ("similarity_heatmap.png", "alignment.png"):
        assert (d / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(d.glob(".*.tmp"))
    csv = pd.read_csv(d / "similarity.csv", index_col="lang")
    np.testing.assert_allclose(csv.to_numpy(), r.similarity.to_numpy(), atol=1e-12)
    assert json.loads((d / "config.json").read_text())["langs"] == r.langs
    md = (d / "similarity.md").read_text()
    assert "## Alignment to eng_Latn" in md and "## Language x language similarity" in md and "Not run" in md
    again = run_similarity(_cfg(mini_mirror, tmp_path))  # warm cache: no model call, same numbers
    assert again.model_calls == 0 and again.cache_hits == 3 * 1004
    pd.testing.assert_frame_equal(again.alignment, r.alignment)


def test_mantel_tests_against_typology_in_the_report(mini_mirror, tmp_path):
    pytest.importorskip("urielplus")
    r = run_similarity(_cfg(mini_mirror, tmp_path, uriel="original"))
    m = r.mantel.set_index("distance")
    assert list(m.index) == ["genetic", "syntactic", "phonological", "inventory", "geographic", "featural"]
    assert (m["languages"] == 3).all() and (m["pairs"] == 3).all()
    assert m["p"].between(1 / 100, 1).all() and np.isnan(m.loc["geographic", "partial_r_geo"])
    assert np.isfinite(m.loc["genetic", "partial_r_geo"])
    text = (r.run_dir / "similarity.md").read_text()
    assert "## Mantel tests against URIEL distances" in text and "| genetic" in text
    table = text.split("## Mantel tests against URIEL distances")[1]
    assert "nan" not in table and "e+0" not in table  # counts print as integers, a test that does not apply as ""
    assert (r.run_dir / "mantel.csv").exists()


def test_tatoeba_pairs_each_language_with_its_own_english(mini_mirror, tmp_path):
    r = run_similarity(_cfg(mini_mirror, tmp_path, task="tatoeba", langs="deu,cmn"))
    assert r.langs[0] == "eng_Latn" and len(r.langs) == 3
    from xling import data, plugins

    task = plugins.get_task("tatoeba")
    ex = task.load(r.langs[1], "test", data.source_for(mini_mirror))
    fake = FakeEncoder(64)
    X, P = fake.encode([e.text for e in ex], "query"), fake.encode([e.text_pair for e in ex], "query")
    row = r.alignment.set_index("lang").loc[r.langs[1]]
    assert row["sentences"] == len(ex) and row["mexa"] == pytest.approx(S.mexa(X, P))
    both = [e for lang in r.langs[1:] for e in task.load(lang, "test", data.source_for(mini_mirror))]
    assert r.model_calls == len({e.text for e in both} | {e.text_pair for e in both})  # each distinct text once
    with pytest.raises(XlingError, match="pairs every language with eng_Latn only"):
        run_similarity(_cfg(mini_mirror, tmp_path, task="tatoeba", langs="deu", pivot="fra"))


def test_main_returns_the_summary_and_refuses_unknown_options(mini_mirror, tmp_path):
    text = main("fake", lang="deu_Latn", data_dir=mini_mirror, cache_dir=tmp_path / "c", out=tmp_path / "o",
                uriel="none", progress=False)
    assert "similarity.md" in text and "least aligned to eng_Latn" in text and "deu_Latn" in text
    with pytest.raises(XlingError, match="unknown option"):
        main("fake", colour="red")
    with pytest.raises(XlingError, match="not a language of task"):
        main("fake", lang="nav", data_dir=mini_mirror, progress=False)
