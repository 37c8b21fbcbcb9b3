"""Tasks are data: a frozen dataclass per task, of one *kind* that says how it is solved.

A task knows its languages (canonical code -> the dataset's native code), its splits, and
how to read each data door (``data.Local`` mirror in the original published format, or
``data.Hub`` through ``datasets``). It holds no loaded state.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .core import Example
from .errors import XlingError

LocalFiles = Callable[[str, str], tuple[str, ...]]  # (native lang, split) -> relative paths
ReadLocal = Callable[[tuple[Path, ...], str, str], Iterable[Example]]  # (paths, lang, split)
HubConfig = Callable[[str, str], tuple[str, str]]  # (native lang, split) -> (config, hub split)
ReadHub = Callable[[Iterable[Mapping], str, str], Iterable[Example]]  # (rows, lang, split)


@dataclass(frozen=True)
class Task:
    name: str
    version: str
    description: str
    languages: tuple[tuple[str, str], ...]  # (canonical, native), in dataset order
    splits: tuple[str, ...]
    local_files: LocalFiles
    read_local: ReadLocal
    hub_id: str
    hub_revision: str
    hub_config: HubConfig
    read_hub: ReadHub
    main_metric: str
    settings: tuple[str, ...]
    homepage: str = ""
    test_split: str = "test"

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.languages)

    def native(self, lang: str) -> str:
        for c, n in self.languages:
            if c == lang:
                return n
        raise XlingError(f"task {self.name!r} has no language {lang!r}")

    def check_split(self, split: str) -> None:
        if split not in self.splits:
            raise XlingError(f"task {self.name!r} has no split {split!r} (it has {', '.join(self.splits)})")

    def load(self, lang: str, split: str, source) -> list[Example]:
        """All examples of one language and split, from ``source`` (data.Local or data.Hub)."""
        self.check_split(split)
        return source.load(self, lang, split)

    def data_signature(self, lang: str, split: str, source) -> str:
        """What identifies the data read: file hashes (local) or the hub revision."""
        return source.signature(self, lang, split)


@dataclass(frozen=True)
class Classify(Task):
    """Single-text classification into a fixed label set (topic, sentiment...)."""

    labels: tuple[str, ...] = ()
    train_split: str = "train"
    dev_split: str = "dev"


@dataclass(frozen=True)
class Rank(Task):
    """Retrieval: a query finds its relevant items in a pool."""


@dataclass(frozen=True)
class Bitext(Rank):
    """Bitext mining: ``text`` and ``text_pair`` of the i-th example are translations; each
    side retrieves its partner from the other side's pool (``pivot`` is that side's language)."""

    pivot: str = "eng_Latn"


@dataclass(frozen=True)
class PairClassify(Classify):
    """Sentence-pair classification (NLI): ``text`` premise, ``text_pair`` hypothesis."""


@dataclass(frozen=True)
class Extract(Task):
    """Extractive QA: ``text`` question, ``text_pair`` context, ``answers`` gold spans."""


@dataclass(frozen=True)
class Tag(Task):
    """Sequence labelling (NER): ``tokens`` and gold IOB2 ``tags`` per example."""

    labels: tuple[str, ...] = ()  # entity types, e.g. ('PER', 'ORG', 'LOC', 'DATE')
    train_split: str = "train"


@dataclass(frozen=True)
class Retrieval(Rank):
    """Query -> relevant documents of a corpus, judged by qrels."""
