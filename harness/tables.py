"""Boards as text: Markdown and CSV tables, legends and number formats (no computation).

Numbers are shown as the metric's registry says: proportions as percentages (one decimal),
other metrics (bits per byte, chrF) as themselves. P-values below 0.001 print as "< 0.001":
resampled p-values have a floor (1 / (resamples + 1), times the pairs under Holm) and exact ones
that small say nothing more."""
from __future__ import annotations

import re

import pandas as pd
from tabulate import tabulate

from . import langinfo, stats
from .board import ALPHA, Board, aggregate

BELOW = "▼"  # significantly worse than the language's best system (Holm-corrected)
UNRELIABLE = "†"  # the value is unreliable there (registry ``unreliable_when``; a note says why)
COMPACT = 40  # printed per-language tables show at most this many languages ...
SHOWN = 10  # ... else the best and the worst SHOWN of the first system

_MD_SPECIAL = re.compile(r"([\\`*\[\]|#])")


def md_escape(value) -> str:
    """Text safe inside a Markdown table cell: no HTML, no table breaks, no emphasis."""
    s = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("\r", " ").replace("\n", " ")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", s)


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 language', '2 languages'."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def pct(v, digits: int = 1) -> str:
    return "" if v is None or pd.isna(v) else f"{100 * v:.{digits}f}"


def num(board: Board, v, digits: int = 1) -> str:
    """A value of the board's metric as shown: a percentage, or the number itself."""
    if v is None or pd.isna(v):
        return ""
    if board.percent:
        return pct(v, digits)
    return f"{v:.{digits + 1}f}" if abs(v) >= 10 else f"{v:.{digits + 2}f}"


def unit(board: Board) -> str:
    """'acc, %', 'bits_per_byte, lower is better'."""
    return board.metric + (", %" if board.percent else "") + ("" if board.sign > 0 else ", lower is better")


def title(board: Board) -> str:
    """'acc', 'bits_per_byte, lower is better': the metric as a board's heading names it."""
    return board.metric + ("" if board.sign > 0 else ", lower is better")


def fmt_p(p) -> str:
    if p is None or pd.isna(p):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def star(p) -> str:
    return "" if p is None or pd.isna(p) else fmt_p(p) + (" *" if p < ALPHA else "")


def ci_text(board: Board, lo, hi) -> str:
    return f"[{num(board, lo)}, {num(board, hi)}]" if not pd.isna(lo) else ""


def rank_text(r) -> str:
    if pd.isna(r["rank"]):
        return ""
    base = str(int(r["rank"]))
    return base + (f" [{int(r.rank_lo)}-{int(r.rank_hi)}]" if not pd.isna(r.rank_lo) else "")


def common_header(board: Board) -> str:
    k = len(board.common)
    return f"mean over {k} common {'lang' if k == 1 else 'langs'}"


def summary_table(board: Board) -> pd.DataFrame:
    """Display form of the summary, best common average first, unranked systems last."""
    s = board.summary.sort_values(["rank", "label"], na_position="last")
    out = pd.DataFrame({
        "rank (95% interval)": [rank_text(r) for _, r in s.iterrows()],
        "system": s.label,
        "langs": s.langs,
        "mean over its own langs": [num(board, v) for v in s["mean"]],
        common_header(board): [num(board, v) for v in s.common_mean],
        "95% CI": [ci_text(board, lo, hi) for lo, hi in zip(s.ci_low, s.ci_high)],
        "min": [num(board, v) for v in s["min"]], "max": [num(board, v) for v in s["max"]],
    })
    if "p_vs_top" in s:
        out["p vs top (Holm)"] = [star(p) for p in s.p_vs_top]
    if s.majority_baseline.notna().any():
        out["majority baseline"] = [pct(v) for v in s.majority_baseline]
    return out


def pair_table(board: Board) -> pd.DataFrame:
    ps = board.pair_summary
    return pd.DataFrame({
        "A": ps.a, "B": ps.b, "langs (both)": ps.langs_both, "tested": ps.tested,
        "A sig. better": ps.a_better, "B sig. better": ps.b_better, "n.s.": ps.not_significant,
        "mean A-B" + (" (pts)" if board.percent else ""): [num(board, v, 2) for v in ps.mean_diff],
        "p overall (Holm over pairs)": [star(p) for p in ps.p_holm],
    })


def marks(c) -> str:
    """A cell's marks: significantly below the language's best, unreliable."""
    return (f" {BELOW}" if c.below_best else "") + (f" {UNRELIABLE}" if c.unreliable else "")


def cell_text(board: Board, c) -> str:
    return num(board, c.value) + marks(c)


