"""The Language Confusion Benchmark's test sets (for-ai/language-confusion, ``test_sets.zip``
extracted): ``test_sets/{monolingual,crosslingual}/<source>/<lang>.csv``, quoted CSV with
embedded newlines (read with a CSV reader). Monolingual files have columns
``prompt,source,language``; cross-lingual ones ``prompt,location,phrasing,language,source`` (an
English prompt asking for an answer in ``language``).

Each row becomes an Example: ``id`` ``<source dir>/<row>`` (0-based row within its file, the
``id`` of the published completions), ``text`` the prompt, ``meta`` the file's own ``source``
value (``aya_human_annotated`` for ``aya/``: the name the completions carry), the source
directory and the upstream language code.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from ..core import Example
from ..errors import DataError

ROOT = "language-confusion"
WORDS = f"{ROOT}/words"
LANGS = ("ar", "de", "en", "es", "fr", "hi", "id", "it", "ja", "ko", "pt", "ru", "tr", "vi", "zh")
# which sources have which languages: the 66 files of test_sets.zip (upstream's README also lists
# hi and ru for monolingual okapi, but neither the test sets nor the published completions have them)
SOURCES = {
    "monolingual": {"aya": ("en", "tr", "ar", "zh", "pt"), "dolly": ("hi", "ru", "fr", "ar", "es"),
                    "okapi": ("en", "fr", "it", "de", "zh", "vi", "es", "id", "pt", "ar"),
                    "native": ("es", "fr", "ja", "ko")},
    "crosslingual": {s: tuple(x for x in LANGS if x != "en") for s in ("okapi", "sharegpt", "complex_prompts")},
}


def files(native: str, split: str) -> tuple[str, ...]:
    """The test-set files of ``native`` in setting ``split``, then the English word list the
    metric reads (so its hash is part of the data signature)."""
    srcs = [s for s, langs in SOURCES.get(split, {}).items() if native in langs]
    return tuple(f"{ROOT}/test_sets/{split}/{s}/{native}.csv" for s in srcs) + (WORDS,)


def read(paths: tuple[Path, ...], lang: str, split: str) -> Iterable[Example]:
    for path in paths:
        if path.name == "words":
            continue
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or not {"prompt", "source", "language"} <= set(reader.fieldnames):
                raise DataError(path, f"expected columns prompt, source, language; got {reader.fieldnames}", 1)
            for i, row in enumerate(reader):
                if not (row.get("prompt") or "").strip():
                    raise DataError(path, f"row {i} has an empty prompt", reader.line_num)
                yield Example(id=f"{path.parent.name}/{i}", lang=lang, text=row["prompt"], source=f"{path}:{reader.line_num}",
                              meta=(("source", row["source"]), ("source_dir", path.parent.name),
                                    ("language", row["language"])))
