"""A deterministic, dependency-free encoder for tests: hashed character trigrams.

Texts sharing words land close together, so probes learn something and translations
that share names and numbers find each other. ``calls`` counts texts encoded.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from . import Backend


class FakeEncoder:
    """``fake[:dim][:delay=SECONDS][:log=PATH][:nan=TEXT]`` as a spec: ``delay`` sleeps per
    text (to make runs slow enough to interrupt), ``log`` appends a line per encoded text,
    ``nan`` returns NaN for texts containing TEXT (to test refusal of bad model output)."""

    def __init__(self, dim: int = 64, delay: float = 0.0, log: str | None = None, nan: str | None = None):
        self.dim = dim
        self.name = f"fake@{dim}"
        self.calls = 0
        self.delay, self.log, self.nan = delay, log, nan

    @classmethod
    def from_spec(cls, arg: str) -> "FakeEncoder":
        from ..errors import XlingError

        kw: dict = {}
        for part in filter(None, arg.split(":")):
            key, eq, value = part.partition("=")
            try:
                if not eq:
                    kw["dim"] = int(part)
                elif key == "delay":
                    kw["delay"] = float(value)
                elif key in ("log", "nan"):
                    kw[key] = value
                else:
                    raise ValueError
            except ValueError:
                raise XlingError(f"model spec 'fake:{arg}': expected fake[:dim][:delay=S][:log=PATH][:nan=TEXT]") from None
        return cls(**kw)

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
        if self.delay:
            import time

            time.sleep(self.delay * len(texts))
        out = np.stack([self._vec(t, role) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        if self.nan:
            out[[self.nan in t for t in texts]] = np.nan
        if self.log:
            with open(self.log, "a", encoding="utf-8") as f:
                f.writelines(hashlib.sha256(f"{role}\0{t}".encode()).hexdigest() + "\n" for t in texts)
        return out


def make(arg: str = "", **_options) -> FakeEncoder:
    return FakeEncoder.from_spec(arg)


BACKEND = Backend("fake", make, ("Encoder",), offline=True, usage="fake[:dim][:delay=S][:log=PATH][:nan=TEXT]",
                  summary="deterministic hashed character trigrams, for tests")
