"""XWinograd: Winograd schemas in six languages (English, French, Japanese, Portuguese,
Russian, Chinese), two candidates per blank. Tikhonov & Ryabinin, Findings of ACL 2021;
Muennighoff et al., ACL 2023 (the Chinese set extended with CLUEWSC2020 items).

Prompt: exactly lm-evaluation-harness 0.4.13's ``xwinograd_<lang>`` ("multiple input" mode): the
sentence up to the blank with each candidate filled in is a context, the rest of the sentence
after the blank (stripped, after a space) the one continuation scored for every context. As
there, ``acc_norm`` divides by the characters of each context (lm-eval's ``doc_to_choice``).

Local door: the hub repository's own files, ``xwinograd/<lang>/test-00000-of-00001.parquet``
(columns sentence, option1, option2, answer '1'|'2'); item ids are row numbers. Hub door:
``Muennighoff/xwinograd`` (configs en, fr, jp, pt, ru, zh; split test) at commit
90b619ef5278605cd4f572e3e8506ab16afd44f2, which public code reads ``zh/test-00000-of-00001.parquet``
from and dataset pin lists pin (found with code search). Not checked against the hub from here.
"""
from __future__ import annotations

from xling.core import Example
from xling.data import read_parquet
from xling.errors import XlingError
from xling.languages import normalize
from xling.prompts import ChoiceTemplate
from xling.task import MultipleChoice

NATIVE = ("en", "fr", "jp", "pt", "ru", "zh")
CANONICAL = {"jp": "jpn_Jpan"}  # the dataset's 'jp' is not an ISO 639 code of Japanese


def _build(example, params):
    """lm-eval's doc_to_choice (the contexts) and doc_to_target (the shared continuation)."""
    sentence = example.text
    idx = sentence.index("_")
    return tuple(sentence[:idx] + opt for opt in example.choices), sentence[idx + 1:].strip()


TEMPLATE = ChoiceTemplate("xwinograd", _build, varying_context=True)


def _example(where: str, i: int, row: dict, lang: str) -> Example:
    missing = [f for f in ("sentence", "option1", "option2", "answer") if f not in row]
    if missing:
        raise XlingError(f"{where}: missing field(s) {', '.join(missing)}")
    answer = str(row["answer"]).strip()
    if answer not in ("1", "2"):
        raise XlingError(f"{where}: answer must be '1' or '2', found {answer!r}")
    return Example(id=str(i), lang=lang, text=row["sentence"], choices=(row["option1"], row["option2"]),
                   gold=int(answer) - 1, source=where)


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"xwinograd/{native}/{split}-00000-of-00001.parquet",)


def _read_local(paths, lang, split):
    (path,) = paths
    for i, row in enumerate(read_parquet(path)):
        yield _example(f"{path}:row {i}", i, row, lang)


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, split


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        yield _example(f"Muennighoff/xwinograd {lang} row {i}", i, row, lang)


TASK = MultipleChoice(
    name="xwinograd",
    version="1",
    description="XWinograd Winograd schemas (2 candidates), 6 languages; lm-evaluation-harness prompt",
    languages=tuple((CANONICAL.get(n) or normalize(n), n) for n in NATIVE),
    splits=("test",),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="Muennighoff/xwinograd",
    hub_revision="90b619ef5278605cd4f572e3e8506ab16afd44f2",
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc",
    settings=("prompted",),
    homepage="https://huggingface.co/datasets/Muennighoff/xwinograd",
    template=TEMPLATE,
)
