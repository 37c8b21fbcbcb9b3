"""MasakhaNER 2.0: named entities (PER, ORG, LOC, DATE) in news text of 20 African languages.

Adelani et al., EMNLP 2022. Local door: the upstream repository layout
``masakhane-ner/MasakhaNER2.0/data/<lang>/{train,dev,test}.txt``: CoNLL-style text, one
``token TAG`` per line (single space), IOB2 tags, a blank line between sentences. Hub door:
``masakhane/masakhaner2`` (one config per language code, splits train/validation/test,
columns ``tokens`` and ``ner_tags`` as class ids over ``HUB_TAGS``).

``read_conll``, ``read_hub_rows`` and the task builder ``conll_task`` are shared with
``masakhaner1`` (MasakhaNER 1.0) and ``wikiann``. ``read_conll`` refuses
lines that are not exactly ``token TAG`` and tags outside the task's IOB2 tag set, naming
file:line. It does *not* refuse ill-formed tag *sequences*: the published gold files hold a
few (an ``I-`` tag after ``O``, e.g. yor/test.txt ``Ẹ̀gbá I-LOC``); they are kept as published
and scored by conlleval's rule (see ``xling.metrics.ner``).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from xling.core import Example
from xling.data import read_lines
from xling.errors import DataError, XlingError
from xling.languages import normalize
from xling.task import Tag

TYPES = ("PER", "ORG", "LOC", "DATE")
# The hub's ClassLabel names for ner_tags (ids 0..8), same in masakhaner and masakhaner2.
HUB_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-DATE", "I-DATE")

NATIVE = "bam bbj ewe fon hau ibo kin lug luo mos nya pcm sna swa tsn twi wol xho yor zul".split()

_SPLITS = {"train": "train", "dev": "validation", "test": "test"}


def tag_set(types: Sequence[str]) -> frozenset[str]:
    """IOB2 tags over ``types``: 'O', 'B-<type>', 'I-<type>'."""
    return frozenset(["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")])


def read_conll(path: Path, lang: str, types: Sequence[str]) -> Iterator[Example]:
    """Sentences of a CoNLL-style file: ``token TAG`` lines, blank lines between sentences.

    A UTF-8 BOM is dropped (MasakhaNER 1.0 luo/train.txt starts with one), CRLF is
    tolerated, ``-DOCSTART-`` lines count as sentence breaks. Example ids are the
    sentence's 0-based index in the file (as the hub's ``id`` column numbers them).
    An empty token (a line `` O``, twice in MasakhaNER 2.0 xho/train.txt) is kept as
    published, as the hub loader keeps it; the tag still has to be valid.
    """
    allowed = tag_set(types)
    lines = read_lines(path)
    breaks = [i for i, line in enumerate(lines) if not line.strip() or line.startswith("-DOCSTART-")]
    n = 0
    for a, b in zip([-1] + breaks, breaks + [len(lines)]):
        if b - a < 2:
            continue
        rows = lines[a + 1:b]  # file lines a+2 .. b+1
        pairs = [line.split(" ") for line in rows]
        if any(len(p) != 2 for p in pairs):
            k = next(k for k, p in enumerate(pairs) if len(p) != 2)
            raise DataError(path, f"expected 'token TAG' (two fields separated by one space), found {rows[k]!r}",
                            a + 2 + k)
        tokens, tags = zip(*pairs)
        if not allowed.issuperset(tags):
            k = next(k for k, t in enumerate(tags) if t not in allowed)
            raise DataError(path, f"unknown tag {tags[k]!r} (expected one of {', '.join(sorted(allowed))})", a + 2 + k)
        yield Example(id=str(n), lang=lang, text=" ".join(tokens), tokens=tokens, tags=tags, source=f"{path}:{a + 2}")
        n += 1


def read_hub_rows(rows, lang: str, split: str, hub_id: str, names: Sequence[str]) -> Iterator[Example]:
    """Hub rows with ``tokens`` and ``ner_tags`` (class ids over ``names``, or the names)."""
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping) or "tokens" not in row or "ner_tags" not in row:
            raise XlingError(f"{hub_id} {lang} {split} row {i}: missing tokens/ner_tags")
        tokens, ids = list(row["tokens"]), list(row["ner_tags"])
        if not tokens or len(tokens) != len(ids):
            raise XlingError(f"{hub_id} {lang} {split} row {i}: {len(tokens)} tokens but {len(ids)} tags")
        tags = []
        for v in ids:
            if isinstance(v, str) and v in names:
                tags.append(v)
            elif isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(names):
                tags.append(names[v])
            else:
                raise XlingError(f"{hub_id} {lang} {split} row {i}: unknown tag {v!r} (expected ids 0..{len(names) - 1})")
        rid = str(row["id"]) if row.get("id") not in (None, "") else str(i)
        yield Example(id=rid, lang=lang, text=" ".join(tokens), tokens=tuple(tokens), tags=tuple(tags),
                      source=f"hub:{i}")


def conll_task(name: str, description: str, languages: tuple[tuple[str, str], ...], local_dir: str, hub_id: str,
               types: Sequence[str], hub_tags: Sequence[str], homepage: str) -> Tag:
    """A CoNLL-style NER task: local files ``<local_dir>/<native>/{train,dev,test}.txt`` read by
    ``read_conll`` over ``types``; hub configs named by the native code, splits
    train/validation/test, rows read by ``read_hub_rows`` with ``ner_tags`` ids over ``hub_tags``."""

    def local_files(native: str, split: str) -> tuple[str, ...]:
        return (f"{local_dir}/{native}/{split}.txt",)

    def read_local(paths, lang, split):
        (path,) = paths
        return read_conll(path, lang, types)

    def hub_config(native: str, split: str) -> tuple[str, str]:
        return native, _SPLITS[split]

    def read_hub(rows, lang, split):
        return read_hub_rows(rows, lang, split, hub_id, hub_tags)

    return Tag(
        name=name,
        version="1",
        description=description,
        languages=languages,
        splits=("train", "dev", "test"),
        local_files=local_files,
        read_local=read_local,
        hub_id=hub_id,
        hub_revision="main",
        hub_config=hub_config,
        read_hub=read_hub,
        main_metric="f1",
        settings=("in_language", "zero_shot"),
        homepage=homepage,
        labels=tuple(types),
    )


TASK = conll_task(
    "masakhaner",
    "MasakhaNER 2.0 named entities (PER, ORG, LOC, DATE), 20 African languages",
    languages=tuple((normalize(n), n) for n in NATIVE),
    local_dir="masakhane-ner/MasakhaNER2.0/data",
    hub_id="masakhane/masakhaner2",
    types=TYPES,
    hub_tags=HUB_TAGS,
    homepage="https://github.com/masakhane-io/masakhane-ner/tree/main/MasakhaNER2.0",
)
