"""Readers for TREC-style retrieval data (the layout Anserini/Pyserini publish MIRACL and
Mr. TyDi in) and for JSONL corpora, and the mapping of BEIR-style hub rows (the layout of
MTEB's copies), shared by the retrieval tasks. Every reader yields ``Example``s as
``task.Retrieval`` describes them and turns a bad line into a one-line ``DataError`` naming
the file and line (a bad hub row: an ``XlingError`` naming repository, config and row).

* topics: ``qid<TAB>query`` per line, no header (``.gz`` is decompressed);
* qrels: ``qid Q0 docid relevance`` per line, tab- or space-separated, relevance an integer;
* corpus: JSON Lines, one document per line: ``docid`` (or ``id``), ``title`` (optional),
  ``text`` (or ``contents``);
* hub (BEIR/MTEB layout): one config per language and part, ``<name>-queries`` (``_id``,
  ``text``), ``<name>-qrels`` (``query-id``, ``corpus-id``, ``score``) and ``<name>-corpus``
  (``_id``, ``title``, ``text``); ``id`` is read where ``_id`` is absent.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core import Example
from ..data import read_lines
from ..errors import DataError, XlingError


def passage(title: str, text: str) -> str:
    """What a retrieval model encodes for a document: its title, a space, its text."""
    title, text = (title or "").strip(), (text or "").strip()
    return f"{title} {text}" if title and text else title or text


def judgment(qid: str, docid: str, level: int, lang: str, source: str) -> Example:
    """One qrels line as an Example (see ``task.Retrieval``)."""
    return Example(id=f"{qid}\t{docid}", lang=lang, text=qid, text_pair=docid, label=str(level), source=source)


def read_topics(path: Path, lang: str) -> Iterator[Example]:
    seen: dict[str, int] = {}
    for i, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise DataError(path, f"expected 2 tab-separated fields (query id, query), found {len(fields)}", i)
        qid, query = fields[0].strip(), fields[1].strip()
        if not qid or not query:
            raise DataError(path, "empty query id or query", i)
        if qid in seen:
            raise DataError(path, f"duplicate query id {qid!r} (first at line {seen[qid]})", i)
        seen[qid] = i
        yield Example(id=qid, lang=lang, text=query, source=f"{path}:{i}")


def read_qrels(path: Path, lang: str) -> Iterator[Example]:
    seen: dict[tuple[str, str], int] = {}
    for i, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4:
            raise DataError(path, f"expected 4 fields (query id, Q0, docid, relevance), found {len(fields)}", i)
        qid, _, docid, rel = fields
        try:
            level = int(rel)
        except ValueError:
            raise DataError(path, f"relevance {rel!r} is not an integer", i) from None
        if (qid, docid) in seen:
            raise DataError(path, f"duplicate judgment of query {qid!r} document {docid!r} "
                                  f"(first at line {seen[qid, docid]})", i)
        seen[qid, docid] = i
        yield judgment(qid, docid, level, lang, f"{path}:{i}")


def read_corpus(path: Path, lang: str) -> Iterator[Example]:
    seen: dict[str, int] = {}
    for i, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(path, f"invalid JSON ({e.msg} at column {e.colno})", i) from None
        if not isinstance(doc, dict):
            raise DataError(path, "expected a JSON object per line", i)
        docid = doc.get("docid", doc.get("id"))
        text = doc.get("text", doc.get("contents"))
        if not isinstance(docid, str | int) or str(docid) == "" or not isinstance(text, str):
            raise DataError(path, "a document needs 'docid' (or 'id') and 'text' (or 'contents')", i)
        docid = str(docid)
        if docid in seen:
            raise DataError(path, f"duplicate docid {docid!r} (first at line {seen[docid]})", i)
        seen[docid] = i
        title = doc.get("title") or ""
        yield Example(id=docid, lang=lang, text=passage(str(title), text), text_pair=str(title) or None,
                      source=f"{path}:{i}")


def read_part(paths: tuple[Path, ...], lang: str, split: str) -> Iterator[Example]:
    """The local reader of a TREC-style task: the part named after '/' in ``split``."""
    (path,) = paths
    part = split.partition("/")[2]
    reader = {"": read_topics, "qrels": read_qrels, "corpus": read_corpus}[part]
    return reader(path, lang)


# the hub config suffix of each part of a split (see ``task.Retrieval``)
HUB_PARTS = {"": "queries", "qrels": "qrels", "corpus": "corpus"}


def _row_id(row: Mapping, where: str) -> str:
    value = row["_id"] if "_id" in row else row["id"]
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise XlingError(f"{where}: bad id {value!r}")
    return str(value)


def _hub_judgment(row: Mapping, where: str, lang: str, i: int) -> Example:
    score = row["score"]
    if not isinstance(score, int | float) or isinstance(score, bool) or score != int(score):
        raise XlingError(f"{where}: relevance {score!r} is not an integer")
    return judgment(str(row["query-id"]), str(row["corpus-id"]), int(score), lang, f"hub:{i}")


def hub_rows(repo: str, rows: Iterable[Mapping], lang: str, split: str) -> Iterator[Example]:
    """The hub reader of a BEIR-style copy (MTEB's ``mteb/MIRACLRetrieval``, ``mteb/mrtidy``):
    the rows of the config that holds the part of ``split`` named after its '/'."""
    part = split.partition("/")[2]
    seen: set = set()
    for i, row in enumerate(rows):
        where = f"{repo} {lang} {split} row {i}"
        try:
            if part == "qrels":
                ex = _hub_judgment(row, where, lang, i)
                key = (ex.text, ex.text_pair)
            elif part == "corpus":
                title = row.get("title") or ""
                ex = Example(id=_row_id(row, where), lang=lang, text=passage(title, row["text"]),
                             text_pair=title or None, source=f"hub:{i}")
                key = ex.id
            else:
                ex = Example(id=_row_id(row, where), lang=lang, text=row["text"], source=f"hub:{i}")
                key = ex.id
        except (KeyError, TypeError) as e:
            raise XlingError(f"{where}: missing or malformed column {e}") from None
        if key in seen:
            raise XlingError(f"{where}: duplicate {'judgment' if part == 'qrels' else 'id'} {key!r}")
        seen.add(key)
        yield ex


@dataclass(frozen=True)
class Layout:
    """Where a TREC-style task's parts live and how its BEIR-style hub copy is laid out:
    ``topics``, ``qrels`` and ``corpus`` are local path templates over ``{native}``,
    ``{split}`` and ``{name}``; a language's name is ``names[native]`` (e.g. Mr. TyDi's
    'arabic'), else its native code, and prefixes its hub configs (``<name>-queries`` ...).
    ``hub_splits`` are the splits the hub copy holds; its corpus configs hold the split
    ``corpus_split`` (the queries' split where empty). Its methods are the task's
    ``local_files``, ``hub_config`` and ``read_hub``."""

    topics: str
    qrels: str
    corpus: str
    hub_id: str
    hub_splits: tuple[str, ...]
    corpus_split: str = ""
    names: Mapping[str, str] = field(default_factory=dict, hash=False)

    def local_files(self, native: str, split: str) -> tuple[str, ...]:
        base, _, part = split.partition("/")
        template = {"": self.topics, "qrels": self.qrels, "corpus": self.corpus}[part]
        return (template.format(native=native, split=base, name=self.names.get(native, native)),)

    def hub_config(self, native: str, split: str) -> tuple[str, str]:
        base, _, part = split.partition("/")
        if base not in self.hub_splits:
            raise XlingError(f"the hub copy {self.hub_id} holds only the {', '.join(self.hub_splits)} split "
                             f"(not {base!r}); set --data-dir to a local mirror for it")
        hub_split = self.corpus_split if part == "corpus" and self.corpus_split else base
        return f"{self.names.get(native, native)}-{HUB_PARTS[part]}", hub_split

    def read_hub(self, rows, lang: str, split: str) -> Iterator[Example]:
        return hub_rows(self.hub_id, rows, lang, split)
