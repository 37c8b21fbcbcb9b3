"""Matplotlib figures for the leaderboard site, with fonts for every script.

Matplotlib (>= 3.6) falls back glyph by glyph through the families listed in
``font.family``; ``font_families`` lists the installed Noto families (Debian packages
fonts-noto-core and fonts-noto-cjk) in a useful order so that language names in any
script render instead of empty boxes. No pyplot: figures are built directly on the Agg
canvas, so nothing global changes on import.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

# Noto families by script (first: Latin/Greek/Cyrillic; DejaVu Sans last as a catch-all).
PREFERRED = (
    "Noto Sans", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans CJK KR",
    "Noto Sans Arabic", "Noto Naskh Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari", "Noto Sans Bengali",
    "Noto Sans Gurmukhi", "Noto Sans Gujarati", "Noto Sans Oriya", "Noto Sans Tamil", "Noto Sans Telugu",
    "Noto Sans Kannada", "Noto Sans Malayalam", "Noto Sans Sinhala", "Noto Sans Thai", "Noto Sans Lao",
    "Noto Sans Khmer", "Noto Sans Myanmar", "Noto Serif Tibetan", "Noto Sans Ethiopic", "Noto Sans Georgian",
    "Noto Sans Armenian", "Noto Sans Tifinagh", "Noto Sans NKo", "Noto Sans Ol Chiki", "Noto Sans Thaana",
    "Noto Sans Syriac", "Noto Sans Mongolian", "Noto Sans Cherokee", "Noto Sans Canadian Aboriginal",
    "Noto Sans Javanese", "Noto Sans Balinese", "Noto Sans Sundanese", "Noto Sans Adlam", "Noto Sans Vai",
    "Noto Sans Symbols", "Noto Sans Symbols 2", "DejaVu Sans",
)


@functools.lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The preferred families that are installed, in order (at least DejaVu Sans)."""
    from matplotlib import font_manager

    fm = font_manager.fontManager
    installed = {f.name for f in fm.ttflist}
    if not all(f in installed for f in PREFERRED[:3]):
        # matplotlib's font cache predates fonts installed later (apt-get in CI): add them
        known = {f.fname for f in fm.ttflist}
        for path in font_manager.findSystemFonts():
            if Path(path).name.startswith(("Noto", "DejaVu")) and path not in known:
                try:
                    fm.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        installed = {f.name for f in fm.ttflist}
    found = tuple(f for f in PREFERRED if f in installed)
    return found or ("DejaVu Sans",)


def _rc():
    import matplotlib

    return matplotlib.rc_context({"font.family": list(font_families()), "font.size": 9,
                                  "axes.titlesize": 10, "savefig.dpi": 110})


def _save(fig, path: Path) -> None:
    """PNG through ``xling.io.write_atomic``: readers never see half a file."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .io import write_atomic

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    write_atomic(Path(path), buf.getvalue())


def _scale(board) -> tuple[float, str]:
    """(factor, unit) a board's values are drawn with: percentages or the number itself."""
    return (100.0, " (%)") if board.percent else (1.0, "")


def lang_label(code: str) -> str:
    from . import langinfo

    auto = langinfo.autonym(code)
    return f"{code}  {auto}" if auto else code


def heatmap(board, path: Path) -> None:
    """Languages x systems, the main metric coloured (better is brighter, whatever the
    metric's direction) and written in each cell."""
    from matplotlib.figure import Figure

    labels = [s.label for s in board.systems]
    factor, unit = _scale(board)
    grid = np.full((len(board.langs), len(labels)), np.nan)
    li = {lang: i for i, lang in enumerate(board.langs)}
    si = {lab: j for j, lab in enumerate(labels)}
    for c in board.cells.itertuples():
        grid[li[c.test_lang], si[c.system]] = factor * c.value
    lo, hi = (0.0, 100.0) if board.percent else (float(np.nanmin(grid)), float(np.nanmax(grid)))
    with _rc():
        fig = Figure(figsize=(2.2 + 1.2 * len(labels), 1.2 + 0.2 * len(board.langs)))
        ax = fig.add_subplot()
        im = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="viridis" if board.sign > 0 else "viridis_r",
                       vmin=lo, vmax=hi if hi > lo else lo + 1, interpolation="nearest")
        ax.set_yticks(range(len(board.langs)), [lang_label(x) for x in board.langs], fontsize=7)
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
        ax.xaxis.tick_top()
        for (i, j), v in np.ndenumerate(grid):
            if not np.isnan(v):
                bright = (v - lo) / (hi - lo) if hi > lo else 0.5
                bright = bright if board.sign > 0 else 1 - bright
                ax.text(j, i, f"{v:.0f}" if board.percent else f"{v:.2f}", ha="center", va="center", fontsize=6,
                        color="black" if bright > 0.6 else "white")
        direction = "" if board.sign > 0 else ", lower is better"
        ax.set_title(f"{board.task}: {board.metric}{unit}{direction}", pad=24)
        fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
        _save(fig, path)


