"""URIEL typology through urielplus (the original URIEL data: seconds to load; the integrated
URIEL+ build takes minutes and is exercised by the real study) and ``xling analyze`` end to end."""
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("urielplus")

from xling import typology as T  # noqa: E402
from xling.cli import main  # noqa: E402
from xling.errors import XlingError  # noqa: E402

LANGS = ["eng_Latn", "deu_Latn", "fra_Latn", "rus_Cyrl", "hin_Deva", "zho_Hans", "ara_Arab", "swa_Latn", "fin_Latn",
         "eus_Latn", "jpn_Jpan", "yor_Latn", "tur_Latn", "ind_Latn", "nob_Latn", "spa_Latn"]


def _package_files():
    import urielplus

    root = Path(urielplus.__file__).resolve().parent
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if "__pycache__" not in p.parts}


@pytest.fixture(scope="session")
def uriel(tmp_path_factory):
    """The typology of LANGS (original URIEL), built once per test session in its own cache."""
    cache = tmp_path_factory.mktemp("uriel-cache")
    before = _package_files()
    typ = T.built_table(LANGS, mode="original", cache_dir=cache, progress=False)
    return {"typ": typ, "cache": cache, "before": before, "after": _package_files()}


@pytest.fixture(scope="session")
def uriel_object(uriel):
    return T.load_uriel("original", uriel["cache"], progress=False)


def _d(typ, a, b, col):
    return float(typ.lookup(a, b)[col])


def test_distances_are_urielplus_new_distance(uriel, uriel_object):
    import logging

    typ, u = uriel["typ"], uriel_object
    logging.getLogger().setLevel(logging.WARNING)
    checked = 0
    for cat in T.DISTANCES:
        for a in LANGS[:6]:
            for b in LANGS[:6]:
                if a >= b:
                    continue
                r = typ.lookup(a, b)
                try:
                    ref = float(u.new_distance(cat, [r.src_uriel, r.tgt_uriel]))
                except ValueError:  # urielplus: no shared features
                    assert np.isnan(r[cat]) and r[f"n_{cat}"] == 0
                    continue
                assert r[cat] == pytest.approx(ref, abs=1e-6), (cat, a, b)
                checked += 1
    assert checked > 90
    assert set(typ.meta["checked_against_new_distance_max_abs_diff"].values()) == {0.0}


def test_known_values_and_flags(uriel):
    typ = uriel["typ"]
    # different top-level families: disjoint lineage vectors, angular distance exactly 1
    assert _d(typ, "eng_Latn", "zho_Hans", "genetic") == 1.0
    assert 0 < _d(typ, "eng_Latn", "deu_Latn", "genetic") < _d(typ, "eng_Latn", "rus_Cyrl", "genetic") < 1
    assert _d(typ, "eng_Latn", "deu_Latn", "geographic") < _d(typ, "eng_Latn", "jpn_Jpan", "geographic")
    assert _d(typ, "deu_Latn", "deu_Latn", "syntactic") == 0.0
    r = typ.lookup("eng_Latn", "deu_Latn")
    assert (r.same_family, r.same_script, r.src_uriel, r.tgt_uriel) == (1, 1, "eng", "deu")
    r = typ.lookup("hin_Deva", "rus_Cyrl")
    assert (r.same_family, r.same_script) == (1, 0)
    assert typ.lookup("ara_Arab", "swa_Latn").same_family == 0
    # symmetric, one row per ordered pair
    assert len(typ.pairs) == len(LANGS) ** 2
    assert _d(typ, "fin_Latn", "tur_Latn", "featural") == _d(typ, "tur_Latn", "fin_Latn", "featural")
    fam = typ.langs.set_index("lang")["family"]
    assert fam["fin_Latn"] == "Uralic" and fam["yor_Latn"] == "Atlantic-Congo" and fam["zho_Hans"] == "Sino-Tibetan"
    # Basque: an empty lineage (isolate) -> unrelated to everything; Bokmal: an all-zero URIEL
    # genetic vector despite a lineage -> missing, never a made-up 0
    assert _d(typ, "eus_Latn", "spa_Latn", "genetic") == 1.0 and fam["eus_Latn"] == "Basque (isolate)"
    assert np.isnan(_d(typ, "nob_Latn", "deu_Latn", "genetic")) and typ.lookup("nob_Latn", "deu_Latn").same_family == 1
    assert typ.meta["isolates_set_to_genetic_1"] == ["eus_Latn"]
    assert typ.meta["zero_genetic_vector_set_missing"] == ["nob_Latn"]


