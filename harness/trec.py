"""Readers for TREC-style retrieval data (the layout Anserini/Pyserini publish MIRACL and
Mr. TyDi in) and for JSONL corpora, and the mapping of their hub rows, shared by the
retrieval tasks. Every reader yields ``Example``s as ``task.Retrieval`` describes them and
turns a bad line into a one-line ``DataError`` naming the file and line.

* topics: ``qid<TAB>query`` per line, no header (``.gz`` is decompressed);
* qrels: ``qid Q0 docid relevance`` per line, tab- or space-separated, relevance an integer;
* corpus: JSON Lines, one document per line: ``docid`` (or ``id``), ``title`` (optional),
  ``text`` (or ``contents``).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .core import Example
from .data import read_lines
from .errors import DataError, XlingError


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


def hub_part(repo: str, rows: Iterable[Mapping], lang: str, split: str) -> Iterator[Example]:
    """The hub reader of a Tevatron-style dataset (MIRACL, Mr. TyDi): query rows carry
    ``query_id``, ``query``, ``positive_passages`` and ``negative_passages`` (lists of
    ``{docid, title, text}``: judgments 1 and 0); corpus rows carry ``docid``, ``title``, ``text``."""
    part = split.partition("/")[2]
    seen: set[str] = set()
    for i, row in enumerate(rows):
        where = f"{repo} {lang} {split} row {i}"
        try:
            if part == "corpus":
                docid = str(row["docid"])
                if docid in seen:
                    raise XlingError(f"{where}: duplicate docid {docid!r}")
                seen.add(docid)
                title = row.get("title") or ""
                yield Example(id=docid, lang=lang, text=passage(title, row["text"]), text_pair=title or None,
                              source=f"hub:{i}")
                continue
            qid = str(row["query_id"])
            if part == "qrels":
                for level, key in ((1, "positive_passages"), (0, "negative_passages")):
                    for p in row.get(key) or ():
                        yield judgment(qid, str(p["docid"]), level, lang, f"hub:{i}")
                continue
            if qid in seen:
                raise XlingError(f"{where}: duplicate query id {qid!r}")
            seen.add(qid)
            yield Example(id=qid, lang=lang, text=row["query"], source=f"hub:{i}")
        except (KeyError, TypeError) as e:
            raise XlingError(f"{where}: missing or malformed column {e}") from None


class Layout:
    """Where a TREC-style task's parts live and how its hub configs are named: ``topics``,
    ``qrels`` and ``corpus`` are path templates over ``{native}``, ``{split}`` and ``{name}``;
    a language's name is ``names[native]`` (e.g. Mr. TyDi's 'arabic'), else its native code,
    and names its hub config too. Its methods are the task's ``local_files``, ``hub_config``
    and ``read_hub``."""

    def __init__(self, topics: str, qrels: str, corpus: str, hub_id: str, corpus_hub_id: str,
                 names: Mapping[str, str] | None = None):
        self.templates = {"": topics, "qrels": qrels, "corpus": corpus}
        self.hub_id, self.corpus_hub_id = hub_id, corpus_hub_id
        self.names = dict(names or {})

    def local_files(self, native: str, split: str) -> tuple[str, ...]:
        base, _, part = split.partition("/")
        return (self.templates[part].format(native=native, split=base, name=self.names.get(native, native)),)

    def hub_config(self, native: str, split: str) -> tuple[str, str]:
        base, _, part = split.partition("/")
        return self.names.get(native, native), ("train" if part == "corpus" else base)

    def read_hub(self, rows, lang: str, split: str) -> Iterator[Example]:
        return hub_part(self.corpus_hub_id if split.endswith("/corpus") else self.hub_id, rows, lang, split)