def language_table(board: Board, md: bool = False) -> pd.DataFrame:
    """test_lang x system table of the main metric, marking each language's best system
    (**bold** in Markdown) and those significantly worse than it."""
    labels = [s.label for s in board.systems]
    t = pd.DataFrame(index=board.langs, columns=labels, dtype=object).fillna("")
    for c in board.cells.itertuples():
        text = cell_text(board, c)
        t.loc[c.test_lang, c.system] = f"**{text}**" if (md and c.best and len(labels) > 1) else text
    t.insert(0, "script", [langinfo.script(x) for x in board.langs])
    t.insert(0, "family", [langinfo.family(x) for x in board.langs])
    t.insert(0, "language", [langinfo.name(x) for x in board.langs])
    t.insert(0, "code", board.langs)
    return t


def group_table(board: Board, by: str) -> pd.DataFrame:
    """Per language family or script: languages and each system's mean (``board.aggregate``)."""
    g = aggregate(board, by)
    out = pd.DataFrame({by: g[by], "langs": g.langs})
    if by == "script":
        out.insert(1, "script name", [langinfo.script_name(x) for x in g.script])
    for lab in g.columns[2:]:
        out[lab] = [num(board, v) for v in g[lab]]
    return out


def compact_table(board: Board, systems: list[str] | None = None) -> tuple[pd.DataFrame, int]:
    """The per-language table a terminal can show: code and language, then each system's value
    (one system: also its 95% CI and items). At most ``COMPACT`` languages: beyond that the
    ``SHOWN`` best and worst of the first system. Returns the table and how many were left out."""
    labels = systems if systems is not None else [s.label for s in board.systems]
    cells = board.cells[board.cells.system.isin(labels)]
    langs = [x for x in board.langs if x in set(cells.test_lang)]
    left = 0
    if len(langs) > COMPACT:
        first = cells[cells.system == labels[0]].set_index("test_lang").value
        ordered = (board.sign * first).sort_values(ascending=False).index.tolist()
        keep = set(ordered[:SHOWN] + ordered[-SHOWN:])
        left = len(langs) - len(keep)
        langs = [x for x in ordered if x in keep]
    by = {(c.test_lang, c.system): c for c in cells.itertuples()}
    t = pd.DataFrame({"code": langs, "language": [langinfo.name(x) for x in langs]})
    for lab in labels:
        t[lab] = [cell_text(board, by[(x, lab)]) if (x, lab) in by else "" for x in langs]
    if len(labels) == 1:
        t["95% CI"] = [ci_text(board, by[(x, labels[0])].ci_low, by[(x, labels[0])].ci_high) for x in langs]
        t["n"] = [str(by[(x, labels[0])].n) for x in langs]
    if left:
        mid = SHOWN if len(langs) > SHOWN else len(langs)
        gap = pd.DataFrame([["…", f"{left} more"] + [""] * (t.shape[1] - 2)], columns=t.columns)
        t = pd.concat([t.iloc[:mid], gap, t.iloc[mid:]], ignore_index=True)
    return t, left


def transfer_tables(board: Board) -> dict[str, pd.DataFrame]:
    """For each model run with ``--setting matrix``: target (rows) x source (columns) values,
    each target's best source marked in bold."""
    out = {}
    m = board.cells[board.cells.setting == "matrix"]
    for model, g in m.groupby("model", sort=False):
        t = g.assign(text=[cell_text(board, c) for c in g.itertuples()])
        top = g.loc[(board.sign * g.value).groupby(g.test_lang).idxmax()]
        for i in top.index:
            if (g.test_lang == g.loc[i, "test_lang"]).sum() > 1:
                t.loc[i, "text"] = f"**{t.loc[i, 'text']}**"
        table = t.pivot(index="test_lang", columns="train_lang", values="text").fillna("")
        table.columns = [f"from {c}" for c in table.columns]
        out[model] = table.reset_index().rename(columns={"test_lang": "target"})
    return out


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
    k, n = len(board.common), len(board.systems)
    direction = "higher is better" if board.sign > 0 else "lower is better"
    lines = [f"Main metric: {board.metric}{' (%)' if board.percent else ''}, {direction}."]
    if n == 1:
        lines[0] += f" One system, on {plural(len(board.langs), 'language')}."
    elif not k:
        lines[0] += " No language is common to the systems: no common mean, no ranks."
    else:
        lines[0] += (f" Each system's own mean covers only its own languages; compare systems on the mean over "
                     f"the {plural(k, 'common language')}"
                     + (" (the notes say which systems miss some)." if len(board.ranked) < n else "."))
    if board.tested:
        lines.append(f"Paired tests: sign-flip randomisation on the same items (exact binomial/McNemar for 0/1 "
                     f"scores), Holm-corrected across languages per pair; {BELOW} = significantly worse than the "
                     f"language's best system at {ALPHA}. Rank intervals: 95% paired bootstrap over items "
                     f"within each common language ({stats.N_BOOT} resamples). Overall pair tests: stratified "
                     f"sign-flip on the mean over tested languages, Holm-corrected across pairs; a star marks p "
                     f"below {ALPHA}.")
    elif n > 1:
        lines.append("No per-item scores for two or more systems on the same items: no significance tests.")
    if board.cells.unreliable.any():
        lines.append(f"{UNRELIABLE} = the value is unreliable in that language (the notes say why).")
    return "\n".join(lines + [f"Note: {md_escape(x) if md else x}" for x in board.notes])


