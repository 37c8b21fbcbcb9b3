"""A transformers extractive-QA checkpoint (``AutoModelForQuestionAnswering``) as a
``SpanExtractor``. transformers >= 5.3 has no question-answering pipeline, so the start and
end logits are decoded here, the way the SQuAD fine-tuning scripts evaluate:

* question + context go in as a pair; a context longer than one input is cut into
  overlapping windows (``stride`` tokens of overlap, the tokenizer's overflowing tokens);
  a question longer than ``max_question_tokens`` is clipped so the context keeps room;
* the answer is the span (start token <= end token, both in the context, at most
  ``max_answer_tokens`` long) with the highest start + end logit over all windows of an
  item (exhaustively, not from a top-k list; ties go to the earliest window and start);
* it is mapped back to the original characters of the context through the tokenizer's
  offset mapping, and surrounding whitespace (which some tokenizers fold into a token)
  is trimmed, so ``context[start:start + len(text)] == text`` always holds.

Needs a fast tokenizer (offsets). Remote code never runs unless asked.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import progress
from ..errors import XlingError
from .hf import HFOptions, load_checkpoint


class HFSpanExtractor:
    def __init__(self, path: str, opts: HFOptions = HFOptions(), max_length: int = 384, stride: int = 128,
                 max_answer_tokens: int = 30, max_question_tokens: int = 64):
        self._torch, tokenizer, model, device, name = load_checkpoint(
            path, "AutoModelForQuestionAnswering", opts, what="question-answering")
        self._setup(model, tokenizer, name, device, opts.batch_size)
        self.configure(max_length, stride, max_answer_tokens, max_question_tokens)

    @classmethod
    def wrap(cls, model, tokenizer, name: str, device: str | None = None, batch_size: int = 32,
             **settings) -> "HFSpanExtractor":
        """An extractor around an in-memory QA model and its fast tokenizer (``name`` must
        identify the weights: it keys the cache)."""
        import torch

        self = cls.__new__(cls)
        self._torch = torch
        self._setup(model, tokenizer, name, device, batch_size)
        self.configure(**settings)
        return self

    def _setup(self, model, tokenizer, name: str, device: str | None, batch_size: int) -> None:
        self.model, self.tokenizer, self.name = model, tokenizer, name
        if not getattr(tokenizer, "is_fast", False):
            raise XlingError(f"{name}: span extraction needs a fast tokenizer (tokenizer.json) for offsets")
        self.device = device or ("cuda" if self._torch.cuda.is_available() else "cpu")
        self.model.to(self.device).eval()
        self.batch_size = batch_size
        self.model_calls = 0

    def configure(self, max_length: int = 384, stride: int = 128, max_answer_tokens: int = 30,
                  max_question_tokens: int = 64) -> None:
        limits = [max_length, getattr(self.tokenizer, "model_max_length", None),
                  getattr(self.model.config, "max_position_embeddings", None)]
        self.max_length = min(int(v) for v in limits if v and int(v) > 0)
        special = self.tokenizer.num_special_tokens_to_add(pair=True)
        self.max_question_tokens = min(max_question_tokens, (self.max_length - special) // 2)
        room = self.max_length - special - self.max_question_tokens  # context tokens per window, at least
        if room < 2:
            raise XlingError(f"{self.name}: max length {self.max_length} leaves no room for the context")
        self.stride = max(0, min(stride, room // 2))
        self.max_answer_tokens = max(1, max_answer_tokens)
        # span decoding settings change outputs, so they go into the cache key
        self.cache_params = (f"max_length={self.max_length};stride={self.stride};"
                             f"max_answer_tokens={self.max_answer_tokens};max_question_tokens={self.max_question_tokens}")

    def _clip_question(self, question: str) -> str:
        question = question.strip()
        enc = self.tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
        offs = enc["offset_mapping"]
        if len(offs) <= self.max_question_tokens:
            return question
        return question[: offs[self.max_question_tokens - 1][1]]

    def features(self, questions: Sequence[str], contexts: Sequence[str]):
        """Tokenised windows: a BatchEncoding with ``offset_mapping`` and
        ``overflow_to_sample_mapping`` (window -> item)."""
        if len(questions) != len(contexts):
            raise XlingError(f"{len(questions)} questions for {len(contexts)} contexts")
        return self.tokenizer([self._clip_question(q) for q in questions], list(contexts),
                              truncation="only_second", max_length=self.max_length, stride=self.stride,
                              return_overflowing_tokens=True, return_offsets_mapping=True, padding=False)

    def logits(self, enc) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Start and end logits per window (unpadded)."""
        torch = self._torch
        names = [k for k in self.tokenizer.model_input_names if k in enc]
        n = len(enc["input_ids"])
        starts: list[np.ndarray] = []
        ends: list[np.ndarray] = []
        with torch.inference_mode():
            for i in progress.iterate(range(0, n, self.batch_size), f"extract {self.name}", "batch", leave=False):
                rows = [{k: enc[k][j] for k in names} for j in range(i, min(n, i + self.batch_size))]
                batch = self.tokenizer.pad(rows, return_tensors="pt").to(self.device)
                out = self.model(**batch)
                s = out.start_logits.float().cpu().numpy()
                e = out.end_logits.float().cpu().numpy()
                for j, row in enumerate(rows):
                    length = len(row["input_ids"])
                    starts.append(s[j, :length])
                    ends.append(e[j, :length])
        for a in starts + ends:
            if not np.isfinite(a).all():
                raise XlingError(f"model {self.name} returned NaN/inf logits")
        return starts, ends

    def decode(self, enc, starts: Sequence[np.ndarray], ends: Sequence[np.ndarray],
               contexts: Sequence[str]) -> list[tuple[str, int]]:
        """Best valid span per item over its windows, as (text, start character)."""
        best: list[tuple[float, int, int] | None] = [None] * len(contexts)
        L = self.max_answer_tokens
        for w, item in enumerate(enc["overflow_to_sample_mapping"]):
            seq = enc.sequence_ids(w)
            offs = np.asarray(enc["offset_mapping"][w], dtype=np.int64).reshape(-1, 2)
            n = len(seq)
            valid = np.array([s == 1 for s in seq]) & (offs[:, 1] > offs[:, 0])
            cand = np.flatnonzero(valid)
            if cand.size == 0:
                continue
            s_log, e_log = np.asarray(starts[w][:n], np.float64), np.asarray(ends[w][:n], np.float64)
            end_idx = cand[:, None] + np.arange(L)[None, :]
            ok = end_idx < n
            end_idx = np.minimum(end_idx, n - 1)
            ok &= valid[end_idx]
            scores = np.where(ok, s_log[cand][:, None] + e_log[end_idx], -np.inf)
            k = int(np.argmax(scores))
            score = float(scores.flat[k])
            if not np.isfinite(score):
                continue
            s_tok, e_tok = int(cand[k // L]), int(end_idx.flat[k])
            if best[item] is None or score > best[item][0]:
                best[item] = (score, int(offs[s_tok, 0]), int(offs[e_tok, 1]))
        out = []
        for i, b in enumerate(best):
            if b is None:
                out.append(("", 0))
                continue
            _, a, z = b
            text = contexts[i][a:z]
            lead = len(text) - len(text.lstrip())
            out.append((text.strip(), a + lead))
        return out

    def extract(self, questions: Sequence[str], contexts: Sequence[str]) -> list[tuple[str, int]]:
        questions, contexts = list(questions), list(contexts)
        if not questions:
            return []
        enc = self.features(questions, contexts)
        starts, ends = self.logits(enc)
        return self.decode(enc, starts, ends, contexts)
