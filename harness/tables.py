"""Boards as text: Markdown and CSV tables, legends and number formats (no computation)."""
from __future__ import annotations

import re

import pandas as pd
from tabulate import tabulate

from . import langinfo, stats
from .board import ALPHA, Board

BELOW = "▼"  # significantly below the language's best system (Holm-corrected)


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
