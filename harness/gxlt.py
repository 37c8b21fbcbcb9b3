"""The G-XLT table (MLQA's generalised cross-lingual transfer): question language x context
language of one metric, from the tidy rows of a ``--setting gxlt`` run."""
from __future__ import annotations

import pandas as pd
from tabulate import tabulate


def matrix(df: pd.DataFrame, metric: str = "f1") -> pd.DataFrame:
    """Rows: question language; columns: context language; values in % (one system)."""
    rows = df[(df.setting == "gxlt") & (df.metric == metric)]
    langs = sorted(set(rows.query_lang) | set(rows.test_lang))
    table = rows.pivot_table(index="query_lang", columns="test_lang", values="value", aggfunc="mean") * 100
    return table.reindex(index=langs, columns=langs)


def report(df: pd.DataFrame, metric: str = "f1") -> str:
    """Markdown: one G-XLT table per (task, model, train language), with row and column
    means, the same-language diagonal mean and the mean over the crossed pairs."""
    parts = []
    rows = df[(df.setting == "gxlt") & (df.metric == metric)]
    for (task, model, train), g in rows.groupby(["task", "model", "train_lang"], sort=True, dropna=False):
        m = matrix(g, metric)
        n = len(m)
        show = m.copy()
        show["mean"] = m.mean(axis=1)
        show.loc["mean"] = list(m.mean(axis=0)) + [m.values.mean()]
        diag = pd.Series([m.iat[i, i] for i in range(n)]).mean()
        off = (m.values.sum() - pd.Series([m.iat[i, i] for i in range(n)]).sum()) / max(1, n * n - n)
        title = f"## G-XLT {task} {model}" + (f" (fine-tuned on {train})" if train else "")
        parts += [title, "", f"{metric} (%), rows: question language, columns: context language "
                  f"({n} x {n}, items per cell: {int(g.n.min())}-{int(g.n.max())})", "",
                  tabulate(show.reset_index().rename(columns={"index": "question \\ context", "query_lang":
                           "question \\ context"}), headers="keys", tablefmt="github", floatfmt=".1f",
                           showindex=False), "",
                  f"same language (diagonal) mean: {diag:.1f}; crossed pairs mean: {off:.1f}; all pairs: "
                  f"{m.values.mean():.1f}", ""]
    return "\n".join(parts)
