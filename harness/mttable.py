"""Translation results as a table: the source x target matrix of a ``--setting pairs`` run.

``matrix``/``report`` format one metric (chrF++ by default) with sources as rows and targets
as columns, like ``xling.gxlt`` does for G-XLT. (Boards key translation cells by direction:
``xling.board``.)
"""
from __future__ import annotations

import pandas as pd
from tabulate import tabulate

TRANSLATION = ("xx2en", "en2xx", "pairs")


def matrix(df: pd.DataFrame, metric: str = "chrf++") -> pd.DataFrame:
    """Rows: source language (query_lang); columns: target language (test_lang); one system."""
    rows = df[df.setting.isin(TRANSLATION) & (df.metric == metric)]
    table = rows.pivot_table(index="query_lang", columns="test_lang", values="value", aggfunc="mean")
    return table.reindex(index=sorted(rows.query_lang.unique()), columns=sorted(rows.test_lang.unique()))


def report(df: pd.DataFrame, metric: str = "chrf++") -> str:
    """Markdown: one source x target table per (task, model, setting), with row and column
    means and the mean over all directions; empty where a direction was not run (a language
    into itself)."""
    parts = []
    rows = df[df.setting.isin(TRANSLATION) & (df.metric == metric)]
    for (task, model, setting), g in rows.groupby(["task", "model", "setting"], sort=True):
        m = matrix(g, metric)
        show = m.copy()
        show["mean"] = m.mean(axis=1)
        show.loc["mean"] = list(m.mean(axis=0)) + [float(m.stack().mean())]
        show = show.reset_index().rename(columns={"query_lang": "source \\ target", "index": "source \\ target"})
        parts += [f"## {task} {model} ({setting})", "",
                  f"{metric}, rows: source language, columns: target language ({m.shape[0]} x {m.shape[1]}, "
                  f"{int(m.notna().sum().sum())} directions, sentences per direction: {int(g.n.min())}-{int(g.n.max())})",
                  "", tabulate(show, headers="keys", tablefmt="github", floatfmt=".1f", showindex=False), "",
                  f"mean over all directions: {float(m.stack().mean()):.1f}", ""]
    return "\n".join(parts)
