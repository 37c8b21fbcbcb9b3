"""The Language Confusion Benchmark (Marchisio et al., EMNLP 2024): does a model answer in the
user's language? 6,586 prompts in 15 languages; a Generator answers each and
``xling.metrics.lcb`` judges every answer's lines (fastText lid.176.ftz) and words.

Settings (= splits): ``monolingual`` (prompt and answer in the test language; sources aya,
dolly, okapi, native) and ``crosslingual`` (an English prompt asking for an answer in the test
language; okapi, sharegpt, complex_prompts; 14 languages, English is not a target). Local door:
the mirror of for-ai/language-confusion @ 0cfdbb4 (``language-confusion/test_sets/``; see
``xling.formats.lcb``). Hub door: none is pinned (no hub copy of the test sets whose commit
could be verified here), so it refuses in one line.

Metrics per (source, language) and upstream's averages: see ``xling.metrics.lcb`` and docs/lcb.md.
"""
from __future__ import annotations

from xling.errors import XlingError
from xling.formats import lcb as layout
from xling.languages import normalize
from xling.metrics import lcb as metric
from xling.task import Generate


def _no_hub(*args):
    raise XlingError("lcb has no hub door: no hub copy of the LCB test sets is pinned; use --data-dir with the mirror "
                     "of for-ai/language-confusion")


TASK = Generate(
    name="lcb",
    version="1",
    description="Language Confusion Benchmark: is the answer in the user's language (line and word level), 15 languages",
    languages=tuple((normalize(x), x) for x in layout.LANGS),
    splits=("monolingual", "crosslingual"),
    local_files=layout.files,
    read_local=layout.read,
    hub_id="",
    hub_revision=None,
    hub_config=_no_hub,
    read_hub=_no_hub,
    main_metric="lpr",
    settings=("monolingual", "crosslingual"),
    homepage="https://github.com/for-ai/language-confusion",
    test_split="monolingual",
    score=metric.score,
    max_tokens=100,
)
