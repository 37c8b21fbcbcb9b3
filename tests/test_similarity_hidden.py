"""Per-layer pooled hidden states (xling.models.hidden) of tiny random checkpoints: an encoder
(BERT) and a causal LM (GPT-2), each pooling checked against a direct computation on one
unpadded sentence (as MEXA embeds), and batches equal to sentence-by-sentence results."""
import numpy as np
import pytest

from tests.helpers import CHARS, tiny_bert

TEXTS = ["der hund läuft schnell.", "a", "el gato duerme en la casa, y no quiere salir hoy!", "我是中国人"]


def tiny_gpt2(path):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tiny_bert(path / "tok")  # borrow its tokenizer
    tok = transformers.AutoTokenizer.from_pretrained(path / "tok")
    torch.manual_seed(0)
    cfg = transformers.GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=3, n_head=2, n_positions=128)
    transformers.GPT2LMHeadModel(cfg).save_pretrained(path / "gpt")
    tok.save_pretrained(path / "gpt")
    return path / "gpt"


def _direct(path, text, auto="AutoModel"):
    """Hidden states of one sentence, no padding: (layers, tokens, dims)."""
    import torch
    import transformers

    tok = transformers.AutoTokenizer.from_pretrained(path)
    model = getattr(transformers, auto).from_pretrained(path).eval()
    enc = tok([text], return_tensors="pt")
    with torch.no_grad():
        out = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], output_hidden_states=True)
    return torch.stack(out.hidden_states, 1)[0].numpy()


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpt")
    return {"bert": tiny_bert(root / "bert"), "gpt2": tiny_gpt2(root / "g")}


@pytest.mark.parametrize("kind", ["bert", "gpt2"])
def test_pooled_layers_equal_a_direct_computation_per_sentence(checkpoints, kind):
    from xling.models.hf import HFOptions
    from xling.models.hidden import LayerEncoder

    path = checkpoints[kind]
    n_layers = 3 if kind == "bert" else 4  # embeddings + 2 (BERT) or 3 (GPT-2) blocks
    for pooling in ("weighted", "last", "mean"):
        enc = LayerEncoder(str(path), pooling, HFOptions(device="cpu", batch_size=3))
        assert enc.layers == n_layers and enc.dim == 32
        assert enc.name.endswith(f"#layers-{pooling}") and enc.name.startswith(f"hf:{path}@")
        rows = enc.encode(TEXTS, "query")
        assert rows.shape == (len(TEXTS), n_layers * 32) and rows.dtype == np.float32
        got = enc.split(rows)
        for i, text in enumerate(TEXTS):
            h = _direct(path, text)  # (layers, T, dims)
            T = h.shape[1]
            if pooling == "weighted":  # MEXA: weights 1..T
                w = np.arange(1, T + 1, dtype=np.float64)
                want = (h * w[None, :, None]).sum(1) / w.sum()
            elif pooling == "last":
                want = h[:, -1]
            else:
                want = h.mean(1)
            np.testing.assert_allclose(got[i], want, rtol=2e-4, atol=2e-5, err_msg=f"{kind} {pooling} {text!r}")


def test_causal_lm_hidden_states_are_those_of_its_base_model(checkpoints):
    """AutoModel on a GPT2LMHeadModel checkpoint gives the same hidden states as the LM."""
    path = checkpoints["gpt2"]
    np.testing.assert_allclose(_direct(path, TEXTS[0]), _direct(path, TEXTS[0], "AutoModelForCausalLM"), atol=1e-6)


def test_pool_works_on_numpy_and_ignores_padding():
    from xling.errors import XlingError
    from xling.models.hidden import pool

    h = np.arange(2 * 4 * 2, dtype=float).reshape(2, 4, 2)
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]])
    np.testing.assert_allclose(pool(h, mask, "last")[0], h[0, 2])
    np.testing.assert_allclose(pool(h, mask, "mean")[0], h[0, :3].mean(0))
    np.testing.assert_allclose(pool(h, mask, "weighted")[0], (h[0, :3] * [[1], [2], [3]]).sum(0) / 6)
    np.testing.assert_allclose(pool(h, mask, "weighted")[1], (h[1] * [[1], [2], [3], [4]]).sum(0) / 10)
    with pytest.raises(XlingError, match="unknown pooling"):
        pool(h, mask, "max")


def test_layered_similarity_study_on_a_tiny_checkpoint(checkpoints, mini_mirror, tmp_path):
    """hf: specs run per layer: alignment per layer and MEXA's pooling over layers."""
    from xling.similarity_study import SimilarityConfig, run_similarity

    cfg = SimilarityConfig(model=f"hf:{checkpoints['bert']}", langs="deu_Latn,zho_Hans", data_dir=mini_mirror,
                           cache_dir=tmp_path / "cache", out_dir=tmp_path / "runs", uriel="none", pooling="weighted",
                           sentences=150, mexa_sentences=100, progress=False)
    r = run_similarity(cfg)
    assert r.n_layers == 3 and r.layer == 2
    assert sorted(r.layers["layer"].unique()) == [0, 1, 2] and len(r.layers) == 2 * 3  # deu, zho (not the pivot)
    assert set(r.layers["sentences"]) == {150}
    assert {"mexa_mean_layers", "mexa_max_layers", "mexa_best_layer"} <= set(r.alignment.columns)
    deu = r.layers[r.layers.lang == "deu_Latn"].set_index("layer")
    row = r.alignment.set_index("lang").loc["deu_Latn"]
    assert row["mexa"] == deu.loc[2, "mexa"] and row["mexa_max_layers"] == deu["mexa"].max()
    assert row["mexa_mean_layers"] == pytest.approx(deu["mexa"].mean())
    assert 0 < deu["mexa"].max() <= 1 and (r.similarity.to_numpy().diagonal() == pytest.approx(1.0))
    assert (r.run_dir / "alignment_layers.png").read_bytes()[:4] == b"\x89PNG"
    assert "pooling: position-weighted mean (MEXA)" in (r.run_dir / "similarity.md").read_text()
    again = run_similarity(cfg)
    assert again.model_calls == 0
