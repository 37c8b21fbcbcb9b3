"""Any local (or hub) transformers encoder checkpoint as an ``Encoder``: mean pooling over
the attention mask, L2-normalised, batches sorted by length under a token budget.

Needs the ``hf`` extra (torch + transformers). Remote code is never run unless the user
passes ``--trust-remote-code``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import netcheck, progress
from ..errors import XlingError
from . import Backend, check_output


def _weights_id(path: Path) -> str:
    """A content id for a local checkpoint: sha256 over its config and weight files."""
    h = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".json", ".safetensors", ".bin", ".model", ".txt"))
    for p in files:
        h.update(p.name.encode())
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:12]


@dataclass(frozen=True)
class HFOptions:
    """How every transformers backend loads and batches a checkpoint."""

    revision: str | None = None  # hub revision (a local directory's revision is a content id of its files)
    device: str | None = None  # default: cuda if available
    threads: int | None = None
    trust_remote_code: bool = False  # never on unless --trust-remote-code
    batch_size: int = 32


def load_checkpoint(path: str, auto_class: str, opts: HFOptions = HFOptions(), what: str = "transformers",
                    add_prefix_space: bool = False):
    """Tokenizer and ``transformers.<auto_class>`` model of a local checkpoint directory or
    hub id, on ``device`` (default: cuda if available) in eval mode.

    Returns ``(torch, tokenizer, model, device, name)``; ``name`` is ``hf:<path>@<revision>``,
    the revision of a local directory being a content id of its files. ``what`` names the
    kind of checkpoint in the one-line load error. ``add_prefix_space`` reloads a byte-level
    BPE tokenizer (RoBERTa, GPT-2 style) with it on, as pre-split words need.
    """
    try:
        import torch
        import transformers
        from transformers import AutoTokenizer

        auto = getattr(transformers, auto_class)
    except ImportError as e:
        raise XlingError("model hf:... needs torch and transformers: pip install 'xling[hf]'") from e
    if opts.threads:
        torch.set_num_threads(int(opts.threads))
    local = Path(path)
    if local.is_dir() and not (local / "config.json").is_file():
        raise XlingError(f"model path {path!r} is not a checkpoint directory (it has no config.json)")
    if local.is_dir():
        rev = opts.revision or _weights_id(local)
    elif local.exists() or path.startswith((".", "/")):
        raise XlingError(f"model path {path!r} is not a checkpoint directory")
    else:
        rev = opts.revision or "main"
    kw = dict(revision=opts.revision, trust_remote_code=opts.trust_remote_code)
    if not local.is_dir() and not netcheck.ensure_or_offline():  # a hub id and no hub: local HF cache only
        kw["local_files_only"] = True
    try:
        with progress.library_bars():  # transformers' "Loading weights" bar on a terminal only
            tokenizer = AutoTokenizer.from_pretrained(path, **kw)
            if add_prefix_space and getattr(tokenizer, "add_prefix_space", None) is False:
                tokenizer = AutoTokenizer.from_pretrained(path, add_prefix_space=True, **kw)
            model = auto.from_pretrained(path, **kw)
    except (OSError, ValueError) as e:  # the whole message, on one line (its first line stopped mid-sentence)
        raise XlingError(f"cannot load {what} checkpoint {path!r}: {str(e) or type(e).__name__}") from e
    device = opts.device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).eval()
    return torch, tokenizer, model, device, f"hf:{path}@{rev}"


class HFEncoder:
    def __init__(self, path: str, opts: HFOptions = HFOptions(), max_length: int = 512, token_budget: int = 16384):
        self._torch, self.tokenizer, self.model, self.device, self.name = load_checkpoint(path, "AutoModel", opts)
        self.batch_size = opts.batch_size
        self.max_length = min(max_length, getattr(self.tokenizer, "model_max_length", max_length) or max_length)
        self.token_budget = token_budget

    def batches(self, texts: Sequence[str]) -> list[list[int]]:
        """Indices grouped by similar length: at most ``batch_size`` texts and about
        ``token_budget`` padded tokens per batch (long texts get small batches)."""
        lengths = [len(ids) for ids in self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]]
        order = np.argsort(lengths, kind="stable")[::-1]
        out, cur, longest = [], [], 0
        for i in order:
            longest_if = max(longest, lengths[i])
            if cur and (len(cur) >= self.batch_size or longest_if * (len(cur) + 1) > self.token_budget):
                out.append(cur)
                cur, longest_if = [], lengths[i]
            cur.append(int(i))
            longest = longest_if
        if cur:
            out.append(cur)
        return out

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        texts = list(texts)
        torch = self._torch
        dim = self.model.config.hidden_size
        out = np.zeros((len(texts), dim), np.float32)
        with torch.inference_mode():
            for idx in self.batches(texts):
                enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt").to(self.device)
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
                out[idx] = pooled.cpu().numpy()
        return check_output(self.name, texts, out)


# config.architectures suffix -> "module:class" of the capability that head provides.
HEADS: dict[str, str] = {
    "ForTokenClassification": "xling.models.hf_tagger:HFTagger",
    "ForQuestionAnswering": "xling.models.hf_qa:HFSpanExtractor",
    "ForSequenceClassification": "xling.models.hf_pair:HFPairClassifier",  # NLI heads (entailment/neutral/contradiction)
}


def load_hf(path: str, opts: HFOptions = HFOptions()):
    """The right backend for a checkpoint: a task head named in ``config.architectures``
    that ``HEADS`` knows (QA, token or sequence classification), else a mean-pooled encoder."""
    cfg = Path(path) / "config.json"
    archs: list[str] = []
    if cfg.is_file():
        import json

        try:
            archs = json.loads(cfg.read_text(encoding="utf-8")).get("architectures") or []
        except (OSError, ValueError) as e:
            raise XlingError(f"{cfg}: not a valid config.json ({e})") from e
    for arch in archs:
        for suffix, target in HEADS.items():
            if arch.endswith(suffix):
                import importlib

                module, _, cls = target.partition(":")
                return getattr(importlib.import_module(module), cls)(path, opts)
    return HFEncoder(path, opts)


def make(arg: str = "", threads: int | None = None, device: str | None = None, batch_size: int | None = None,
         trust_remote_code: bool = False, **_options):
    if not arg:
        raise XlingError("model spec 'hf:' needs a path or hub id, e.g. hf:./my-model or hf:xlm-roberta-base@main")
    path, _, rev = arg.partition("@")
    return load_hf(path, HFOptions(revision=rev or None, device=device, threads=threads,
                                   trust_remote_code=trust_remote_code, batch_size=batch_size or 32))


BACKEND = Backend("hf", make, ("Encoder", "SpanExtractor", "Tagger", "PairClassifier"), offline=False,
                  usage="hf:<dir-or-hub-id>[@rev]",
                  summary="a transformers checkpoint: its QA, token- or sequence-classification head if it has "
                          "one, else a mean-pooled encoder (offline for a local directory)")
