"""XCOPA: causal commonsense reasoning (COPA translated into 11 languages), two alternatives
per premise. Ponti et al., EMNLP 2020.

Prompt: exactly lm-evaluation-harness 0.4.13's ``xcopa_<lang>`` (``lm_eval/tasks/xcopa``): the
premise without its final character, a space and the language's connector for 'cause' or
'effect' as context; each alternative with its first character lower-cased, after a space,
as continuation. The connectors are lm-eval's, per language (``CONNECTORS``).

Local door: the upstream repository (github.com/cambridgeltl/xcopa) layout
``xcopa/data/<lang>/{val,test}.<lang>.jsonl`` (CRLF line ends; keys premise, choice1, choice2,
question, label, idx, changed). Hub door: ``cambridgeltl/xcopa`` at commit
042f78955ba48e6404616762fa6e05e839c3907a, which holds ``<lang>/{validation,test}-00000-of-00001.parquet``
(no loading script, so ``datasets`` >= 4 reads it). That hash is the one pinned by public
evaluation code found with code search (e.g. a repository's ``bench/external.py`` that downloads
``tr/test-00000-of-00001.parquet`` at it, and a LightEval task table pinning XCOPA to it); it was
not checked against the hub from here (no network).
"""
from __future__ import annotations

from xling.core import Example
from xling.data import field, hub_field, read_jsonl
from xling.errors import XlingError
from xling.languages import normalize
from xling.prompts import ChoiceTemplate
from xling.task import MultipleChoice

# lm_eval/tasks/xcopa/utils.py (0.4.13): native code -> (cause, effect) connectors
CONNECTORS = {
    "et": ("sest", "seetõttu"),
    "ht": ("poukisa", "donk sa"),
    "id": ("karena", "maka"),
    "it": ("perché", "quindi"),
    "qu": ("imataq", "chaymi"),
    "sw": ("kwa sababu", "kwa hiyo"),
    "ta": ("காரணமாக", "எனவே"),
    "th": ("เพราะ", "ดังนั้น"),
    "tr": ("çünkü", "bu yüzden"),
    "vi": ("bởi vì", "vì vậy"),
    "zh": ("因为", "所以"),
}
NATIVE = tuple(CONNECTORS)
_HUB_SPLIT = {"val": "validation", "test": "test"}


def _build(example, params):
    """lm-eval's doc_to_text (premise minus its last character, the connector) and doc_to_choice
    (first character of each alternative lower-cased)."""
    cause, effect = dict(params["connectors"])[example.lang]
    conn = {"cause": cause, "effect": effect}[example.field("question")]
    return example.text.strip()[:-1] + f" {conn}", tuple(c[0].lower() + c[1:] for c in example.choices)


TEMPLATE = ChoiceTemplate("xcopa", _build, (("connectors", tuple(sorted(
    (normalize(n), pair) for n, pair in CONNECTORS.items()))),))


def _example(where: str, row, lang: str, get) -> Example:
    question = get("question")
    if question not in ("cause", "effect"):
        raise XlingError(f"{where}: question must be 'cause' or 'effect', found {question!r}")
    label = get("label")
    if not isinstance(label, int) or isinstance(label, bool):
        raise XlingError(f"{where}: label must be an integer, found {label!r}")
    return Example(id=str(get("idx")), lang=lang, text=get("premise"), choices=(get("choice1"), get("choice2")),
                   gold=label, meta=(("question", question),), source=where)


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"xcopa/data/{native}/{split}.{native}.jsonl",)


def _read_local(paths, lang, split):
    (path,) = paths
    for line, row in read_jsonl(path):
        yield _example(f"{path}:{line}", row, lang, lambda k, r=row, ln=line: field(path, ln, r, k))


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, _HUB_SPLIT[split]


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        where = f"cambridgeltl/xcopa {lang} {split} row {i}"

        yield _example(where, row, lang, hub_field(where, row))


TASK = MultipleChoice(
    name="xcopa",
    version="1",
    description="XCOPA causal commonsense reasoning (2 choices), 11 languages; lm-evaluation-harness prompts",
    languages=tuple((normalize(n), n) for n in NATIVE),
    splits=("val", "test"),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="cambridgeltl/xcopa",
    hub_revision="042f78955ba48e6404616762fa6e05e839c3907a",
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc",
    settings=("prompted",),
    homepage="https://github.com/cambridgeltl/xcopa",
    template=TEMPLATE,
)