def summary_plot(board, path: Path) -> None:
    """Mean over the common languages per system with its 95% CI and rank interval (best at
    the top, whatever the metric's direction)."""
    from matplotlib.figure import Figure

    factor, unit = _scale(board)
    s = board.summary.assign(_k=board.sign * board.summary.common_mean).sort_values("_k")
    with _rc():
        fig = Figure(figsize=(7, 1.0 + 0.45 * len(s)))
        ax = fig.add_subplot()
        y = np.arange(len(s))
        mean = factor * s.common_mean.to_numpy(dtype=float)
        lo, hi = factor * s.ci_low.to_numpy(dtype=float), factor * s.ci_high.to_numpy(dtype=float)
        err = np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)])
        ax.errorbar(mean, y, xerr=err, fmt="o", color="#1f5fa8", capsize=3)
        for yi, (_, r), m in zip(y, s.iterrows(), mean):
            if not np.isnan(float(r["rank_lo"])):
                ax.annotate(f"rank {int(r['rank'])} [{int(r['rank_lo'])}-{int(r['rank_hi'])}]", (m, yi),
                            textcoords="offset points", xytext=(0, 7), ha="center", fontsize=7)
        ax.set_yticks(y, s.label.tolist())
        k = len(board.common)
        ax.set_xlabel(f"mean {board.metric}{unit} over the {k} common language{'' if k == 1 else 's'}, 95% CI"
                      + ("" if board.sign > 0 else " (lower is better)"))
        ax.set_ylim(-0.7, len(s) - 0.3)
        ax.grid(axis="x", alpha=0.3)
        _save(fig, path)


def overview_plot(boards, table, order, path: Path) -> None:
    """One panel per board: each model's mean over the board's common languages with its 95%
    CI (``table``: ``xling.site.overview``), the models in ``order`` from the top, the same rows
    in every panel, better to the right in every panel."""
    from matplotlib.figure import Figure

    models = [m for m in order if table[(table.model == m)]["mean"].notna().any()]
    n = max(1, len(boards))
    with _rc():
        fig = Figure(figsize=(min(2.5 + 3.2 * n, 16), 1.2 + 0.35 * len(models)), layout="constrained")
        axes = fig.subplots(1, n, sharey=True, squeeze=False)[0]
        y = {m: i for i, m in enumerate(models)}
        for ax, (task, b) in zip(axes, boards.items()):
            factor, unit = _scale(b)
            t = table[(table.task == task) & table["mean"].notna() & table.model.isin(models)]
            mean = factor * t["mean"].to_numpy(dtype=float)
            lo, hi = factor * t.ci_low.to_numpy(dtype=float), factor * t.ci_high.to_numpy(dtype=float)
            err = np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)])
            ax.errorbar(mean, [y[m] for m in t.model], xerr=err, fmt="o", color="#1f5fa8", capsize=3)
            ax.set_title(task, fontsize=9)
            ax.set_xlabel(f"{b.metric}{unit}" + ("" if b.sign > 0 else ", lower is better"), fontsize=8)
            if b.sign < 0:
                ax.invert_xaxis()
            ax.grid(axis="x", alpha=0.3)
        axes[0].set_yticks(range(len(models)), models)
        axes[0].set_ylim(len(models) - 0.3, -0.7)  # the first model at the top
        _save(fig, path)


