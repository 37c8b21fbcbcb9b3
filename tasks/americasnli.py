"""AmericasNLI: 3-way NLI (XNLI's dev/test translated) in 10 indigenous languages of the Americas.

Ebrahimi et al., ACL 2022. Local door: the upstream repository layout
``americasnli/{dev,test}/<lang>.tsv`` (header ``language premise hypothesis label``, no
CSV quoting). Hub door: ``nala-cub/americas_nli`` (the former canonical ``americas_nli``;
one config per language, splits validation/test, ``label`` a class id:
0 entailment, 1 neutral, 2 contradiction), read by ``xling.formats.nli``.

Hub revision ``668b53909c205ece201487394833a36ebab47245``: the repository after its
conversion to Parquet, before the card-only update #4 (``1f3f4fa``).
Source: the Hugging Face page of ``README.md`` at that commit (a mirror of
``huggingface.co/datasets/nala-cub/americas_nli/blob/668b539.../README.md``, in the stored
pages corpus), whose ``dataset_info`` carries the converted ``all_languages`` config and
Parquet download sizes (e.g. aym 87,882 bytes, 743 validation / 750 test rows), as ``main``
has them today. No evaluation harness seen here pins this repository.

There is no train split: an Encoder probe trains on the labelled dev split of the train
language(s) (rows say ``train_split = dev``); the usual setting is zero-shot transfer of an
NLI model fine-tuned on English (``--setting zero_shot --train-lang eng_Latn`` with a
PairClassifier records that language).

Codes: ``gn`` is Guarani (CLDR writes Paraguayan Guarani, as other Guarani data, ``grn``);
``nah`` (Nahuatl languages) and ``oto`` (Otomian languages) are ISO 639-5 collective codes
kept as the dataset gives them; all ten are written in Latin script.
"""
from __future__ import annotations

from xling.core import Example
from xling.data import check_labels, read_tsv
from xling.formats.nli import hub_pairs
from xling.languages import normalize
from xling.task import PairClassify

LABELS = ("entailment", "neutral", "contradiction")  # the hub's class ids, in order

NATIVE = ("aym", "bzd", "cni", "gn", "hch", "nah", "oto", "quy", "shp", "tar")

_SPLITS = {"dev": "validation", "test": "test"}

HUB_ID = "nala-cub/americas_nli"
HUB_REVISION = "668b53909c205ece201487394833a36ebab47245"  # see the module docstring


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"americasnli/{split}/{native}.tsv",)


def _read_local(paths, lang, split):
    (path,) = paths
    for line, row in read_tsv(path, ("premise", "hypothesis", "label"), quoted=False):
        label = check_labels(path, line, row["label"], LABELS)
        yield Example(id=str(line - 2), lang=lang, text=row["premise"], text_pair=row["hypothesis"], label=label,
                      source=f"{path}:{line}")


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, _SPLITS[split]


def _read_hub(rows, lang, split):
    return hub_pairs(rows, lang, split, HUB_ID, LABELS)


TASK = PairClassify(
    name="americasnli",
    version="1",
    description="AmericasNLI 3-way NLI, 10 indigenous languages of the Americas (dev/test only)",
    languages=tuple((normalize(f"{n}_Latn"), n) for n in NATIVE),
    splits=("dev", "test"),
    local_files=_local_files,
    read_local=_read_local,
    hub_id=HUB_ID,
    hub_revision=HUB_REVISION,
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc",
    settings=("in_language", "zero_shot"),
    homepage="https://github.com/nala-cub/AmericasNLI",
    labels=LABELS,
    train_split="dev",
)