def markdown(board: Board, full: bool = True) -> str:
    """A board as Markdown: summary, pairs, legend, then (``full``) every language, the
    family and script averages and any source x target tables; else (what ``xling run``
    prints) a compact per-language table and the source x target tables."""
    parts = [f"## {md_escape(board.task)} (main metric: {md_escape(title(board))})", "",
             _md(summary_table(board), ["system"]), ""]
    if len(board.systems) > 1:
        parts += ["### Pairs", "", _md(pair_table(board), ["A", "B"]), ""]
    parts += legend(board, md=True).splitlines()
    parts.append("")
    parts += _full_parts(board) if full else _compact_parts(board)
    return "\n".join(parts)


def beside_table(board: Board) -> pd.DataFrame:
    """Per language, each system's ``board.BESIDE`` metrics as 'value [95% CI] (n)' (percent)."""
    b = board.beside
    if not len(b):
        return pd.DataFrame()
    cols = [(m, s) for m in dict.fromkeys(b.metric) for s in [x.label for x in board.systems]
            if ((b.metric == m) & (b.system == s)).any()]
    langs = sorted(b.test_lang.unique())
    t = pd.DataFrame({"code": langs, "language": [langinfo.name(x) for x in langs]})
    by = {(r.metric, r.system, r.test_lang): r for r in b.itertuples()}
    for m, s in cols:
        t[f"{s}: {m}"] = [f"{pct(by[(m, s, x)].value)} [{pct(by[(m, s, x)].ci_low)}, {pct(by[(m, s, x)].ci_high)}] "
                          f"({by[(m, s, x)].n})" if (m, s, x) in by else "" for x in langs]
    return t


def _beside_parts(board: Board) -> list[str]:
    t = beside_table(board)
    if not len(t):
        return []
    return ["### Beside the score: output language (%, 95% CI, outputs judged)", "",
            _md(t, list(t.columns)), ""]


def _full_parts(board: Board) -> list[str]:
    parts = [f"### Per language ({md_escape(unit(board))})", "",
             _md(language_table(board, md=True), ["code", "language", "family", "script"]), ""]
    parts += _beside_parts(board)
    for by in ("family", "script"):
        g = group_table(board, by)
        over = "common languages" if board.common else "languages each system covers"
        parts += [f"### By {by} (mean over its {over})", "", _md(g, [c for c in g.columns[:3] if c != "langs"]), ""]
    return parts + _transfer_parts(board)


def _compact_parts(board: Board) -> list[str]:
    parts = []
    plain = [s.label for s in board.systems if s.setting != "matrix"]
    if plain:
        table, left = compact_table(board, plain)
        head = f"### Per language ({md_escape(unit(board))})"
        if left:
            head += f": the {SHOWN} best and {SHOWN} worst of {md_escape(plain[0])}; every language in the board files"
        parts += [head, "", _md(table, ["code", "language"]), ""]
    return parts + _beside_parts(board) + _transfer_parts(board)


def _transfer_parts(board: Board) -> list[str]:
    parts = []
    for model, table in transfer_tables(board).items():
        parts += [f"### {md_escape(model)}: target (rows) x source (columns), {md_escape(unit(board))}", "",
                  _md(table, ["target"]), ""]
    return parts


def csv_frames(board: Board) -> dict[str, pd.DataFrame]:
    cells = board.cells.assign(task=board.task, metric=board.metric)
    return {f"{board.task}.csv": cells, f"{board.task}-summary.csv": board.summary.assign(task=board.task),
            f"{board.task}-pairs.csv": board.pairs.assign(task=board.task),
            f"{board.task}-pair-summary.csv": board.pair_summary.assign(task=board.task),
            **({f"{board.task}-beside.csv": board.beside.assign(task=board.task)} if len(board.beside) else {})}