def language_plot(rows, title: str, path: Path) -> None:
    """One language: each task's systems with their 95% CIs (rows: task, system, value, lo, hi)."""
    from matplotlib.figure import Figure

    with _rc():
        fig = Figure(figsize=(7, 1.0 + 0.35 * len(rows)))
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        v = np.array([100 * r[2] for r in rows])
        lo = np.array([100 * r[3] if r[3] == r[3] else 100 * r[2] for r in rows])
        hi = np.array([100 * r[4] if r[4] == r[4] else 100 * r[2] for r in rows])
        ax.errorbar(v, y, xerr=np.vstack([v - lo, hi - v]), fmt="o", color="#1f5fa8", capsize=3)
        ax.set_yticks(y, [f"{r[0]}: {r[1]}" for r in rows], fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xlabel("main metric (%), 95% CI")
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
        _save(fig, path)


# ---------------------------------------------------------------------------------------------
# language similarity (xling similarity)


def _rc_codes():
    """Settings for figures labelled only with ASCII language codes: one font (DejaVu Sans),
    which skips the glyph-by-glyph fallback search through every Noto family (most of the
    drawing time of a 205 x 205 heatmap's labels)."""
    import matplotlib

    return matplotlib.rc_context({"font.family": ["DejaVu Sans"], "font.size": 9, "axes.titlesize": 10,
                                  "savefig.dpi": 110})


def save_png(fig, path: Path) -> None:
    """Write a figure as PNG through ``xling.io.write_atomic`` (readers never see half a file)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .io import write_atomic

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    write_atomic(Path(path), buf.getvalue())


def clustered_heatmap(sim, labels, linkage, path: Path, title: str) -> None:
    """A similarity matrix with rows and columns in dendrogram order, the dendrogram (from
    ``linkage``, scipy) on the left."""
    from matplotlib.figure import Figure
    from scipy.cluster.hierarchy import dendrogram

    n = len(labels)
    size = min(40.0, 3.0 + 0.11 * n)
    fs = 8 if n <= 40 else 6 if n <= 100 else 4
    with _rc_codes():
        fig = Figure(figsize=(size + 2.5, size))
        ax_d = fig.add_axes((0.02, 0.1, 0.16, 0.8))
        tree = dendrogram(linkage, orientation="left", no_labels=True, ax=ax_d, color_threshold=0,
                          above_threshold_color="#555555")
        ax_d.set_axis_off()
        order = tree["leaves"][::-1]  # dendrogram draws its first leaf at the bottom
        ax = fig.add_axes((0.19, 0.1, 0.68, 0.8))
        grid = np.asarray(sim, dtype=float)[np.ix_(order, order)]
        im = ax.imshow(grid, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest", aspect="auto")
        ax.set_yticks(range(n), [labels[i] for i in order], fontsize=fs)
        ax.yaxis.tick_right()
        ax.set_xticks(range(n), [labels[i] for i in order], rotation=90, fontsize=fs)
        ax.set_title(title)
        fig.colorbar(im, cax=fig.add_axes((0.97, 0.35, 0.015, 0.3)))  # right of the row labels
        save_png(fig, path)


def alignment_bars(table, path: Path, title: str) -> None:
    """Per language, mean translation cosine and MEXA (columns ``lang``, ``mean_cosine``,
    ``mexa``), ordered by MEXA."""
    from matplotlib.figure import Figure

    t = table.sort_values(["mexa", "mean_cosine"]).reset_index(drop=True)
    n = len(t)
    with _rc_codes():
        fig = Figure(figsize=(7, 1.2 + 0.14 * n))
        ax = fig.add_subplot()
        y = np.arange(n)
        ax.barh(y - 0.2, t["mexa"], height=0.4, color="#1f5fa8", label="MEXA")
        ax.barh(y + 0.2, t["mean_cosine"], height=0.4, color="#e08a2c", label="mean cosine")
        ax.set_yticks(y, t["lang"].tolist(), fontsize=8 if n <= 40 else 5)
        ax.set_xlim(min(0.0, float(t["mean_cosine"].min())), 1)
        ax.set_ylim(-0.7, n - 0.3)
        ax.legend(fontsize=8, loc="lower right")
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
        save_png(fig, path)


def layer_curves(per_layer, path: Path, title: str) -> None:
    """Mean over languages of each alignment measure per layer (columns ``layer``,
    ``mean_cosine``, ``mexa``)."""
    from matplotlib.figure import Figure

    with _rc_codes():
        fig = Figure(figsize=(6.5, 4))
        ax = fig.add_subplot()
        for col, color in (("mexa", "#1f5fa8"), ("mean_cosine", "#e08a2c")):
            ax.plot(per_layer["layer"], per_layer[col], "o-", color=color, label=col, ms=3)
        ax.set_xlabel("layer (0 = embeddings)")
        ax.set_ylabel("mean over languages")
        ax.legend(fontsize=8)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        save_png(fig, path)
