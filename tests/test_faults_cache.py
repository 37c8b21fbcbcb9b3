"""A damaged cache is caught (issue: NaN or overwritten vectors were used silently or crashed
sklearn; a corrupt database gave a traceback or blamed the directory).

Each case: a clean run fills the cache, the cache is damaged the way a disk, a crash or a
stray tool would, and the same command is run again into a fresh run directory. Damaged
entries are computed again (one warning line) and the rows equal the clean run's; a database
SQLite cannot read is one line naming it, with the way on (move it aside, --no-cache)."""
import json
import re
import shlex
import sqlite3
import subprocess
import tempfile

import numpy as np
import pytest

import xling
from tests.conftest import need_data as _real_data
from xling.cli import main
from xling.errors import XlingError

VOLATILE = ("time", "wall_s", "started")


def _run(capsys, mirror, out, cache, task="sib200", *extra):
    model, lang = ("fake-lm", "ita_Latn") if task == "xcopa" else ("fake:64", "deu_Latn,zho_Hans")
    argv = ["run", "--model", model, "--task", task, "--lang", lang, "--data-dir", str(mirror), "--out", str(out),
            "--no-board", *extra]
    if task == "sib200":
        argv += ["--setting", "zero_shot", "--train-lang", "eng_Latn"]
    if task == "xcopa":
        argv += ["--limit", "50"]
    if cache is not None:
        argv += ["--cache-dir", str(cache)]
    code = main(argv)
    _, err = capsys.readouterr()
    return code, err.strip()


