"""SIB-200: 7-way topic classification of FLORES-200 sentences in 205 languages.

Adelani et al., EACL 2024. Local door: the upstream repository layout
``sib-200/data/annotated/<lang_Script>/{train,dev,test}.tsv`` (tab-separated with
CSV-style quoting). Hub door: ``mteb/sib200``, MTEB's pinned copy of ``Davlan/sib200`` (one
config per language, splits train/validation/test, columns index_id/category/text).
"""
from __future__ import annotations

from xling.core import Example
from xling.errors import XlingError
from xling.formats import sib200 as sib
from xling.formats.sib200 import LABELS, NATIVE
from xling.languages import normalize
from xling.task import Classify

_SPLITS = {"train": "train", "dev": "validation", "test": "test"}


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (sib.local_file(native, split),)


def _read_local(paths, lang, split):
    (path,) = paths
    for line, index_id, label, text in sib.rows(path):
        yield Example(id=index_id, lang=lang, text=text, label=label, source=f"{path}:{line}")


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, _SPLITS[split]


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        if row["category"] not in LABELS:
            raise XlingError(f"mteb/sib200 {lang} {split} row {i}: unknown label {row['category']!r}")
        yield Example(id=str(row["index_id"]), lang=lang, text=row["text"], label=row["category"], source=f"hub:{i}")


TASK = Classify(
    name="sib200",
    version="1",
    description="SIB-200 topic classification (7 labels), 205 languages",
    languages=tuple((normalize(n), n) for n in NATIVE),
    splits=("train", "dev", "test"),
    local_files=_local_files,
    read_local=_read_local,
    hub_id=sib.HUB_ID,
    hub_revision=sib.HUB_REVISION,
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc",
    settings=("in_language", "zero_shot", "prompted"),
    homepage="https://github.com/dadelani/sib-200",
    labels=LABELS,
)
