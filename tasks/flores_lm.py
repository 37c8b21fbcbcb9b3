"""Language modelling on FLORES-200 sentences in 205 languages: the 1,004 sentences SIB-200
annotated (FLORES-200 dev and devtest), the same ``index_id`` in every language, so the corpus
is 205-way parallel and bits per sentence (and information parity against English) compare
languages.

Split ``all``: SIB-200's train, dev and test files together (701 + 99 + 204 sentences), ids =
``index_id``. Local door: SIB-200's upstream layout (``xling.formats.sib200``, shared with the
``sib200`` task). Hub door: ``mteb/sib200`` at the revision the ``sib200`` task pins, its three
splits concatenated (``train+validation+test``).
"""
from __future__ import annotations

from xling.core import Example
from xling.errors import XlingError
from xling.formats import sib200 as sib
from xling.languages import normalize
from xling.task import LanguageModelling


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return tuple(sib.local_file(native, s) for s in sib.SPLITS)


def _read_local(paths, lang, split):
    for path in paths:
        for line, index_id, _, text in sib.rows(path):
            yield Example(id=index_id, lang=lang, text=text, source=f"{path}:{line}")


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, "train+validation+test"


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        if "index_id" not in row or "text" not in row:
            raise XlingError(f"mteb/sib200 {lang} row {i}: missing field index_id or text")
        yield Example(id=str(row["index_id"]), lang=lang, text=row["text"], source=f"hub:{i}")


TASK = LanguageModelling(
    name="flores_lm",
    version="1",
    description="Language modelling / tokenizer fairness on 1,004 parallel FLORES-200 sentences (SIB-200), 205 languages",
    languages=tuple((normalize(n), n) for n in sib.NATIVE),
    splits=("all",),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="mteb/sib200",
    hub_revision="a74d7350ea12af010cfb1c21e34f1f81fd2e615b",
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="bits_per_byte",
    settings=("prompted",),
    homepage="https://github.com/dadelani/sib-200",
    test_split="all",
)
