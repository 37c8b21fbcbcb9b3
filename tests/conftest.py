"""Shared fixtures. Real data is read in place from XLING_DATA (default ../shared/data)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLING_DATA") or ROOT.parent / "shared" / "data").resolve()


def need_data(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not found at {path} (set XLING_DATA to the shared data mirror)")
    return path


@pytest.fixture
def data_dir() -> Path:
    return need_data()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Every test gets its own cache and never writes to the user's directories."""
    monkeypatch.setenv("XLING_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("XLING_DATA", raising=False)


@pytest.fixture
def mini_mirror(tmp_path) -> Path:
    """A small local mirror with the upstream layout: SIB-200 (eng, deu, zho) and Tatoeba
    (deu, cmn), real files copied from the shared data (tests corrupt these copies)."""
    src = need_data()
    dst = tmp_path / "mirror"
    for lang in ("eng_Latn", "deu_Latn", "zho_Hans"):
        d = dst / "sib-200/data/annotated" / lang
        d.mkdir(parents=True)
        for split in ("train", "dev", "test"):
            shutil.copy(src / "sib-200/data/annotated" / lang / f"{split}.tsv", d / f"{split}.tsv")
    t = dst / "tatoeba/data/tatoeba/v1"
    t.mkdir(parents=True)
    for lang in ("deu", "cmn"):
        for side in (lang, "eng"):
            shutil.copy(src / f"tatoeba/data/tatoeba/v1/tatoeba.{lang}-eng.{side}", t)
    return dst


# tiny random causal checkpoints (built per test module) and the 127.0.0.1 server fixture the
# language-model tests share; lm_helpers is imported only by tests that use them
@pytest.fixture(scope="module")
def gpt2_dir(tmp_path_factory):
    from tests.lm_helpers import checkpoint
    return checkpoint("gpt2", tmp_path_factory)


@pytest.fixture(scope="module")
def llama_dir(tmp_path_factory):
    from tests.lm_helpers import checkpoint
    return checkpoint("llama", tmp_path_factory)


@pytest.fixture
def serve():
    from tests.lm_helpers import servers
    with servers() as start:
        yield start
