"""A transformers sequence-classification checkpoint fine-tuned for NLI
(``AutoModelForSequenceClassification``) as a ``PairClassifier``.

* Each (premise, hypothesis) is encoded as a text pair (``tokenizer(premise, hypothesis)``,
  truncating the longer side first) and classified by the arg-max logit.
* The label of each class id comes from ``config.id2label``: the names must be exactly
  entailment, neutral and contradiction (any case, any order). A checkpoint with other
  names (``LABEL_0``..., a 2-way ``not_entailment`` head) is refused with a one-line error,
  never mapped by guessing.
* Batches are sorted by length; results come back in input order.

Remote code never runs unless asked (``--trust-remote-code``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import XlingError

NLI_LABELS = ("entailment", "neutral", "contradiction")


def nli_label_order(id2label: dict, where: str) -> tuple[str, ...]:
    """Canonical label name of each class id, from ``config.id2label``; refuses anything but
    the three NLI names."""
    try:
        names = {int(k): str(v).strip().lower() for k, v in (id2label or {}).items()}
    except (TypeError, ValueError):
        names = {}
    found = ", ".join(f"{k}:{v}" for k, v in sorted(names.items())) or "none"
    if sorted(names) != list(range(len(names))) or sorted(names.values()) != sorted(NLI_LABELS):
        raise XlingError(f"{where}: config.id2label ({found}) does not name the 3 NLI labels "
                         f"{', '.join(NLI_LABELS)}; refusing to guess a mapping")
    return tuple(names[i] for i in range(len(names)))


class HFPairClassifier:
    labels = NLI_LABELS

    def __init__(self, path: str, opts=None, max_length: int = 512):
        from .hf import HFOptions, load_checkpoint

        opts = opts or HFOptions()
        self._torch, self.tokenizer, self.model, self.device, self.name = load_checkpoint(
            path, "AutoModelForSequenceClassification", opts, what="sequence-classification")
        self.order = nli_label_order(self.model.config.id2label, f"checkpoint {path!r}")
        self.batch_size = opts.batch_size
        limits = [max_length, getattr(self.tokenizer, "model_max_length", None),
                  getattr(self.model.config, "max_position_embeddings", None)]
        self.max_length = min(int(v) for v in limits if v and int(v) > 0)
        self.model_calls = 0  # pairs classified by the model

    def classify(self, premises: Sequence[str], hypotheses: Sequence[str]) -> list[str]:
        premises, hypotheses = list(premises), list(hypotheses)
        if len(premises) != len(hypotheses):
            raise XlingError(f"model {self.name}: {len(premises)} premises but {len(hypotheses)} hypotheses")
        torch = self._torch
        order = np.argsort([len(p) + len(h) for p, h in zip(premises, hypotheses)], kind="stable")
        out = np.zeros(len(premises), dtype=np.int64)
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                idx = order[i:i + self.batch_size]
                enc = self.tokenizer([premises[j] for j in idx], [hypotheses[j] for j in idx], padding=True,
                                     truncation="longest_first", max_length=self.max_length,
                                     return_tensors="pt").to(self.device)
                logits = self.model(**enc).logits.float()
                if not torch.isfinite(logits).all():
                    raise XlingError(f"model {self.name} returned NaN/inf logits")
                out[idx] = logits.argmax(-1).cpu().numpy()
                self.model_calls += len(idx)
        return [self.order[k] for k in out]
