"""``xling similarity --limit N`` (the first N sentence pairs of each language), ``--dry-run``
(what would be embedded, nothing else run) and a truthful count for a model outside the
embedding cache (charngram used to print "0 texts encoded, 0 from the cache")."""
import re

import numpy as np
import pytest

from xling import similarity as S
from xling.cli import main as cli
from xling.errors import XlingError
from xling.models.fake import FakeEncoder
from xling.similarity_study import SimilarityConfig, plan_similarity, run_similarity


def _cfg(mirror, tmp_path, **kw):
    base = dict(model="fake", langs="deu_Latn,zho_Hans", data_dir=mirror, cache_dir=tmp_path / "cache",
                out_dir=tmp_path / "runs", uriel="none", permutations=99, progress=False)
    return SimilarityConfig(**{**base, **kw})


def _args(mirror, tmp_path, *more):
    return ["similarity", "--model", "fake", "--lang", "deu_Latn,zho_Hans", "--data-dir", str(mirror),
            "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "runs"), "--uriel", "none",
            "--permutations", "99", *more]


def _first_pairs(mirror, lang, n):
    from xling import data, parallel, plugins

    task = plugins.get_task("sib200")
    pairs, _ = parallel.read(task, [lang], "eng_Latn", data.source_for(mirror))
    p = [p for p in pairs if p.lang == lang][0]
    return p.texts[:n], p.pivot[:n]


def test_limit_takes_the_first_n_pairs_of_each_language(mini_mirror, tmp_path):
    r = run_similarity(_cfg(mini_mirror, tmp_path, sentences=7))
    assert r.model_calls == 3 * 7  # eng, deu, zho: 7 sentences each, nothing more
    a = r.alignment.set_index("lang")
    assert list(a["sentences"]) == [7, 7]
    fake = FakeEncoder(64)
    for lang in ("deu_Latn", "zho_Hans"):
        X, P = (fake.encode(t, "query") for t in _first_pairs(mini_mirror, lang, 7))
        assert a.loc[lang, "mexa"] == pytest.approx(S.mexa(X, P), abs=1e-12)
        assert a.loc[lang, "mean_cosine"] == pytest.approx(S.mean_cosine(X, P), abs=1e-6)
    again = run_similarity(_cfg(mini_mirror, tmp_path, sentences=7, out_dir=tmp_path / "again"))
    assert again.model_calls == 0 and again.cache_hits == 21  # the same 21 texts: deterministic
    np.testing.assert_array_equal(again.similarity.to_numpy(), r.similarity.to_numpy())
    assert "only the first 7 sentence pairs of each language (--limit)" in r.notes


def test_limit_on_the_command_line_and_its_bad_values(mini_mirror, tmp_path, capsys):
    assert cli(_args(mini_mirror, tmp_path, "--limit", "5")) == 0
    out = capsys.readouterr().out
    assert "3 languages; 15 texts encoded, 0 from the cache" in out
    assert cli(_args(mini_mirror, tmp_path, "--limit", "1")) == 2
    err = capsys.readouterr().err.strip()
    assert err == "xling: error: --limit 1: alignment (MEXA) needs at least 2 sentence pairs per language"
    assert cli(_args(mini_mirror, tmp_path, "--limit", "0")) == 2
    assert "--limit: must be a positive number, got 0" in capsys.readouterr().err


def test_dry_run_counts_texts_and_cache_misses_and_writes_nothing(mini_mirror, tmp_path, capsys):
    run_similarity(_cfg(mini_mirror, tmp_path, sentences=4))  # 12 texts cached
    before = sorted(str(f) for f in (tmp_path / "runs").rglob("*"))
    assert cli(_args(mini_mirror, tmp_path, "--limit", "10", "--dry-run")) == 0
    out = capsys.readouterr().out
    assert "plan: similarity x fake@64, 3 languages (pivot eng_Latn; deu_Latn, zho_Hans)" in out
    assert "sentences: 30; distinct texts to embed: 30 (18 not in the cache)" in out
    rate = re.search(r"estimated time to embed them: about \d+ s \(measured ([\d.]+) texts/s, warm; the (\d+) "
                     r"texts measured are cached\)", out)
    assert rate and float(rate.group(1)) > 0 and int(rate.group(2)) == 18  # few misses: all of them measured
    assert sorted(str(f) for f in (tmp_path / "runs").rglob("*")) == before  # no run directory, no file
    plan = plan_similarity(_cfg(mini_mirror, tmp_path, sentences=10))
    assert (plan.texts, plan.misses, plan.estimate) == (30, 0, None)  # the measurement cached what it embedded


def test_a_model_outside_the_cache_says_how_many_texts_it_featurised(mini_mirror, tmp_path, capsys):
    assert cli(_args(mini_mirror, tmp_path, "--limit", "6")[:2] + ["charngram"]
               + _args(mini_mirror, tmp_path, "--limit", "6")[3:]) == 0
    out = capsys.readouterr().out
    line = [ln for ln in out.splitlines() if ln.startswith("3 languages;")][0]
    assert re.fullmatch(r"3 languages; 18 texts featurised \(charngram@\S+: not cached\); [\d.]+ s", line)
    md = next((tmp_path / "runs").glob("*/similarity.md")).read_text()
    assert "18 texts featurised (charngram@" in md and "outside the embedding cache" in md
    assert cli(_args(mini_mirror, tmp_path, "--dry-run")[:2] + ["charngram"]
               + _args(mini_mirror, tmp_path, "--dry-run")[3:]) == 0
    out = capsys.readouterr().out
    assert "distinct texts to embed: 3,012 (charngram@" in out and "not cached, every text is featurised" in out


def test_limit_and_dry_run_pass_through_main(mini_mirror, tmp_path):
    from xling.similarity_study import main

    with pytest.raises(XlingError, match="unknown option"):
        main("fake", sentences_per_lang=3)
    text = main("fake", lang="deu_Latn", limit=3, dry_run=True, data_dir=mini_mirror,
                cache_dir=tmp_path / "cache", out=tmp_path / "runs", progress=False)
    assert "sentences: 6; distinct texts to embed: 6 (6 not in the cache)" in text
    assert not (tmp_path / "runs").exists()