def test_macrolanguage_codes_map_both_ways():
    assert T.candidates("ara_Arab") == [("ara", "own code"), ("arb", "dominant member of the macrolanguage")]
    assert ("swh", "dominant member of the macrolanguage") in T.candidates("swa_Latn")
    assert ("cmn", "dominant member of the macrolanguage") in T.candidates("zho_Hant")
    assert ("zsm", "dominant member of the macrolanguage") in T.candidates("msa_Latn")
    assert T.candidates("prs_Arab") == [("prs", "own code"), ("fas", "its macrolanguage")]
    assert ("lvs", "dominant member of the macrolanguage") in T.candidates("lav_Latn")


def test_urielplus_package_folder_is_never_written(uriel):
    assert uriel["before"] == uriel["after"]
    work = Path(uriel["cache"]) / "urielplus-{}".format(T._uriel_version()) / "database"
    assert (work / "features.npz").exists() and (work / "urielplus_csvs" / "lang_fam_geo.csv").exists()


def test_tables_are_cached_as_csv_and_reused_without_urielplus(uriel, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("rebuilt instead of read from the cache")

    monkeypatch.setattr(T, "_build", boom)
    again = T.built_table(list(reversed(LANGS)), mode="original", cache_dir=uriel["cache"], progress=False)
    pd.testing.assert_frame_equal(again.pairs, uriel["typ"].pairs, check_dtype=False)
    files = sorted(p.name for p in (Path(uriel["cache"]) / "typology").iterdir())
    assert [f.rsplit(".", 2)[-2:] for f in files] == [["langs", "csv"], ["meta", "json"], ["pairs", "csv"]]


def test_unwritable_cache_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(XlingError, match="cannot copy URIEL\\+ data .* writable directory"):
        T.built_table(["eng_Latn", "deu_Latn"], mode="original", cache_dir=blocker / "cache", progress=False)


def _no_build(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("built with urielplus instead of read from the shipped table")

    monkeypatch.setattr(T, "_build", boom)
    monkeypatch.setattr(T, "load_uriel", boom)


def test_shipped_table_equals_urielplus_original_on_a_sample(uriel, monkeypatch):
    """The shipped table gives exactly what urielplus computes for a sample of languages (the
    fixture's: built with urielplus), in the caller's order, and the coverage text analysis.md
    prints is the same."""
    _no_build(monkeypatch)
    shipped = T.table(LANGS, mode="original", progress=False)
    assert shipped.meta["shipped"] == "typology-original.npz"
    pd.testing.assert_frame_equal(shipped.pairs, uriel["typ"].pairs)
    pd.testing.assert_frame_equal(shipped.langs, uriel["typ"].langs)
    assert T.coverage(shipped) == T.coverage(uriel["typ"])
    assert list(shipped.pairs["src"][:3]) == ["eng_Latn"] * 3 and shipped.pairs["tgt"][1] == "deu_Latn"


def test_shipped_tables_cover_every_task_language_in_both_modes():
    from xling.typology_build import task_languages

    langs = task_languages()
    assert len(langs) > 250
    for mode in T.MODES:
        typ = T.shipped(langs, mode)
        assert typ is not None and len(typ.pairs) == len(langs) ** 2, mode
        assert T.shipped_path(mode).stat().st_size < 3_000_000  # package data stays small
        r = typ.lookup("eng_Latn", "deu_Latn")
        assert 0 < r.genetic < 1 and r.n_syntactic > 20 and r.same_family == 1, mode


def test_a_language_outside_the_shipped_table_is_built_with_progress(uriel, capsys):
    typ = T.table(LANGS[:3] + ["uly_Latn"], mode="original", cache_dir=uriel["cache"], progress=True)
    err = capsys.readouterr().err
    assert "building the typology of 4 languages with urielplus" in err
    assert "shipped" not in typ.meta and typ.missing == ["uly_Latn"]


@pytest.mark.slow
def test_shipped_table_equals_urielplus_plus_on_a_sample(tmp_path):
    """URIEL+ integrated (about two minutes, 4 GB): the shipped plus table equals a fresh build."""
    sample = ["eng_Latn", "deu_Latn", "swa_Latn", "yor_Latn", "eus_Latn", "zho_Hans", "ara_Arab", "hin_Deva",
              "quy_Latn", "nob_Latn", "ace_Arab", "tur_Latn"]  # canonical codes, as table() passes them
    built = T.built_table(sample, mode="plus", cache_dir=tmp_path, progress=False)
    shipped = T.shipped(sample, "plus")
    assert shipped is not None, "a sample language is missing from the shipped table"
    pd.testing.assert_frame_equal(shipped.pairs, built.pairs)
    pd.testing.assert_frame_equal(shipped.langs, built.langs)


def test_coverage_report(uriel):
    text = T.coverage(uriel["typ"], "test languages")
    assert f"| genetic | {len(LANGS) - 1}/{len(LANGS)} | nob_Latn |" in text
    assert "Not in URIEL at all: 0." in text and "isolate" in text


# ------------------------------------------------------------------------------------------ analyze


def _synthetic_run(root: Path, typ, extra_target: str | None = None) -> Path:
    """A matrix run's results.jsonl: score = 0.75 - 0.2 genetic - 0.1 geographic + small source and target
    effects + noise, over LANGS[:6] x LANGS (and one target URIEL does not know)."""
    rng = np.random.default_rng(0)
    run = root / "run"
    run.mkdir(parents=True)
    rows = []
    targets = LANGS + ([extra_target] if extra_target else [])
    s_eff = {s: rng.normal(0, 0.01) for s in LANGS[:6]}
    t_eff = {t: rng.normal(0, 0.02) for t in targets}
    for s in LANGS[:6]:
        for t in targets:
            if t in LANGS:
                r = typ.lookup(s, t)
                g = 0.5 if np.isnan(r.genetic) else r.genetic
                y = 0.75 - 0.2 * g - 0.1 * r.geographic + s_eff[s] + t_eff[t] + rng.normal(0, 0.02)
            else:
                y = 0.5
            for metric, value in (("acc", y), ("macro_f1", y - 0.05)):
                rows.append({"model": "fake@64", "task": "sib200", "task_version": "1", "setting": "matrix",
                             "train_lang": s, "train_split": "train", "shots": "", "test_lang": t, "query_lang": "",
                             "split": "test", "metric": metric, "value": float(y if metric == "acc" else value),
                             "n": 204, "ci_low": 0, "ci_high": 1, "seed": 0, "data": "", "signature": "",
                             "harness_version": "0", "run_id": "run"})
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return run


def test_analyze_end_to_end(uriel, tmp_path, capsys, monkeypatch):
    _no_build(monkeypatch)  # every language is in the shipped table: urielplus is never loaded
    run = _synthetic_run(tmp_path, uriel["typ"])
    code = main(["analyze", str(run), "--uriel", "original", "--cache-dir", str(uriel["cache"])])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "excluded 6 pairs because source == target (in-language, not transfer)" in out
    assert "pairs: 90 (6 sources x 16 targets)" in out
    report = (run / "analysis.md").read_text()
    for part in ("## OLS on standardised predictors", "two-way by source (6) and target (16)", "leave-one-target-language-out",
                 "## Mixed model", "## Variance inflation factors", "NDCG@3", "genetic_baseline", "## URIEL coverage"):
        assert part in report, part
    for png in ("heatmap.png", "coefficients.png", "predicted_vs_observed.png"):
        assert (run / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(run.glob(".*.tmp"))  # atomic writes leave no temporary files
    pairs = pd.read_csv(run / "pairs.csv")
    assert len(pairs) == 90 and {"loo_pred", "genetic", "same_family"} <= set(pairs.columns)
    # the genetic effect dominates the synthetic scores: negative, its CI excludes 0
    line = next(x for x in out.splitlines() if x.strip().startswith("genetic"))
    coef, lo, hi = [float(v.strip("[],")) for v in line.split()[1:4]]
    assert coef < 0 and hi < 0
    loo = float(out.split("leave-one-target-out R^2 ")[1].split()[0])
    assert loo > 0.3


def test_analyze_predicts_a_pair_not_run(uriel, tmp_path, capsys):
    run = _synthetic_run(tmp_path, uriel["typ"])
    code = main(["analyze", str(run), "--uriel", "original", "--cache-dir", str(uriel["cache"]),
                 "--predict", "fi", "jpn_Jpan"])
    out = capsys.readouterr().out
    assert code == 0
    line = next(x for x in out.splitlines() if "OLS on typology" in x)
    fit = float(line.split(":")[1].split()[0])
    lo, hi = [float(v) for v in line.split("prediction interval ")[1].rstrip(")").split(" .. ")]
    assert lo < fit < hi and 0.2 < fit < 0.9
    assert "source unseen: its variance" in out and "target effect" in out


def test_analyze_says_which_pairs_it_excluded_for_missing_uriel_languages(uriel, tmp_path, capsys):
    run = _synthetic_run(tmp_path, uriel["typ"], extra_target="uly_Latn")  # Buli: not in the original URIEL
    code = main(["analyze", str(run), "--uriel", "original", "--cache-dir", str(uriel["cache"])])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "excluded 6 pairs because URIEL has no data for 1 language(s): uly_Latn" in out
    assert "pairs: 90 (6 sources x 16 targets)" in out
