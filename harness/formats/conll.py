"""CoNLL-style NER data: the local files (``token TAG`` lines, a blank line between sentences,
as MasakhaNER and the WikiANN/PAN-X releases publish them), the hub rows of the same data
(``tokens`` and ``ner_tags``), and ``conll_task``, which builds a ``task.Tag`` over both.

``read_conll`` refuses lines that are not exactly ``token TAG`` and tags outside the task's
IOB2 tag set, naming file:line. It does *not* refuse ill-formed tag *sequences*: published
gold files hold a few (an ``I-`` tag after ``O``, e.g. MasakhaNER 2.0 yor/test.txt ``Ẹ̀gbá
I-LOC``); they are kept as published and scored by conlleval's rule (see
``xling.metrics.ner``).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import Example
from ..data import read_lines
from ..errors import DataError, XlingError
from ..task import Tag

_HUB_SPLITS = {"train": "train", "dev": "validation", "test": "test"}


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


def _tag_names(ids: list, names: Sequence[str], where: str) -> tuple[str, ...]:
    tags = []
    for v in ids:
        if isinstance(v, str) and v in names:
            tags.append(v)
        elif isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(names):
            tags.append(names[v])
        else:
            raise XlingError(f"{where}: unknown tag {v!r} (expected ids 0..{len(names) - 1})")
    return tuple(tags)


def read_hub_rows(rows, lang: str, split: str, hub_id: str, names: Sequence[str]) -> Iterator[Example]:
    """Hub rows with ``tokens`` and ``ner_tags`` (class ids over ``names``, or the names)."""
    for i, row in enumerate(rows):
        where = f"{hub_id} {lang} {split} row {i}"
        if not isinstance(row, Mapping) or "tokens" not in row or "ner_tags" not in row:
            raise XlingError(f"{where}: missing tokens/ner_tags")
        tokens, ids = list(row["tokens"]), list(row["ner_tags"])
        if not tokens or len(tokens) != len(ids):
            raise XlingError(f"{where}: {len(tokens)} tokens but {len(ids)} tags")
        tags = _tag_names(ids, names, where)
        rid = str(row["id"]) if row.get("id") not in (None, "") else str(i)
        yield Example(id=rid, lang=lang, text=" ".join(tokens), tokens=tuple(tokens), tags=tags, source=f"hub:{i}")


@dataclass(frozen=True)
class ConllSource:
    """Where a CoNLL-style NER dataset lives: local files ``<local_dir>/<native>/{train,dev,test}.txt``
    with IOB2 tags over ``types``; hub configs named by the native code (splits
    train/validation/test) whose ``ner_tags`` are class ids over ``hub_tags``."""

    local_dir: str
    hub_id: str
    types: tuple[str, ...]
    hub_tags: tuple[str, ...]

    def local_files(self, native: str, split: str) -> tuple[str, ...]:
        return (f"{self.local_dir}/{native}/{split}.txt",)

    def read_local(self, paths, lang: str, split: str) -> Iterator[Example]:
        (path,) = paths
        return read_conll(path, lang, self.types)

    def hub_config(self, native: str, split: str) -> tuple[str, str]:
        return native, _HUB_SPLITS[split]

    def read_hub(self, rows, lang: str, split: str) -> Iterator[Example]:
        return read_hub_rows(rows, lang, split, self.hub_id, self.hub_tags)


def conll_task(name: str, description: str, languages: tuple[tuple[str, str], ...], source: ConllSource,
               hub_revision: str | None, homepage: str) -> Tag:
    """A CoNLL-style NER task over ``source`` (main metric entity F1), its hub door pinned at
    ``hub_revision`` (a 40-hex commit; None while no commit is pinned: the hub door refuses)."""
    return Tag(
        name=name,
        version="1",
        description=description,
        languages=languages,
        splits=("train", "dev", "test"),
        local_files=source.local_files,
        read_local=source.read_local,
        hub_id=source.hub_id,
        hub_revision=hub_revision,
        hub_config=source.hub_config,
        read_hub=source.read_hub,
        main_metric="f1",
        settings=("in_language", "zero_shot"),
        homepage=homepage,
        labels=tuple(source.types),
    )
