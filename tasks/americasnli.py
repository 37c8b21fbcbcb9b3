"""AmericasNLI: 3-way NLI (XNLI's dev/test translated) in 10 indigenous languages of the Americas.

Ebrahimi et al., ACL 2022. Local door: the upstream repository layout
``americasnli/{dev,test}/<lang>.tsv`` (header ``language premise hypothesis label``, no
CSV quoting). Hub door: ``nala-cub/americas_nli`` (the former canonical ``americas_nli``;
one config per language, splits validation/test, ``label`` a class id:
0 entailment, 1 neutral, 2 contradiction).

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
from xling.errors import XlingError
from xling.languages import normalize
from xling.task import PairClassify

LABELS = ("entailment", "neutral", "contradiction")  # the hub's class ids, in order

NATIVE = ("aym", "bzd", "cni", "gn", "hch", "nah", "oto", "quy", "shp", "tar")

_SPLITS = {"dev": "validation", "test": "test"}


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


def hub_label(rows, i: int, value, labels: tuple[str, ...], where: str) -> str:
    """A hub label (class id or name) as a label name; the names come from the dataset's
    ClassLabel feature when it has one."""
    feature = getattr(rows, "features", {}) or {}
    names = tuple(getattr(feature.get("label"), "names", ()) or labels)
    if isinstance(value, str) and value in labels:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names) and names[value] in labels:
        return names[value]
    raise XlingError(f"{where} row {i}: unknown label {value!r} (expected one of {', '.join(labels)})")


def hub_pairs(rows, lang: str, split: str, repo: str):
    """Examples from hub rows with ``premise``, ``hypothesis`` and ``label`` (AmericasNLI, XNLI)."""
    for i, row in enumerate(rows):
        label = hub_label(rows, i, row["label"], LABELS, f"{repo} {lang} {split}")
        yield Example(id=str(i), lang=lang, text=row["premise"], text_pair=row["hypothesis"], label=label,
                      source=f"hub:{i}")


def _read_hub(rows, lang, split):
    return hub_pairs(rows, lang, split, "nala-cub/americas_nli")


TASK = PairClassify(
    name="americasnli",
    version="1",
    description="AmericasNLI 3-way NLI, 10 indigenous languages of the Americas (dev/test only)",
    languages=tuple((normalize(f"{n}_Latn"), n) for n in NATIVE),
    splits=("dev", "test"),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="nala-cub/americas_nli",
    hub_revision="main",
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc",
    settings=("in_language", "zero_shot"),
    homepage="https://github.com/nala-cub/AmericasNLI",
    labels=LABELS,
    train_split="dev",
)
