"""A transformers encoder-decoder checkpoint (``AutoModelForSeq2SeqLM``) as a ``Translator``:
``hf-seq2seq:<dir-or-hub-id>[@rev]``.

Language tokens follow the checkpoint's tokenizer, read from its vocabulary:

* NLLB-200 (a token ``eng_Latn``): FLORES-200 codes. xling's canonical codes map back to the
  FLORES-200 spelling (``ara_Arab`` -> ``arb_Arab``, ``msa_Latn`` -> ``zsm_Latn``: the
  SIB-200/FLORES-200 list); the source code is the tokenizer's ``src_lang`` and the target
  code is forced as the first generated token.
* M2M100 (a token ``__en__``): ISO 639-1 where one exists, else the ISO 639-3 code
  (``__ast__``), set the same way.
* Anything else (mT5, Marian, T5): no language tokens; the source text goes in as it is.

Decoding is greedy (``num_beams=1``, the default) or beam search (``num_beams``), never
sampled, at most ``max_new_tokens`` new tokens, inputs cut at ``max_input_tokens``. Texts
are sorted by length and batched under a token budget (``token_budget`` input tokens times
beams per batch, at most ``batch_size`` texts). Outputs are cached by the solver
(``xling.textcache.translate``) under the model's name and decoding settings.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import XlingError
from . import Backend
from .hf import HFOptions, load_checkpoint


@functools.lru_cache(maxsize=1)
def _flores_codes() -> dict[str, str]:
    """canonical code -> FLORES-200 code (the spelling NLLB's language tokens use)."""
    from ..formats.sib200 import NATIVE
    from ..languages import normalize

    return {normalize(n): n for n in NATIVE}


def _iso1(lang: str) -> str:
    import iso639
    from iso639.exceptions import DeprecatedLanguageValue, InvalidLanguageValue

    base = lang.partition("_")[0]
    try:
        return iso639.Lang(base).pt1 or base
    except (InvalidLanguageValue, DeprecatedLanguageValue):
        return base


def convention(tokenizer) -> str:
    """'nllb', 'm2m100' or 'none': how the checkpoint's tokenizer marks languages."""
    unk = tokenizer.unk_token_id

    def has(tok: str) -> bool:
        i = tokenizer.convert_tokens_to_ids(tok)
        return i is not None and i != unk

    return "nllb" if has("eng_Latn") else "m2m100" if has("__en__") else "none"


@dataclass(frozen=True)
class Decoding:
    """How translations are decoded and batched (all part of the cache key but ``batch_size``
    and ``token_budget``, which do not change outputs)."""

    num_beams: int = 1  # 1: greedy
    max_new_tokens: int = 256
    max_input_tokens: int = 512
    batch_size: int = 16
    token_budget: int = 8192  # padded input tokens x beams per batch

    def __post_init__(self):
        if self.num_beams < 1 or self.max_new_tokens < 1 or self.max_input_tokens < 1 or self.batch_size < 1:
            raise XlingError(f"--num-beams, max_new_tokens, max_input_tokens and --batch-size must be at least 1, "
                             f"got {self.num_beams}, {self.max_new_tokens}, {self.max_input_tokens}, {self.batch_size}")


class HFSeq2Seq:
    def __init__(self, path: str, revision: str | None = None, device: str | None = None, threads: int | None = None,
                 trust_remote_code: bool = False, decoding: Decoding = Decoding()):
        self._torch, self.tokenizer, self.model, self.device, name = load_checkpoint(
            path, "AutoModelForSeq2SeqLM", HFOptions(revision, device, threads, trust_remote_code),
            what="sequence-to-sequence")
        self.name = "hf-seq2seq:" + name.partition(":")[2]
        self.decoding = decoding
        self.convention = convention(self.tokenizer)
        self.cache_params = f"beams={decoding.num_beams};max_new_tokens={decoding.max_new_tokens};" \
                            f"max_input={decoding.max_input_tokens};lang_tokens={self.convention}"
        self.model_calls = 0

    def lang_token(self, lang: str) -> str | None:
        """The checkpoint's token for language ``lang`` (None where it uses none)."""
        if self.convention == "none":
            return None
        if self.convention == "nllb":
            options = [_flores_codes().get(lang, lang), lang]
        else:
            options = [f"__{_iso1(lang)}__", f"__{lang.partition('_')[0]}__"]
        for tok in options:
            if self.tokenizer.convert_tokens_to_ids(tok) not in (None, self.tokenizer.unk_token_id):
                return tok
        raise XlingError(f"{self.name} has no language token for {lang} (looked for {', '.join(options)})")

    def batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Indices, longest first, at most ``batch_size`` per batch and about ``token_budget``
        padded input tokens (times beams)."""
        d = self.decoding
        out, cur, longest = [], [], 0
        for i in np.argsort(lengths, kind="stable")[::-1]:
            grown = max(longest, lengths[i])
            if cur and (len(cur) >= d.batch_size or grown * (len(cur) + 1) * d.num_beams > d.token_budget):
                out.append(cur)
                cur, grown = [], lengths[i]
            cur.append(int(i))
            longest = grown
        return out + ([cur] if cur else [])

    def _encode(self, texts: list[str], src: str, tensors: bool = True):
        src_tok = self.lang_token(src)
        if src_tok is not None:
            self.tokenizer.src_lang = src_tok if self.convention == "nllb" else src_tok.strip("_")
        limit = self.decoding.max_input_tokens
        if not tensors:
            return self.tokenizer(texts, truncation=True, max_length=limit)
        return self.tokenizer(texts, padding=True, truncation=True, max_length=limit, return_tensors="pt")

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        texts = list(texts)
        if not texts:
            return []
        tgt_tok = self.lang_token(tgt)
        extra = {} if tgt_tok is None else {"forced_bos_token_id": self.tokenizer.convert_tokens_to_ids(tgt_tok)}
        lengths = [len(x) for x in self._encode(texts, src, tensors=False)["input_ids"]]
        out: list[str] = [""] * len(texts)
        with self._torch.inference_mode():
            for idx in self.batches(lengths):
                enc = self._encode([texts[i] for i in idx], src).to(self.device)
                gen = self.model.generate(**enc, num_beams=self.decoding.num_beams, do_sample=False,
                                          max_new_tokens=self.decoding.max_new_tokens, **extra)
                for i, t in zip(idx, self.tokenizer.batch_decode(gen, skip_special_tokens=True)):
                    out[i] = t.strip()
        return out


def make(arg: str = "", threads: int | None = None, device: str | None = None, trust_remote_code: bool = False,
         num_beams: int | None = None, max_new_tokens: int | None = None, **_options):
    """Other ``Decoding`` fields (batch_size, max_input_tokens, token_budget) may come in ``_options``."""
    if not arg:
        raise XlingError("model spec 'hf-seq2seq:' needs a path or hub id, e.g. hf-seq2seq:./nllb-200-distilled-600M")
    path, _, rev = arg.partition("@")
    given = dict(_options, num_beams=num_beams, max_new_tokens=max_new_tokens)
    decoding = Decoding(**{k: int(v) for k, v in given.items() if k in Decoding.__dataclass_fields__ and v is not None})
    return HFSeq2Seq(path, revision=rev or None, device=device, threads=threads, trust_remote_code=trust_remote_code,
                     decoding=decoding)


BACKEND = Backend("hf-seq2seq", make, ("Translator",), offline=False, usage="hf-seq2seq:<dir-or-hub-id>[@rev]",
                  summary="a transformers encoder-decoder (NLLB, M2M100, mT5, Marian) translating, greedy or "
                          "beam search (offline for a local directory)")
