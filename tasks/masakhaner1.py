"""MasakhaNER 1.0: named entities (PER, ORG, LOC, DATE) in news text of 10 African languages.

Adelani et al., TACL 2021. Local door: ``masakhane-ner/data/<lang>/{train,dev,test}.txt``
(the same CoNLL-style text as 2.0, read by ``tasks.masakhaner.read_conll``; note that
luo/train.txt starts with a UTF-8 BOM, which the reader drops). Hub door:
``masakhane/masakhaner`` (configs amh ... yor, splits train/validation/test, ``tokens`` and
``ner_tags`` class ids over the same nine tags as 2.0).
"""
from __future__ import annotations

from harness.languages import normalize
from harness.task import Tag
from tasks.masakhaner import HUB_TAGS, TYPES, read_conll, read_hub_rows

NATIVE = "amh hau ibo kin lug luo pcm swa wol yor".split()

_SPLITS = {"train": "train", "dev": "validation", "test": "test"}


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"masakhane-ner/data/{native}/{split}.txt",)


def _read_local(paths, lang, split):
    (path,) = paths
    return read_conll(path, lang, TYPES)


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, _SPLITS[split]


def _read_hub(rows, lang, split):
    return read_hub_rows(rows, lang, split, "masakhane/masakhaner", HUB_TAGS)


TASK = Tag(
    name="masakhaner1",
    version="1",
    description="MasakhaNER 1.0 named entities (PER, ORG, LOC, DATE), 10 African languages",
    languages=tuple((normalize(n), n) for n in NATIVE),
    splits=("train", "dev", "test"),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="masakhane/masakhaner",
    hub_revision="main",
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="f1",
    settings=("in_language", "zero_shot"),
    homepage="https://github.com/masakhane-io/masakhane-ner/tree/main/data",
    labels=TYPES,
)