def _rows(out) -> list[dict]:
    (run,) = [p for p in out.iterdir() if p.is_dir()]
    rows = [json.loads(x) for x in (run / "results.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in rows]


def _damage_vectors(db_path, share: float, how: str, seed: int = 0) -> int:
    """Overwrite ``share`` of the stored vectors in place (NaN, or 10.0 everywhere), leaving their checksums."""
    rng = np.random.default_rng(seed)
    with sqlite3.connect(db_path) as db:
        keys = [k for (k,) in db.execute("SELECT k FROM emb ORDER BY k")]
        hit = [keys[i] for i in rng.choice(len(keys), max(1, int(share * len(keys))), replace=False)]
        for k in hit:
            dim = db.execute("SELECT dim FROM emb WHERE k = ?", (k,)).fetchone()[0]
            vec = np.full(dim, np.nan if how == "nan" else 10.0, np.float32)
            db.execute("UPDATE emb SET v = ? WHERE k = ?", (vec.tobytes(), k))
    return len(hit)


@pytest.mark.parametrize("task,how", [("tatoeba", "nan"), ("sib200", "nan"), ("sib200", "ten")])
def test_damaged_vectors_are_computed_again(capsys, mini_mirror, tmp_path, task, how):
    cache = tmp_path / "cache"
    assert _run(capsys, mini_mirror, tmp_path / "clean", cache, task)[0] == 0
    n = _damage_vectors(cache / "embeddings.sqlite", 0.02, how)
    code, err = _run(capsys, mini_mirror, tmp_path / "again", cache, task)
    assert code == 0, err
    assert f"{n} damaged cache entries" in err and "computed again" in err
    assert f"model calls: {n}," in err  # exactly the damaged ones, nothing else
    assert _rows(tmp_path / "again") == _rows(tmp_path / "clean")
    code, err = _run(capsys, mini_mirror, tmp_path / "third", cache, task)  # repaired: no calls, no warning
    assert code == 0 and "model calls: 0," in err and "damaged cache entries" not in err


def test_a_cache_written_before_checksums_is_read_and_checked(capsys, mini_mirror, tmp_path):
    cache = tmp_path / "cache"
    assert _run(capsys, mini_mirror, tmp_path / "clean", cache)[0] == 0
    db_path = cache / "embeddings.sqlite"
    with sqlite3.connect(db_path) as db:  # the old layout: no h column
        db.execute("CREATE TABLE old AS SELECT k, dim, v FROM emb")
        db.execute("DROP TABLE emb")
        db.execute("CREATE TABLE emb (k BLOB PRIMARY KEY, dim INTEGER NOT NULL, v BLOB NOT NULL)")
        db.execute("INSERT INTO emb SELECT * FROM old")
        db.execute("DROP TABLE old")
    n = _damage_vectors(db_path, 0.02, "nan")
    code, err = _run(capsys, mini_mirror, tmp_path / "again", cache)
    assert code == 0 and f"{n} damaged cache entries" in err and f"model calls: {n}," in err
    assert _rows(tmp_path / "again") == _rows(tmp_path / "clean")


def _garble(db_path, offset: int, size: int) -> None:
    raw = bytearray(db_path.read_bytes())
    raw[offset:offset + size] = bytes((i * 37 + 11) % 256 for i in range(size))
    db_path.write_bytes(bytes(raw))


@pytest.mark.parametrize("where", ["middle", "header"])
def test_a_damaged_database_is_one_line_with_the_way_on(capsys, mini_mirror, tmp_path, where):
    cache = tmp_path / "cache"
    assert _run(capsys, mini_mirror, tmp_path / "clean", cache)[0] == 0
    db_path = cache / "embeddings.sqlite"
    with sqlite3.connect(db_path) as db:  # everything in the file itself, where the damage is read
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db_path.stat().st_size  # the header's first 100 bytes, or one page's worth mid-file
    _garble(db_path, 0 if where == "header" else size // 2, 100 if where == "header" else 4096)
    code, err = _run(capsys, mini_mirror, tmp_path / "again", cache)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert str(db_path) in err and "is damaged" in err and "writable directory" not in err
    assert f"(mv {shlex.quote(str(cache))} {shlex.quote(str(cache) + '.damaged')}) and rerun" in err
    assert err.endswith("or rerun with --no-cache")
    code, err = _run(capsys, mini_mirror, tmp_path / "nocache", None, "sib200", "--no-cache")
    assert code == 0, err
    assert _rows(tmp_path / "nocache") == _rows(tmp_path / "clean")
    assert _run(capsys, mini_mirror, tmp_path / "x", cache, "sib200", "--no-cache")[1].endswith(
        "--no-cache and --cache-dir conflict: give one of them")
    mv = re.search(r"\((mv .*)\) and rerun", _run(capsys, mini_mirror, tmp_path / "y", cache)[1]).group(1)
    assert subprocess.run(mv, shell=True).returncode == 0, mv  # the command as given works
    code, err = _run(capsys, mini_mirror, tmp_path / "moved", cache)
    assert code == 0 and "cache hits: 0" in err and (tmp_path / "cache.damaged" / "embeddings.sqlite").exists()
    assert _rows(tmp_path / "moved") == _rows(tmp_path / "clean")


def _damage_texts(db_path, n: int, legacy: bool) -> int:
    """Overwrite ``n`` cached log-likelihoods with NaN (their checksums left, or, for an entry
    written before checksums, none)."""
    with sqlite3.connect(db_path) as db:
        keys = [k for (k,) in db.execute("SELECT k FROM texts ORDER BY k LIMIT ?", (n,))]
        for k in keys:
            db.execute("UPDATE texts SET v = '[NaN, false, false]'" + (", h = NULL" if legacy else "") + " WHERE k = ?",
                       (k,))
    return len(keys)


@pytest.mark.parametrize("legacy", [False, True])
def test_damaged_log_likelihoods_are_computed_again(capsys, tmp_path, legacy):
    mirror = _real_data()
    cache = tmp_path / "cache"
    assert _run(capsys, mirror, tmp_path / "clean", cache, "xcopa")[0] == 0
    n = _damage_texts(cache / "embeddings.sqlite", 3, legacy)
    code, err = _run(capsys, mirror, tmp_path / "again", cache, "xcopa")
    assert code == 0 and f"{n} damaged cache entries" in err and f"model calls: {n}," in err, err
    assert _rows(tmp_path / "again") == _rows(tmp_path / "clean")
    code, err = _run(capsys, mirror, tmp_path / "third", cache, "xcopa")
    assert code == 0 and "model calls: 0," in err and "damaged cache entries" not in err


def test_python_api_runs_without_the_cache(mini_mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("XLING_CACHE", str(tmp_path / "damaged"))
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "embeddings.sqlite").write_bytes(b"garbage" * 1000)
    kw = dict(langs=["deu_Latn"], setting="zero_shot", train_langs=["eng_Latn"], data_dir=mini_mirror, progress=False)
    with pytest.raises(XlingError, match="is damaged"):
        xling.evaluate("sib200", "fake:64", out_dir=tmp_path / "a", **kw)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    report = xling.evaluate("sib200", "fake:64", out_dir=tmp_path / "b", no_cache=True, **kw)
    assert report.model_calls > 0 and report.cache_hits == 0 and len(report.rows) > 0
    assert (tmp_path / "damaged" / "embeddings.sqlite").read_bytes() == b"garbage" * 1000  # left as it was
    assert not list(tmp_path.glob("xling-no-cache-*"))  # the temporary cache is removed
    with pytest.raises(TypeError, match="conflict"):
        xling.evaluate("sib200", "fake:64", out_dir=tmp_path / "c", no_cache=True, cache_dir=tmp_path, **kw)


def test_both_checksum_versions_are_checked(tmp_path, capsys):
    """CRC-32 (now) and BLAKE2b-64 (the first checksummed caches): a sound entry is read, an
    entry whose value changed under either is a miss."""
    import hashlib

    from xling.cache import EmbeddingStore

    store = EmbeddingStore(tmp_path)
    vecs = np.arange(12, dtype=np.float32).reshape(3, 4)
    store.put([b"a", b"b", b"c"], vecs)
    old = hashlib.blake2b(b"b\x00" + vecs[1].tobytes(), digest_size=8).digest()
    store._db.execute("UPDATE emb SET h = ? WHERE k = ?", (old, b"b"))
    assert sorted(store.get([b"a", b"b", b"c"])) == [b"a", b"b", b"c"] and store.damaged == 0
    for k in (b"a", b"b"):  # overwritten with 10.0, still finite: only the checksum can tell
        store._db.execute("UPDATE emb SET v = ? WHERE k = ?", (np.full(4, 10.0, np.float32).tobytes(), k))
    got = store.get([b"a", b"b", b"c"])
    assert list(got) == [b"c"] and np.array_equal(got[b"c"], vecs[2]) and store.damaged == 2
    assert "2 damaged cache entries" in capsys.readouterr().err
