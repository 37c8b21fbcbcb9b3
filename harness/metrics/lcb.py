"""The Language Confusion Benchmark's metrics (Marchisio et al., EMNLP 2024), as upstream's
``compute_metrics.py`` (for-ai/language-confusion @ 0cfdbb4) computes them, reimplemented.

A completion is normalised (cut at the first ``\\nQ:``, stripped, ASCII punctuation removed,
``—`` read as a space, ``،`` removed) and split into lines on ``\\n``; each line is tokenised
(jieba for zh, MeCab through fugashi with UniDic for ja, whitespace otherwise) and lines of
fewer than 5 tokens are dropped. A completion with no line left is *skipped* (it counts
nowhere). Otherwise every line's language is identified (``xling.metrics.lid``: top label,
``unknown`` at or below 0.3) and:

- ``lpr`` (line-level pass rate): 1 if every line is in the expected language, else 0;
- ``wpr`` (word-level pass rate, only for ar hi ja ko ru zh): among completions without a
  line error, 1 unless a token is a lower-case English word of more than 3 letters of the
  ``words`` list;
- ``acc`` (line accuracy): the share of its lines in the expected language.

A group's value is the mean over its judged completions, and upstream's default where none
is judged (1.0). ``lcpr`` is the harmonic mean of ``lpr`` and ``wpr`` (the paper's LCPR);
where ``wpr`` is not computed (Latin-script languages) it is ``lpr``. Averages are upstream's:
per source and per language the mean of its groups' values, overall the mean of the
per-language averages (each metric over the groups that have it).
"""
from __future__ import annotations

import functools
import string
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import lid
from .uncertainty import bootstrap_ci

WPR_LANGS = frozenset({"ar", "hi", "ja", "ko", "ru", "zh"})  # upstream: WPR is inaccurate for Latin scripts
MIN_TOKENS = 5
METRICS = ("acc", "lpr", "wpr")
_PUNCT = str.maketrans("", "", string.punctuation)


@functools.lru_cache(maxsize=4)
def english_words(path: str) -> frozenset[str]:
    """Upstream's word list: the lower-case entries of more than 3 characters of ``words``."""
    words = (line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w.islower() and len(w) > 3)


def normalize(text: str) -> str:
    text = text.split("\nQ:")[0].strip().translate(_PUNCT)
    return text.replace("—", " ").replace("،", "")


@functools.lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@functools.lru_cache(maxsize=1)
def _mecab():
    from fugashi import Tagger  # finds UniDic through unidic-lite

    return Tagger("-O wakati -b 50000")


@functools.lru_cache(maxsize=2**18)
def tokenize(line: str, lang: str) -> tuple[str, ...]:
    """Upstream's tokens of one line: jieba (zh), MeCab wakati (ja), whitespace otherwise."""
    if lang == "zh":
        return tuple(_jieba().cut(line))
    if lang == "ja":
        return tuple(_mecab().parse(line).split())
    return tuple(line.split())


@dataclass(frozen=True)
class Judgement:
    """One completion, judged: its lines kept, those not identified as the expected language,
    and whether a kept token is an English word."""

    lines: int
    line_errors: int
    english_word: bool

    def values(self, lang: str) -> dict[str, float | None]:
        """Per-item values whose means are the group's metrics (None: not counted)."""
        passed = self.line_errors == 0
        wpr = (float(not self.english_word) if passed else None) if lang in WPR_LANGS else None
        return {"acc": 1.0 - self.line_errors / self.lines, "lpr": float(passed), "wpr": wpr}


def judge(completion: str, lang: str, words: frozenset[str]) -> Judgement | None:
    """``completion`` judged against the expected language ``lang`` (fastText/upstream code);
    None where no line has ``MIN_TOKENS`` tokens (upstream skips it)."""
    lines = normalize(completion).split("\n")
    kept = [(line, toks) for line in lines if len(toks := tokenize(line, lang)) >= MIN_TOKENS]
    if not kept:
        return None
    errors = sum(label != lang for label, _ in lid.identify([line for line, _ in kept]))
    english = errors == 0 and any(t.strip() in words for _, toks in kept for t in toks)
    return Judgement(len(kept), errors, english)


