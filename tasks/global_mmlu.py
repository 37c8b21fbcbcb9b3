"""Global-MMLU-Lite: 400 MMLU questions per language (200 culturally sensitive, 200 agnostic),
human translated or post-edited, 4 answers. Singh et al., ACL 2025.

Prompt: exactly lm-evaluation-harness 0.4.13's ``global_mmlu_<lang>`` (``lm_eval/tasks/global_mmlu/
default``): '<question stripped>\\nA. <option a>\\nB. ...\\nD. <option d>\\nAnswer:' as context,
the letters A-D (after a space) as continuations; the 15 languages lm-eval lists. lm-eval splits a
language into six subject-category subtasks and aggregates them weighted by size: the same as
scoring all 400 items at once, which is what this task does.

Local door: the hub repository's own files, ``Global-MMLU-Lite/<lang>/{test,dev}-00000-of-00001.parquet``
(the layout ``datasets.push_to_hub`` writes; not checked against the repository from here).
Hub door: ``CohereLabs/Global-MMLU-Lite`` (formerly CohereForAI/Global-MMLU-Lite; configs per
language, splits test and dev) at commit 7e5e098f4ea4655446dfb385766ee48d3fb14dad, a revision
whose README (15 languages, dev 215 rows) a public web page links by that hash (found with the
search tool's pages corpus). Not checked against the hub from here (no network).
"""
from __future__ import annotations

from xling.core import Example
from xling.data import read_parquet
from xling.errors import XlingError
from xling.languages import normalize
from xling.prompts import ChoiceTemplate
from xling.task import MultipleChoice

NATIVE = ("ar", "bn", "de", "en", "es", "fr", "hi", "id", "it", "ja", "ko", "pt", "sw", "yo", "zh")
LETTERS = ("A", "B", "C", "D")
FIELDS = ("sample_id", "question", "option_a", "option_b", "option_c", "option_d", "answer")


def _build(example, params):
    """lm-eval's doc_to_text and doc_to_choice for global_mmlu."""
    a, b, c, d = example.choices
    return f"{example.text.strip()}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nAnswer:", LETTERS


TEMPLATE = ChoiceTemplate("global_mmlu", _build)


def _example(where: str, row: dict, lang: str) -> Example:
    missing = [f for f in FIELDS if f not in row]
    if missing:
        raise XlingError(f"{where}: missing field(s) {', '.join(missing)}")
    answer = str(row["answer"]).strip()
    if answer not in LETTERS:
        raise XlingError(f"{where}: answer must be one of A-D, found {answer!r}")
    return Example(id=str(row["sample_id"]), lang=lang, text=row["question"],
                   choices=tuple(row[f"option_{x}"] for x in "abcd"), gold=LETTERS.index(answer),
                   meta=(("subject_category", str(row.get("subject_category", ""))),), source=where)


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"Global-MMLU-Lite/{native}/{split}-00000-of-00001.parquet",)


def _read_local(paths, lang, split):
    (path,) = paths
    for i, row in enumerate(read_parquet(path)):
        yield _example(f"{path}:row {i}", row, lang)


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, split


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        yield _example(f"CohereLabs/Global-MMLU-Lite {lang} {split} row {i}", row, lang)


TASK = MultipleChoice(
    name="global_mmlu",
    version="1",
    description="Global-MMLU-Lite knowledge questions (4 choices), 15 languages; lm-evaluation-harness prompt",
    languages=tuple((normalize(n), n) for n in NATIVE),
    splits=("test", "dev"),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="CohereLabs/Global-MMLU-Lite",
    hub_revision="7e5e098f4ea4655446dfb385766ee48d3fb14dad",
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc",
    settings=("prompted",),
    homepage="https://huggingface.co/datasets/CohereLabs/Global-MMLU-Lite",
    template=TEMPLATE,
    fewshot_split="dev",
)
