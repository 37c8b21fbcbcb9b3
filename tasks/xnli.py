"""XNLI 1.0: 3-way NLI, MultiNLI's dev/test translated into 14 languages plus English.

Conneau et al., EMNLP 2018. Local door: the original release layout
``xnli/XNLI-1.0/xnli.{dev,test}.tsv`` (one file with every language; header ``language
gold_label sentence1_binary_parse ... sentence1 sentence2 promptID pairID genre ...``, no
CSV quoting), read per language. The mirror does not hold these files (over the snapshot
size limit); the tests build small files in this layout. Hub door: ``facebook/xnli``
(configs per language, splits train/validation/test, ``label`` class id 0 entailment,
1 neutral, 2 contradiction; its train split is MultiNLI machine-translated, 392,702 pairs).

Hub revision ``b8dd5d7af51114dbda02c0e3f6133f332186418e``: the Parquet layout
(per-language files such as ``<lang>/test-00000-of-00001.parquet``), pinned by
several public evaluation projects found by the code search (e.g. one reading
``facebook/xnli`` ``<lang>/test-00000-of-00001.parquet`` with ``hf_hub_download(...,
revision="b8dd5d7...")``, another overlaying lm-evaluation-harness v0.4.12's XNLI tasks on
``facebook/xnli`` at this revision); the Hugging Face blame page of README.md at this commit
is in the stored pages corpus. Rows: ``premise``, ``hypothesis``, ``label``, read by
``xling.formats.nli``.

The probe trains on ``train`` from the hub and on the labelled ``dev`` split from the
original files (which have no train); rows say which.
"""
from __future__ import annotations

from xling.core import Example
from xling.data import check_labels, read_tsv
from xling.errors import DataError
from xling.formats.nli import hub_pairs
from xling.languages import normalize
from xling.task import PairClassify

LABELS = ("entailment", "neutral", "contradiction")

NATIVE = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")
_NATIVE_OF = {normalize(n): n for n in NATIVE}

_SPLITS = {"train": "train", "dev": "validation", "test": "test"}


def _local_files(native: str, split: str) -> tuple[str, ...]:
    if split == "train":
        raise DataError(f"xnli/XNLI-1.0/xnli.{split}.tsv", "XNLI 1.0 has no train split (it is the hub's "
                        "machine-translated MultiNLI); the probe trains on dev with a local mirror")
    return (f"xnli/XNLI-1.0/xnli.{split}.tsv",)


def _read_local(paths, lang, split):
    (path,) = paths
    native = _NATIVE_OF[lang]
    for line, row in read_tsv(path, ("language", "gold_label", "sentence1", "sentence2", "pairID"), quoted=False):
        if row["language"] != native:
            continue
        label = check_labels(path, line, row["gold_label"], LABELS)
        yield Example(id=row["pairID"], lang=lang, text=row["sentence1"], text_pair=row["sentence2"], label=label,
                      source=f"{path}:{line}")


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, _SPLITS[split]


def _read_hub(rows, lang, split):
    return hub_pairs(rows, lang, split, "facebook/xnli", LABELS)


TASK = PairClassify(
    name="xnli",
    version="1",
    description="XNLI 1.0 3-way NLI, 15 languages",
    languages=tuple((normalize(n), n) for n in NATIVE),
    splits=("train", "dev", "test"),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="facebook/xnli",
    hub_revision="b8dd5d7af51114dbda02c0e3f6133f332186418e",  # see the module docstring
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc",
    settings=("in_language", "zero_shot"),
    homepage="https://github.com/facebookresearch/XNLI",
    labels=LABELS,
    mirror_train_split="dev",
)
