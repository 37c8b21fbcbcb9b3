"""Tasks are data: a frozen dataclass per task, of one *kind* that says how it is solved.

A task knows its languages (canonical code -> the dataset's native code), its splits, and
how to read each data door (``data.Local`` mirror in the original published format, or
``data.Hub`` through ``datasets``). It holds no loaded state.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
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
    hub_revision: str | None  # a 40-hex commit; None: not pinned yet, the hub door refuses
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
    # (canonical lang, its labels) where a language uses a subset of ``labels`` (MasakhaNEWS)
    lang_labels: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the split a probe trains on when reading the local mirror, where the mirror lacks
    # ``train_split`` (MasakhaNEWS: 'dev'); the hub door still trains on ``train_split``
    mirror_train_split: str = ""

    def labels_of(self, lang: str) -> tuple[str, ...]:
        """The labels language ``lang`` uses: its own subset where the task lists one."""
        for code, labels in self.lang_labels:
            if code == lang:
                return labels
        return self.labels

    def probe_split(self, source) -> str:
        """The labelled split a probe trains on when reading from ``source``."""
        from .data import Local

        return self.mirror_train_split if (self.mirror_train_split and isinstance(source, Local)) else self.train_split


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


# test_lang of a retrieval cell whose pool holds every language of the task (LAReQA's setting):
# ISO 639-3 'mul' (multiple languages) with ISO 15924 'Zyyy' (common/several scripts).
ALL_LANGS_POOL = "mul_Zyyy"
RETRIEVAL_PARTS = ("qrels", "corpus")


@dataclass(frozen=True)
class Retrieval(Rank):
    """Query -> relevant documents of a corpus, judged by qrels.

    A split has three parts, each read through the same data doors: ``<split>`` the queries
    (id = query id, text = query), ``<split>/qrels`` one Example per judgment (id = query id
    TAB docid, text = query id, text_pair = docid, label = relevance level as a decimal
    integer) and ``<split>/corpus`` one per
    document (id = docid, text = what is encoded, text_pair = title). ``corpus_hub_id`` is the
    hub repository of the corpus where it is not ``hub_id``, pinned at ``corpus_hub_revision``
    (a 40-hex commit, like ``hub_revision``). A cell's pool language may be
    ``ALL_LANGS_POOL``: the union of every language's corpus and qrels.
    """

    corpus_hub_id: str = ""
    corpus_hub_revision: str | None = None

    def check_split(self, split: str) -> None:
        base, _, part = split.partition("/")
        if part and part not in RETRIEVAL_PARTS:
            raise XlingError(f"task {self.name!r}: unknown part {part!r} of split {base!r} "
                             f"(known: {', '.join(RETRIEVAL_PARTS)})")
        super().check_split(base)

    def _door_task(self, split: str) -> "Retrieval":
        if split.endswith("/corpus") and self.corpus_hub_id:
            return replace(self, hub_id=self.corpus_hub_id, hub_revision=self.corpus_hub_revision)
        return self

    def load(self, lang: str, split: str, source) -> list[Example]:
        self.check_split(split)
        return source.load(self._door_task(split), lang, split)

    def data_signature(self, lang: str, split: str, source) -> str:
        return source.signature(self._door_task(split), lang, split)

    def pool_langs(self, lang: str) -> tuple[str, ...]:
        """The languages whose documents make up the pool of test language ``lang``."""
        return self.langs if lang == ALL_LANGS_POOL else (lang,)


@dataclass(frozen=True)
class MultipleChoice(Task):
    """A context and several choices, one of them right (``Example.choices``, ``Example.gold``),
    scored by a ``LanguageModel``'s log-likelihood of each choice. ``template`` (an
    ``xling.prompts.ChoiceTemplate``) turns an example's raw fields into the contexts and
    continuations that are scored; its hash goes into every signature."""

    template: object = None
    fewshot_split: str = ""  # where few-shot examples come from, if the task offers any
    # (native lang, split) -> files of the hub repository that the hub door downloads at
    # ``hub_revision`` and ``read_local`` reads: for repos whose loading script datasets >= 4 refuses
    hub_files: Callable[[str, str], tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Translate(Task):
    """Translation between languages of a parallel corpus: each language's examples are its
    sentences (``text``), aligned across languages by ``id``. A cell translates the source
    language's sentences (``Cell.query_lang``) into the target (``Cell.test_lang``), whose
    sentences are the references.

    ``pivot_in_pair``: the corpus is a set of pairs with the pivot rather than one parallel
    text (Tatoeba): each non-pivot language's examples carry their pivot-language side in
    ``text_pair``, the pivot is not among ``languages``, and only xx2en / en2xx apply."""

    pivot: str = "eng_Latn"  # xx2en / en2xx translate from or into this language
    pivot_in_pair: bool = False


@dataclass(frozen=True)
class LanguageModelling(Task):
    """Log-likelihood of each sentence (``text``) of a corpus, per language. Where the corpus
    is parallel (the same ``id`` in every language), bits per sentence compare languages."""

    pivot: str = "eng_Latn"  # information parity: bits of the pivot's sentence / bits of its translation


@dataclass(frozen=True)
class Tokenization(LanguageModelling):
    """Tokenizer statistics on a corpus, per language (a ``Tokenizer``'s token counts): tokens per
    sentence, word and character and, where the corpus is parallel, the premium over ``pivot``."""


@dataclass(frozen=True)
class Generate(Task):
    """Open generation: each example's ``text`` is a prompt a ``Generator`` answers (at most
    ``max_tokens`` new tokens); every output is kept in the samples and ``score(examples,
    outputs, data_paths, seed)`` -> (metrics, per-item prediction dicts, per-item scores) judges
    them (the Language Confusion Benchmark: ``xling.metrics.lcb.score``). Each split is a
    setting's item set (``monolingual``: prompt and answer in the test language;
    ``crosslingual``: a ``pivot``-language prompt asking for an answer in the test language)."""

    score: Callable | None = None
    max_tokens: int = 100
    pivot: str = "eng_Latn"