def item_values(completions: Sequence[str], lang: str, words: frozenset[str]) -> list[dict[str, float | None]]:
    """Per completion, its values of ``acc``, ``lpr`` and ``wpr`` (all None where skipped)."""
    out = []
    for c in completions:
        j = judge(c, lang, words)
        out.append(j.values(lang) if j is not None else dict.fromkeys(METRICS))
    return out


def _mean(values: Iterable[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return sum(got) / len(got) if got else None


def _pass_rate(values: Iterable[float | None]) -> float | None:
    """1 - failures / judged, as upstream computes it (bit for bit, not the mean of 0/1s)."""
    got = [v for v in values if v is not None]
    return 1 - sum(v == 0.0 for v in got) / len(got) if got else None


def group_metrics(values: Sequence[Mapping[str, float | None]], lang: str) -> dict[str, float]:
    """A (source, language) group's metrics from its items' values (upstream: 1.0 where no
    item counts; no ``wpr`` outside ``WPR_LANGS``)."""
    out = {"acc": _mean(v["acc"] for v in values), "lpr": _pass_rate(v["lpr"] for v in values),
           "wpr": _pass_rate(v["wpr"] for v in values)}
    out = {k: 1.0 if v is None else v for k, v in out.items()}
    if lang not in WPR_LANGS:
        del out["wpr"]
    return with_lcpr(out)


def lcpr(lpr: float, wpr: float | None) -> float:
    """The harmonic mean of LPR and WPR (LPR where WPR is not computed)."""
    if wpr is None:
        return lpr
    return 0.0 if lpr + wpr == 0 else 2 * lpr * wpr / (lpr + wpr)


def with_lcpr(metrics: Mapping[str, float]) -> dict[str, float]:
    out = dict(metrics)
    if "lpr" in out:
        out["lcpr"] = lcpr(out["lpr"], out.get("wpr"))
    return out


def _average(groups: Sequence[Mapping[str, float]]) -> dict[str, float]:
    avg = {k: _mean(g.get(k) for g in groups) for k in METRICS}
    return with_lcpr({k: v for k, v in avg.items() if v is not None})


def averages(groups: Mapping[tuple[str, str], Mapping[str, float]]) -> dict[tuple[str, str], dict[str, float]]:
    """Upstream's averages of per-(source, language) metrics: (source, 'all') per source,
    ('all', lang) per language, ('all', 'all') the mean of the per-language averages."""
    by_source, by_lang = defaultdict(list), defaultdict(list)
    for (source, lang), m in sorted(groups.items()):
        by_source[source].append(m)
        by_lang[lang].append(m)
    out = {(s, "all"): _average(ms) for s, ms in by_source.items()}
    per_lang = {("all", lang): _average(ms) for lang, ms in by_lang.items()}
    out.update(per_lang)
    out[("all", "all")] = _average(list(per_lang.values()))
    return out


def all_metrics(rows: Iterable[Mapping[str, str]], words: frozenset[str]) -> dict[tuple[str, str], dict[str, float]]:
    """Every group's metrics and upstream's averages, for one model on one task (rows with
    ``source``, ``language`` and ``completion``), in upstream's order."""
    grouped = defaultdict(list)
    for r in rows:
        grouped[(r["source"], r["language"])].append(r["completion"])
    groups = {key: group_metrics(item_values(c, key[1], words), key[1]) for key, c in sorted(grouped.items())}
    return {**groups, **averages(groups)}


# ---- a cell of the xling task: one language's items of every source of one setting ----

def _group_stat(vals: np.ndarray, valid: np.ndarray, grp: np.ndarray, groups: int, rate: bool) -> Callable:
    """Bootstrap statistic: per resample, the mean over groups of each group's value (its mean
    over the resampled valid items, 1.0 where none: upstream's default)."""
    def stat(idx: np.ndarray) -> np.ndarray:
        v, ok, g = vals[idx], valid[idx], grp[idx]
        out = np.zeros(idx.shape[0])
        for k in range(groups):
            sel = ok & (g == k)
            count = sel.sum(axis=1)
            mean = np.divide((v * sel).sum(axis=1), count, out=np.ones(idx.shape[0]), where=count > 0)
            out += mean
        return out / groups
    return stat


def cell_metrics(sources: Sequence[str], values: Sequence[Mapping[str, float | None]], lang: str,
                 seed: int) -> dict[str, tuple[float, float, float, int]]:
    """One language's metrics over its sources (upstream's ('all', lang): the mean of the
    per-source values) and each source's own (``<metric>_<source>``), each with a bootstrap
    interval over items (resampled together, each source's value recomputed per resample);
    ``n``: the items judged. ``lcpr`` has the interval of its own statistic."""
    names = sorted(set(sources))
    grp = np.array([names.index(s) for s in sources], dtype=np.int64)
    groups = {s: group_metrics([v for v, x in zip(values, sources) if x == s], lang) for s in names}
    overall = _average(list(groups.values()))
    keys = [k for k in METRICS if k in overall]
    arrays = {k: (np.array([np.nan if v[k] is None else v[k] for v in values], dtype=np.float64)) for k in keys}
    out: dict[str, tuple[float, float, float, int]] = {}
    stats = {}
    for k in keys:
        valid = ~np.isnan(arrays[k])
        vals = np.nan_to_num(arrays[k])
        stats[k] = _group_stat(vals, valid, grp, len(names), k != "acc")
        out[k] = (overall[k], *bootstrap_ci(stats[k], len(values), seed), int(valid.sum()))
        for i, s in enumerate(names):
            one = _group_stat(vals, valid & (grp == i), np.zeros_like(grp), 1, k != "acc")
            out[f"{k}_{s}"] = (groups[s][k], *bootstrap_ci(one, len(values), seed), int((valid & (grp == i)).sum()))
    lc = stats["lpr"] if "wpr" not in stats else (
        lambda idx: _hm(stats["lpr"](idx), stats["wpr"](idx)))
    out["lcpr"] = (overall["lcpr"], *bootstrap_ci(lc, len(values), seed), out["lpr"][3])
    return out


def _hm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(2 * a * b, a + b, out=np.zeros_like(a), where=(a + b) > 0)


def score(examples, outputs: Sequence[str | None], paths: Sequence[Path], seed: int):
    """The ``Generate`` task's scorer: (metrics, per-item prediction dicts, per-item scores).
    ``outputs[i]`` None: no completion for that item (a replay file without it, with
    ``allow_missing``): it is left out, as upstream leaves out what a file lacks. The per-item
    score (for paired tests) is the item's line pass weighted so that the cell's items average
    to its ``lpr`` (a mean of per-source means): pass x N / (sources x judged items of its
    source); 0 for a skipped or missing item."""
    words = english_words(str(next(p for p in paths if p.name == "words")))
    lang = dict(examples[0].meta)["language"] if examples else ""
    kept = [i for i, o in enumerate(outputs) if o is not None]
    values = item_values([outputs[i] for i in kept], lang, words)
    sources = [dict(examples[i].meta)["source"] for i in kept]
    metrics = cell_metrics(sources, values, lang, seed)
    by_item = dict(zip(kept, values))
    judged = {s: sum(1 for v, x in zip(values, sources) if x == s and v["lpr"] is not None) for s in set(sources)}
    weight = {s: len(outputs) / (len(judged) * n) if n else 0.0 for s, n in judged.items()}
    preds, scores = [], []
    for i, out in enumerate(outputs):
        v = by_item.get(i)
        preds.append({"text": out, "missing": out is None, **(v or dict.fromkeys(METRICS))})
        ok = v is not None and v["lpr"] is not None
        scores.append(v["lpr"] * weight[dict(examples[i].meta)["source"]] if ok else 0.0)
    return metrics, preds, scores
