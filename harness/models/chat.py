"""What a generative backend sends besides the prompt: chat messages and decoding options.

* ``Decoding``: greedy (``temperature`` 0, the default) or sampled (``temperature`` > 0,
  ``top_p``, ``seed``), and ``max_new_tokens`` (tokens generated at most; it overrides the
  length the task asks for). ``params()`` is what goes into a backend's ``cache_params`` (so
  into every cache key and row signature); it is empty for greedy decoding at the task's
  length, so greedy caches and signatures are those of before.
* Seeded sampling never depends on which prompts share a batch: each prompt draws from its
  own generator, seeded from (seed, the prompt's hash) (``prompt_seed``).
* ``messages(prompt, system)``: the chat a prompt becomes (one user turn, after the system
  turn if any). ``records(model, prompts)``: per prompt, what the model was really sent
  (messages and, for a locally rendered chat template, the rendered text) and one hash of
  them all, for a solver to keep in its samples and in its row signature.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import XlingError


@dataclass(frozen=True)
class Decoding:
    temperature: float = 0.0  # 0: greedy
    top_p: float | None = None  # nucleus sampling (sampled decoding only)
    seed: int | None = None  # sampled decoding: the run's --seed
    max_new_tokens: int | None = None  # None: the length the task asks for

    def check(self) -> "Decoding":
        t = float(self.temperature)
        if t < 0:
            raise XlingError(f"--temperature must be at least 0, got {self.temperature}")
        if self.top_p is not None and not 0 < float(self.top_p) <= 1:
            raise XlingError(f"--top-p must be in (0, 1], got {self.top_p}")
        if self.top_p is not None and t == 0:
            raise XlingError("--top-p applies to sampled decoding: give --temperature above 0 too")
        if self.max_new_tokens is not None and int(self.max_new_tokens) < 1:
            raise XlingError(f"--max-new-tokens must be at least 1, got {self.max_new_tokens}")
        return self

    @property
    def sampled(self) -> bool:
        return float(self.temperature) > 0

    def tokens(self, asked: int) -> int:
        return int(self.max_new_tokens) if self.max_new_tokens is not None else int(asked)

    def params(self) -> str:
        """``;``-joined settings for ``cache_params`` ('' for greedy at the task's length)."""
        out = []
        if self.sampled:
            out += [f"temperature={float(self.temperature):g}", f"top_p={float(self.top_p or 1.0):g}",
                    f"sample_seed={int(self.seed or 0)}"]
        if self.max_new_tokens is not None:
            out.append(f"max_new_tokens={int(self.max_new_tokens)}")
        return ";".join(out)


def prompt_seed(seed: int | None, prompt: str) -> int:
    """The sampling seed of one prompt: 63 bits of sha256(seed, prompt)."""
    digest = hashlib.sha256(f"{int(seed or 0)}\x00{prompt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def messages(prompt: str, system: str | None = None) -> list[dict]:
    return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def records(model, prompts: Sequence[str]) -> tuple[list[dict], str]:
    """Per prompt, what ``model`` is sent for it: ``{"messages": [...], "rendered": text}``
    (``chat_records`` of a backend sending chats; ``rendered`` is None where the server renders
    them), and a hash over them all. A model that takes prompts as they are gives ``{}`` per
    prompt and ''."""
    fn = getattr(model, "chat_records", None)
    recs = fn(list(prompts)) if fn is not None else None
    if recs is None:
        return [{} for _ in prompts], ""
    digest = hashlib.sha256(json.dumps(recs, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:12]
    return recs, digest
