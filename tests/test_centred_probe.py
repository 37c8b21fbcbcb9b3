"""--centre: probes subtract each language's mean embedding (xling.centring) before training and
testing, so a constant language offset in the embedding space cannot hurt zero-shot transfer."""
from __future__ import annotations

import numpy as np

from xling.api import evaluate
from xling.models.fake import FakeEncoder


class Offset(FakeEncoder):
    """The fake encoder, with a large constant offset added to the texts of one language."""

    def __init__(self, texts, dim=1024):
        super().__init__(dim)
        self.shifted = set(texts)
        self.offset = np.random.default_rng(1).normal(0, 1, dim).astype(np.float32)
        self.name = f"offset@{dim}"

    def encode(self, texts, role):
        out = super().encode(texts, role)
        return out + np.outer([t in self.shifted for t in texts], self.offset).astype(np.float32)


def _acc(rep) -> dict:
    df = rep.frame()
    return df[df.metric == "acc"].set_index("test_lang").value.to_dict()


def test_centring_removes_a_planted_language_offset(mini_mirror, tmp_path):
    from xling.data import Local
    from xling.plugins import get_task

    task = get_task("sib200")
    deu = [e.text for split in ("train", "test") for e in task.load("deu_Latn", split, Local(mini_mirror))]
    kw = dict(langs="deu_Latn", setting="zero_shot", train_langs="eng_Latn", data_dir=mini_mirror, progress=False)
    plain = _acc(evaluate("sib200", FakeEncoder(1024), out_dir=tmp_path / "a", **kw))
    shifted = _acc(evaluate("sib200", Offset(deu), out_dir=tmp_path / "b", **kw))
    centred_plain = evaluate("sib200", FakeEncoder(1024), out_dir=tmp_path / "c", options={"centre": True}, **kw)
    centred_shifted = _acc(evaluate("sib200", Offset(deu), out_dir=tmp_path / "d", options={"centre": True}, **kw))
    assert shifted["deu_Latn"] < plain["deu_Latn"] - 0.1  # the offset hurts transfer ...
    assert abs(centred_shifted["deu_Latn"] - _acc(centred_plain)["deu_Latn"]) < 1e-9  # ... centring undoes it
    sig = centred_plain.frame().signature.iloc[0]
    assert "prompt:centred" in sig and "centre" in (tmp_path / "c").joinpath(
        next((tmp_path / "c").iterdir()).name, "config.json").read_text()
