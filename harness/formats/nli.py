"""Hub rows of NLI pairs (``premise``, ``hypothesis``, ``label``), the shape XNLI and
AmericasNLI share on the hub: ``label`` a class id (names from the dataset's ClassLabel
feature where it has one) or a label name."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ..core import Example
from ..errors import XlingError


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


def hub_pairs(rows: Iterable[Mapping], lang: str, split: str, repo: str, labels: tuple[str, ...]) -> Iterator[Example]:
    """Examples from hub rows with ``premise``, ``hypothesis`` and ``label`` over ``labels``
    (in class-id order unless the rows' ClassLabel says otherwise)."""
    for i, row in enumerate(rows):
        label = hub_label(rows, i, row["label"], labels, f"{repo} {lang} {split}")
        yield Example(id=str(i), lang=lang, text=row["premise"], text_pair=row["hypothesis"], label=label,
                      source=f"hub:{i}")
