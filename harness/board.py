"""Leaderboard statistics: pure computation from the tidy table, no files, no formatting.

Per task: a language x system table of the main metric (a system is a model with its
setting and training language), averages with the number of languages each covers, the
average over the languages every system covers (the only average that compares
systems), ranks with bootstrap rank intervals, and paired significance tests between
every two systems on the same items in each language, Holm-corrected across languages.
A metric's direction (``xling.metrics.registry``: bits per byte is lower-better) decides
what "best" and "rank 1" mean.

``build`` computes a ``Board`` per task from rows (``xling.results.frame``) and, for the
tests, per-item scores (``xling.results.samples``); ``xling.tables`` formats boards as text,
``xling.site`` as HTML, and ``xling.publish`` writes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from . import langinfo, stats
from .metrics import registry

ALPHA = 0.05


# Settings scored against another candidate pool than their task's other settings (LAReQA's
# multilingual pool, query x pool language): a board of their own, never ranked with the rest.
APART = ("multilingual_pool", "crosslingual")


@dataclass(frozen=True)
class System:
    model: str
    setting: str
    train_lang: str
    label: str


@dataclass
class Board:
    task: str
    metric: str
    systems: list[System]
    cells: pd.DataFrame  # one row per (system, test_lang)
    langs: list[str]
    common: list[str]  # languages every system covers
    summary: pd.DataFrame  # one row per system
    pairs: pd.DataFrame  # one row per (system a, system b, language) tested
    pair_summary: pd.DataFrame  # one row per (system a, system b)
    notes: list[str] = field(default_factory=list)
    tested: bool = False  # per-item scores were available for tests


# ---------------------------------------------------------------- computing


@dataclass(frozen=True)
class _Items:
    """One cell's per-item scores, sorted by item id (so equal item sets align)."""

    ids: np.ndarray
    scores: np.ndarray

    @classmethod
    def of(cls, ids: np.ndarray, scores: np.ndarray) -> "_Items":
        order = np.argsort(ids, kind="stable")
        return cls(ids[order], scores[order])

    def same_items(self, other: "_Items") -> bool:
        return len(self.ids) == len(other.ids) and bool(np.array_equal(self.ids, other.ids))


def _label(model: str, setting: str, train: str, many: bool) -> str:
    if not many:
        return model
    return f"{model} ({setting}{', from ' + train if train else ''})"


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in ("train_lang", "query_lang", "setting", "run_id"):
        if col not in df:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
    return df


@dataclass(frozen=True)
class BoardOptions:
    alpha: float = ALPHA  # significance level of the per-language tests
    seed: int = 0
    n_boot: int = stats.N_BOOT


def build(df: pd.DataFrame, samples: pd.DataFrame | None = None, info: dict | None = None,
          opts: BoardOptions = BoardOptions()) -> dict[str, Board]:
    """A Board per task in ``df`` (rows of ``xling.results.frame``), keyed by task name; a task
    with an ``APART`` setting next to others gets one board per setting, keyed ``task.setting``.
    ``info`` maps task -> (main metric, direction) as ``xling.results.task_info`` reads it."""
    df = _clean(df)
    samples = _clean(samples) if samples is not None and len(samples) else None
    info = info or {}
    boards: dict[str, Board] = {}
    for task in sorted(df["task"].unique()):
        sub = df[df.task == task]
        metric = _metric_for(task, sub, info)
        if sub.setting.isin(APART).any() and sub.setting.nunique() > 1:  # one board per setting
            for setting in sorted(sub.setting.unique()):
                board = _board(task, sub[sub.setting == setting], samples, metric, opts)
                board.task = f"{task}.{setting}"
                boards[board.task] = board
        else:
            boards[task] = _board(task, sub, samples, metric, opts)
    return boards


def _metric_for(task: str, sub: pd.DataFrame, info: dict) -> str:
    """The task's main metric as its runs recorded it, else (older runs) its first non-baseline metric."""
    if task in info:
        return info[task][0]
    return next(m for m in sub["metric"] if not str(m).startswith("baseline_"))


