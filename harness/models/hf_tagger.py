"""A transformers token-classification checkpoint (``AutoModelForTokenClassification``) as a
``Tagger``: one IOB2 tag per input word.

* Words go in pre-split (``is_split_into_words=True``); each word's tag is the arg-max label
  of its **first sub-token** (``word_ids``), the convention the MasakhaNER/XTREME fine-tuning
  scripts train with. A word the tokenizer turns into no sub-token at all (e.g. a lone
  zero-width character) is tagged ``O``.
* Labels come from the checkpoint's ``config.id2label`` in id order (``labels``); the solver
  refuses a checkpoint whose tag set differs from the task's, nothing is mapped silently.
* Long sentences are **windowed, never truncated**: a sentence whose sub-tokens do not fit in
  ``max_length`` (with the special tokens) is cut, between words, into consecutive windows
  that do; each window is tagged on its own (no context crosses a window boundary) and the
  tags are concatenated, so every word gets a tag. A single word longer than a window keeps
  its first sub-tokens, which is all its tag depends on.

Needs a fast tokenizer (for ``word_ids``). Remote code never runs unless asked.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import XlingError
from .hf import HFOptions, load_checkpoint


class HFTagger:
    def __init__(self, path: str, opts: HFOptions = HFOptions(), max_length: int = 512):
        self._torch, self.tokenizer, self.model, self.device, self.name = load_checkpoint(
            path, "AutoModelForTokenClassification", opts, what="token-classification", add_prefix_space=True)
        if not getattr(self.tokenizer, "is_fast", False):
            raise XlingError(f"checkpoint {path!r}: tagging words needs a fast tokenizer (tokenizer.json) for word_ids")
        id2label = {int(k): str(v) for k, v in (self.model.config.id2label or {}).items()}
        n = int(self.model.config.num_labels)
        if sorted(id2label) != list(range(n)):
            raise XlingError(f"checkpoint {path!r}: config.id2label does not name labels 0..{n - 1}")
        self.labels: tuple[str, ...] = tuple(id2label[i] for i in range(n))
        self.batch_size = opts.batch_size
        limits = [max_length, getattr(self.tokenizer, "model_max_length", None),
                  getattr(self.model.config, "max_position_embeddings", None)]
        self.max_length = min(int(v) for v in limits if v and int(v) > 0)
        self.budget = self.max_length - self.tokenizer.num_special_tokens_to_add(pair=False)
        if self.budget < 1:
            raise XlingError(f"checkpoint {path!r}: max length {self.max_length} leaves no room for words")
        self.model_calls = 0  # sentences tagged by the model
        self.hits = 0  # sentences answered by the cache (counted by the solver)

    def windows(self, words: Sequence[str]) -> list[tuple[int, int]]:
        """[start, end) word ranges whose sub-tokens fit in one model input."""
        if not words:
            return []
        enc = self.tokenizer(list(words), is_split_into_words=True, add_special_tokens=False)
        counts = np.bincount([w for w in enc.word_ids() if w is not None], minlength=len(words))
        out, start, used = [], 0, 0
        for i, c in enumerate(counts):
            if i > start and used + c > self.budget:
                out.append((start, i))
                start, used = i, 0
            used += int(c)
        out.append((start, len(words)))
        return out

    def tag(self, token_lists: Sequence[Sequence[str]]) -> list[list[str]]:
        torch = self._torch
        sents = [list(t) for t in token_lists]
        pieces = [(s, a, b) for s, words in enumerate(sents) for a, b in self.windows(words)]
        out: list[list[str]] = [["O"] * len(words) for words in sents]
        order = sorted(range(len(pieces)), key=lambda i: pieces[i][2] - pieces[i][1], reverse=True)
        with torch.inference_mode():
            for lo in range(0, len(order), self.batch_size):
                batch = [pieces[i] for i in order[lo:lo + self.batch_size]]
                enc = self.tokenizer([sents[s][a:b] for s, a, b in batch], is_split_into_words=True, truncation=True,
                                     max_length=self.max_length, padding=True, return_tensors="pt")
                best = self.model(**enc.to(self.device)).logits.argmax(-1).cpu().numpy()
                for row, (s, a, _) in enumerate(batch):
                    seen = set()
                    for pos, w in enumerate(enc.word_ids(row)):
                        if w is not None and w not in seen:  # first sub-token of word w
                            seen.add(w)
                            out[s][a + w] = self.labels[int(best[row, pos])]
        self.model_calls += len(sents)
        return out
