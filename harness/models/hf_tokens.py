"""A transformers tokenizer as ``lmreq.Tokens``, encoding as lm-evaluation-harness 0.4.13's
HFLM does: the tokenizer's default special tokens, except that a text already starting with
the prefix token's text (e.g. a literal ``<s>``) gets none; the prefix token is BOS, else EOS.
Used by ``hf-causal`` and, with ``--tokenizer``, by the ``openai`` backend."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import XlingError

# files of which at least one makes a directory hold a tokenizer transformers can load
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.json", "tokenizer.model", "spiece.model",
                   "sentencepiece.bpe.model", "vocab.txt")


def check_has_tokenizer(path: str | Path, what: str = "checkpoint") -> None:
    """A local directory without tokenizer files is a one-line error (not transformers' long one)."""
    p = Path(path)
    if p.is_dir() and not any((p / f).is_file() for f in TOKENIZER_FILES):
        raise XlingError(f"{what} {str(path)!r} has no tokenizer (none of {', '.join(TOKENIZER_FILES[:4])}, ...); "
                         "save the tokenizer next to the weights")


def load_tokenizer(path: str, revision: str | None = None, trust_remote_code: bool = False):
    """``AutoTokenizer`` of a local directory or hub id, with one-line errors."""
    check_has_tokenizer(path, "tokenizer")
    try:
        from transformers import AutoTokenizer
    except ImportError as e:
        raise XlingError("a tokenizer needs transformers: pip install 'xling[hf]'") from e
    try:
        return AutoTokenizer.from_pretrained(path, revision=revision, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise XlingError(f"cannot load tokenizer {path!r}: {msg}") from e


class HFTokens:
    def __init__(self, tokenizer, prefix_token_id: int | None = None):
        self.tokenizer = tokenizer
        pid = prefix_token_id
        if pid is None:
            pid = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
        if pid is None:
            raise XlingError(f"tokenizer {getattr(tokenizer, 'name_or_path', '')!r} has neither a BOS nor an EOS "
                             "token to condition an empty context on")
        self.prefix_token_id = int(pid)
        self._prefix_text = tokenizer.decode(self.prefix_token_id)

    def encode(self, texts: Sequence[str], special: bool | None = None) -> list[list[int]]:
        texts = list(texts)
        if not texts:
            return []
        if special is not None:
            return [list(x) for x in self.tokenizer(texts, add_special_tokens=special)["input_ids"]]
        plain = [i for i, t in enumerate(texts) if not t.startswith(self._prefix_text)]
        marked = [i for i, t in enumerate(texts) if t.startswith(self._prefix_text)]
        out: list[list[int]] = [[] for _ in texts]
        for idx, kw in ((plain, {}), (marked, {"add_special_tokens": False})):
            if idx:
                for i, ids in zip(idx, self.tokenizer([texts[i] for i in idx], **kw)["input_ids"]):
                    out[i] = list(ids)
        return out

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)


def tokenizer_id(path: str) -> str:
    """The tokenizer's identity for cache keys: a content hash of a local directory's
    tokenizer files, else the hub id as given."""
    import hashlib

    p = Path(path)
    if not p.is_dir():
        return path
    h = hashlib.sha256()
    for f in sorted(p.iterdir()):
        if f.is_file() and (f.name in TOKENIZER_FILES or f.name in ("special_tokens_map.json", "added_tokens.json",
                                                                    "merges.txt", "config.json")):
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def window_of(path: str, tokenizer, default: int = 2048) -> int:
    """The model's window as lm-eval resolves it, from ``config.json`` next to the tokenizer
    (n_positions, max_position_embeddings, n_ctx; a nested text_config first), else the
    tokenizer's model_max_length, else ``default``."""
    import json

    cfg_path = Path(path) / "config.json"
    if cfg_path.is_file():
        try:
            cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise XlingError(f"{cfg_path}: not a valid config.json ({e})") from e
        cfg = cfg.get("text_config") or cfg
        for key in ("n_positions", "max_position_embeddings", "n_ctx"):
            if cfg.get(key) is not None:
                return int(cfg[key])
    mml = getattr(tokenizer, "model_max_length", None)
    if mml is not None and mml < 10 ** 12:
        return int(mml)
    return default