def _by_query_language(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells scored against a pool of all languages (LAReQA) are indexed by the query's language,
    and cells trained on their own test language form one system."""
    from .task import ALL_LANGS_POOL

    pool = frame.test_lang.eq(ALL_LANGS_POOL) & frame.query_lang.ne("")
    own = frame.setting.eq("in_language") & frame.train_lang.ne("") & frame.train_lang.eq(frame.test_lang)
    if not pool.any() and not own.any():
        return frame
    frame = frame.copy()
    frame.loc[pool, "test_lang"] = frame.loc[pool, "query_lang"]
    # in-language cells train on their own language: one system, not one per language
    frame.loc[own, "train_lang"] = "(same)"
    return frame


def _board(task: str, sub: pd.DataFrame, samples, metric: str, opts: BoardOptions) -> Board:
    alpha, seed, n_boot = opts.alpha, opts.seed, opts.n_boot
    notes: list[str] = []
    rows = _by_query_language(sub[sub.metric == metric])
    crossed = rows.query_lang.ne("") & rows.query_lang.ne(rows.test_lang)
    if crossed.any():
        notes.append(f"{int(crossed.sum())} cells with a question language other than the context language "
                     "(G-XLT crossings) are left out; they belong to transfer analysis.")
    rows = rows[~crossed]
    undefined = rows.value.isna()
    if undefined.any():
        notes.append(f"{int(undefined.sum())} cells have no value ({metric} undefined) and are left out.")
        rows = rows[~undefined]
    # one row per (system, language): the one scored on most items, then the latest read
    rows = rows.assign(_order=np.arange(len(rows)))
    keys = ["model", "setting", "train_lang", "test_lang"]
    dup = rows.duplicated(keys, keep=False)
    if dup.any():
        notes.append(f"{int(dup.sum())} rows score the same system and language more than once (several runs); "
                     "the one on most items (then the last read) is kept.")
    rows = rows.sort_values(["n", "_order"]).drop_duplicates(keys, keep="last")

    configs = sorted(set(zip(rows.model, rows.setting, rows.train_lang)))
    many = len({(s, t) for _, s, t in configs}) > 1
    systems = [System(m, s, t, _label(m, s, t, many)) for m, s, t in configs]
    labels = [s.label for s in systems]
    sys_of = {(s.model, s.setting, s.train_lang): s.label for s in systems}
    rows = rows.assign(system=[sys_of[k] for k in zip(rows.model, rows.setting, rows.train_lang)])
    langs = sorted(rows.test_lang.unique())
    value = rows.pivot(index="test_lang", columns="system", values="value").reindex(index=langs, columns=labels)
    common = [lang for lang in langs if value.loc[lang].notna().all()]

    # per-item scores of exactly the runs whose rows were kept
    items: dict[tuple[str, str], _Items] = {}
    if samples is not None:
        keep = rows[["run_id", "model", "setting", "train_lang", "test_lang", "system"]]
        s = _by_query_language(samples[samples.task == task])
        s = s[(s.query_lang == "") | (s.query_lang == s.test_lang)]
        s = s.merge(keep, on=["run_id", "model", "setting", "train_lang", "test_lang"])
        for (label, lang), g in s.groupby(["system", "test_lang"], sort=False):
            if g.id.duplicated().any():
                notes.append(f"{label} {lang}: duplicate item ids in samples; not tested.")
                continue
            items[(label, lang)] = _Items.of(g.id.to_numpy(dtype=str), g.score.to_numpy(dtype=float))
        bad = [f"{lab} {lang}" for (lab, lang), it in items.items()
               if abs(it.scores.mean() - value.loc[lang, lab]) > 1e-9]
        if bad:
            notes.append(f"per-item scores do not average to {metric} for {len(bad)} cells (e.g. {bad[0]}); "
                         "tests compare per-item scores.")

    # paired tests per language for every two systems on identical item sets
    pair_rows = []
    for lang in langs:
        for a, b in combinations(labels, 2):
            sa, sb = items.get((a, lang)), items.get((b, lang))
            if sa is None or sb is None:
                continue
            if not sa.same_items(sb):
                pair_rows.append({"a": a, "b": b, "test_lang": lang, "n": 0, "diff": np.nan, "p": np.nan,
                                  "exact": False, "comparable": False})
                continue
            diff, p, exact = stats.paired_randomization(sa.scores, sb.scores,
                                                        stats.seed_for(task, lang, a, b, base=seed))
            pair_rows.append({"a": a, "b": b, "test_lang": lang, "n": len(sa.ids), "diff": diff, "p": p,
                              "exact": exact, "comparable": True})
    pairs = pd.DataFrame(pair_rows, columns=["a", "b", "test_lang", "n", "diff", "p", "exact", "comparable"])
    if len(pairs):
        pairs["p_holm"] = np.nan
        for _, g in pairs.groupby(["a", "b"], sort=False):
            pairs.loc[g.index, "p_holm"] = stats.holm(g.p.to_numpy())
        pairs["significant"] = pairs.p_holm < alpha
        skipped = int((~pairs.comparable).sum())
        if skipped:
            notes.append(f"{skipped} system pairs x languages were scored on different items (e.g. --limit); "
                         "they are not tested.")
    else:
        pairs["p_holm"], pairs["significant"] = pd.Series(dtype=float), pd.Series(dtype=bool)
    tested = bool(len(pairs) and pairs.comparable.any())

    cells = _cells(rows, labels, langs, pairs, alpha)
    summary, boot_note = _summary(task, sub, rows, systems, value, common, items, seed, n_boot)
    if boot_note:
        notes.append(boot_note)
    pair_summary = _pair_summary(task, labels, value, pairs, items, common, seed)
    if len(pair_summary):
        top = summary.sort_values("rank").label.iloc[0] if summary["rank"].notna().any() else None
        summary["p_vs_top"] = np.nan
        for i, r in summary.iterrows():
            if top is None or r.label == top:
                continue
            m = pair_summary[((pair_summary.a == top) & (pair_summary.b == r.label))
                             | ((pair_summary.b == top) & (pair_summary.a == r.label))]
            if len(m):
                summary.loc[i, "p_vs_top"] = m.p_holm.iloc[0]
    # systems in rank order (best common average first), then by name
    order = summary.sort_values(["rank", "label"], na_position="last").label.tolist()
    systems = sorted(systems, key=lambda s: order.index(s.label))
    cells = cells.sort_values(["test_lang", "system"], key=lambda c: c.map(order.index) if c.name == "system" else c,
                              ).reset_index(drop=True)
    return Board(task, metric, systems, cells, langs, common, summary, pairs, pair_summary, notes, tested)


def _cells(rows, labels, langs, pairs, alpha) -> pd.DataFrame:
    cells = rows[["system", "model", "setting", "train_lang", "test_lang", "value", "ci_low", "ci_high", "n",
                  "run_id"]].copy()
    cells["family"] = cells.test_lang.map(langinfo.family)
    cells["script"] = cells.test_lang.map(langinfo.script)
    cells["rank_in_lang"] = cells.groupby("test_lang").value.rank(ascending=False, method="min").astype(int)
    best = cells.loc[cells.groupby("test_lang").value.idxmax(), ["test_lang", "system"]]
    best = dict(zip(best.test_lang, best.system))
    many = cells.groupby("test_lang").system.transform("size") > 1  # a best needs a competitor
    cells["best"] = np.array([best[lang] == s for lang, s in zip(cells.test_lang, cells.system)]) & many.to_numpy()
    tested = {} if not len(pairs) else {
        (r.test_lang, frozenset((r.a, r.b))): r.p_holm for r in pairs[pairs.comparable].itertuples()}
    p_best, below = [], []
    for lang, s in zip(cells.test_lang, cells.system):
        p = np.nan if s == best[lang] else tested.get((lang, frozenset((s, best[lang]))), np.nan)
        p_best.append(p)
        below.append(bool(p < alpha))
    cells["p_holm_vs_best"] = p_best
    cells["below_best"] = below
    order = {lab: i for i, lab in enumerate(labels)}
    return cells.sort_values(["test_lang", "system"], key=lambda c: c.map(order) if c.name == "system" else c
                             ).reset_index(drop=True)


def _summary(task, sub, rows, systems, value, common, items, seed, n_boot):
    out = []
    base = sub[sub.metric == "baseline_majority_acc"]
    for s in systems:
        v = value[s.label].dropna()
        r = {"label": s.label, "model": s.model, "setting": s.setting, "train_lang": s.train_lang,
             "langs": len(v), "mean": v.mean(), "min": v.min(), "max": v.max(),
             "common_langs": len(common), "common_mean": value.loc[common, s.label].mean() if common else np.nan}
        b = base[(base.model == s.model) & (base.setting == s.setting) & (base.train_lang == s.train_lang)
                 & base.test_lang.isin(common)]
        r["majority_baseline"] = b.groupby("test_lang").value.first().mean() if len(b) else np.nan
        out.append(r)
    summary = pd.DataFrame(out)
    for col in ("ci_low", "ci_high", "rank_lo", "rank_hi"):
        summary[col] = np.nan
    summary["rank"] = stats.ranks(summary.common_mean.to_numpy()) if common else np.nan
    if not common:
        return summary, "no language is covered by every system: no common average, no ranks."
    labels = [s.label for s in systems]
    have = all((lab, lang) in items for lab in labels for lang in common)
    if not have:
        return summary, ("per-item scores are missing for some common cells: no CI on the common average and "
                         "no rank intervals.")
    aligned = all(items[(labels[0], lang)].same_items(items[(lab, lang)]) for lab in labels for lang in common)
    note = ""
    if aligned:
        blocks = [np.column_stack([items[(lab, lang)].scores for lab in labels]) for lang in common]
        boot = stats.stratified_bootstrap(blocks, stats.seed_for(task, "rank", base=seed), n_boot)
    else:
        note = "systems were scored on different items in some common languages: bootstraps are unpaired."
        boot = np.column_stack([stats.stratified_bootstrap(
            [items[(lab, lang)].scores[:, None] for lang in common], stats.seed_for(task, "rank", lab, base=seed),
            n_boot)[:, 0] for lab in labels])
    lo, hi = np.quantile(boot, [0.025, 0.975], axis=0)
    summary["ci_low"], summary["ci_high"] = lo, hi
    summary["rank_lo"], summary["rank_hi"] = stats.rank_intervals(boot)
    return summary, note


def _pair_summary(task, labels, value, pairs, items, common, seed) -> pd.DataFrame:
    out = []
    ps = pairs[pairs.comparable] if len(pairs) else pairs
    for a, b in combinations(labels, 2):
        both = value[[a, b]].dropna().index
        g = ps[(ps.a == a) & (ps.b == b)] if len(ps) else ps
        r = {"a": a, "b": b, "langs_both": len(both), "tested": len(g),
             "a_better": int((g.significant & (g["diff"] > 0)).sum()) if len(g) else 0,
             "b_better": int((g.significant & (g["diff"] < 0)).sum()) if len(g) else 0,
             "mean_diff": float((value.loc[both, a] - value.loc[both, b]).mean()) if len(both) else np.nan,
             "p": np.nan}
        r["not_significant"] = r["tested"] - r["a_better"] - r["b_better"]
        if len(g):
            tested_langs = list(g.test_lang)
            diffs = [items[(a, lang)].scores - items[(b, lang)].scores for lang in tested_langs]
            _, r["p"] = stats.stratified_randomization(diffs, stats.seed_for(task, "overall", a, b, base=seed))
        out.append(r)
    cols = ["a", "b", "langs_both", "tested", "a_better", "b_better", "not_significant", "mean_diff", "p"]
    res = pd.DataFrame(out, columns=cols)
    res["p_holm"] = stats.holm(res.p.to_numpy()) if len(res) else pd.Series(dtype=float)
    return res
