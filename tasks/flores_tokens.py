"""Tokenizer fairness on FLORES-200 sentences in 205 languages (Petrov et al., NeurIPS 2023):
how many tokens a tokenizer spends on the same 1,004 sentences (SIB-200's FLORES-200 dev and
devtest sentences, 205-way parallel) in every language, and the premium over English on the
same ids. Scored by a Tokenizer (``xling.solvers.tokenize``; ``tok:`` backends).

Corpus and doors as ``flores_lm`` (``xling.formats.sib200``: split ``all``, ids = ``index_id``).
"""
from __future__ import annotations

from xling.formats import sib200 as sib
from xling.task import Tokenization

TASK = Tokenization(
    **sib.CORPUS_DOORS,
    name="flores_tokens",
    version="1",
    description="Tokenizer fairness (tokens per sentence/word/char, premium over English) on 1,004 parallel "
                "FLORES-200 sentences (SIB-200), 205 languages",
    main_metric="token_premium",
    settings=("in_language",),  # each language scored on its own text; nothing is trained
)
