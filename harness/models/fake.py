"""A deterministic, dependency-free encoder for tests: hashed character trigrams.

Texts sharing words land close together, so probes learn something and translations
that share names and numbers find each other. ``calls`` counts texts encoded.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


class FakeEncoder:
    def __init__(self, dim: int = 64):
        self.dim = dim
        self.name = f"fake@{dim}"
        self.calls = 0

    def _vec(self, text: str, role: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        padded = f"  {text.lower()}  "
        for i in range(len(padded) - 2):
            h = int.from_bytes(hashlib.blake2b(padded[i:i + 3].encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        if role == "passage":
            v[0] += 0.5
        n = np.linalg.norm(v)
        return v / n if n else v

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        self.calls += len(texts)
        return np.stack([self._vec(t, role) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
