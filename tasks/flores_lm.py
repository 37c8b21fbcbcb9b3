"""Language modelling on FLORES-200 sentences in 205 languages: the 1,004 sentences SIB-200
annotated (FLORES-200 dev and devtest), the same ``index_id`` in every language, so the corpus
is 205-way parallel and bits per sentence (and information parity against English) compare
languages. Scored by a LanguageModel (``xling.solvers.lm``).

Split ``all``: SIB-200's train, dev and test files together (701 + 99 + 204 sentences), ids =
``index_id``. Local door: SIB-200's upstream layout (``xling.formats.sib200``, shared with the
``sib200`` and ``flores_tokens`` tasks). Hub door: ``mteb/sib200`` at the revision the ``sib200``
task pins, its three splits concatenated (``train+validation+test``).
"""
from __future__ import annotations

from xling.formats import sib200 as sib
from xling.task import LanguageModelling

TASK = LanguageModelling(
    **sib.CORPUS_DOORS,
    name="flores_lm",
    version="1",
    description="Language modelling (bits per byte/char/sentence, information parity) on 1,004 parallel "
                "FLORES-200 sentences (SIB-200), 205 languages",
    main_metric="bits_per_byte",
    settings=("in_language",),  # each language scored on its own text; nothing is trained
)
