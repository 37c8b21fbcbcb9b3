"""The static leaderboard site: plain HTML files that open from disk (file://), no server.

``write(boards, out_dir, command)`` writes ``index.html`` (an overview of every model on every
task with one plot, then every task's summary), ``task-<task>.html`` (summary, pairwise tests,
the averages per language family and per script, a sortable and filterable per-language table
coloured as a heatmap, and the matplotlib plots), ``languages.html`` and a page per language
in ``lang/<code>.html``. Tables sort on a header click; the per-language tables filter by
language family and script and recompute the mean over the shown languages that every
system covers. The state can be set from the URL hash, e.g.
``task-sib200.html#family=Afro-Asiatic&script=Arab&sort=5&dir=desc`` (the family and script
tables link there). Values are shown as the metric's registry says (percentages or the number
itself), and colours and "best" follow its direction.

Every string that comes from data or the command line goes through ``html.escape``.
"""
from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from . import langinfo, plots
from .board import ALPHA, Board, aggregate
from .io import slug, write_atomic
from .tables import BELOW, UNRELIABLE, ci_text, fmt_p, legend, marks, num, pair_table, plural, rank_text, star, unit

FONTS = ", ".join(f'"{f}"' for f in plots.PREFERRED[:-1]) + ", sans-serif"

CSS = """
body { font-family: %s; margin: 1.5em auto; max-width: 78em; padding: 0 1em; color: #222; }
h1, h2, h3 { font-weight: 600; } a { color: #1f5fa8; }
nav a { margin-right: 1em; } footer { margin-top: 2em; color: #666; font-size: 90%%; }
table { border-collapse: collapse; margin: .8em 0; font-size: 90%%; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: right; }
th { background: #f3f3f3; position: sticky; top: 0; }
table.sortable th { cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\2191"; } th[aria-sort="descending"]::after { content: " \\2193"; }
td.t, th.t { text-align: left; } td:not(.t) { white-space: nowrap; } td.best { font-weight: 700; outline: 2px solid #333; }
tfoot td { font-weight: 600; background: #f8f8f8; }
.filters { margin: .8em 0; } .filters label { margin-right: 1.2em; }
.note { color: #555; font-size: 90%%; } .bar { background: #1f5fa8; height: .8em; display: inline-block; }
.ci { color: #666; font-size: 85%%; } img { max-width: 100%%; } table.groups td.t { white-space: nowrap; }
""" % FONTS

JS = r"""
(function () {
  function key(td) {
    if (!td) return NaN;
    var v = td.getAttribute('data-v');
    if (v === null) return td.textContent.trim().toLowerCase();
    return v === '' ? NaN : parseFloat(v);
  }
  function sortBy(table, i, dir) {
    var heads = table.tHead.rows[0].cells;
    for (var h = 0; h < heads.length; h++) heads[h].removeAttribute('aria-sort');
    heads[i].setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending');
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows), s = dir === 'asc' ? 1 : -1;
    rows.sort(function (a, b) {
      var x = key(a.cells[i]), y = key(b.cells[i]);
      if (typeof x === 'number' && typeof y === 'number') {
        if (isNaN(x) && isNaN(y)) return 0;
        if (isNaN(x)) return 1;
        if (isNaN(y)) return -1;
        return s * (x - y);
      }
      return s * String(x).localeCompare(String(y));
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function has(r, c) { var v = r.cells[c].getAttribute('data-v'); return v !== null && v !== ''; }
  function means(table) {
    var foot = table.tFoot;
    if (!foot) return;
    var heads = table.tHead.rows[0].cells, cols = [], core = [];
    for (var h = 0; h < heads.length; h++) {
      if (!heads[h].hasAttribute('data-sys')) continue;
      cols.push(h);
      if (heads[h].getAttribute('data-ranked') === '1') core.push(h);
    }
    if (!core.length) core = cols;
    var rows = Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; });
    var common = rows.filter(function (r) { return core.every(function (c) { return has(r, c); }); });
    var cells = foot.rows[0].cells;
    var scale = parseFloat(table.getAttribute('data-scale') || '100'), digits = parseInt(table.getAttribute('data-digits') || '1', 10);
    cols.forEach(function (c) {
      var sum = 0, ok = common.length && common.every(function (r) { return has(r, c); });
      common.forEach(function (r) { if (ok) sum += parseFloat(r.cells[c].getAttribute('data-v')); });
      cells[c].textContent = ok ? (scale * sum / common.length).toFixed(digits) : '';
      cells[c].setAttribute('data-v', ok ? String(sum / common.length) : '');
    });
    var info = document.getElementById('shown');
    if (info) info.textContent = rows.length + ' languages shown, ' + common.length + ' covered by ' +
      (core.length < cols.length ? 'every ranked system' : 'every system');
  }
  function filter() {
    var fam = document.getElementById('f-family'), scr = document.getElementById('f-script');
    document.querySelectorAll('table.filterable').forEach(function (t) {
      Array.prototype.forEach.call(t.tBodies[0].rows, function (r) {
        var ok = (!fam || fam.value === '' || r.getAttribute('data-family') === fam.value) &&
                 (!scr || scr.value === '' || r.getAttribute('data-script') === scr.value);
        r.hidden = !ok;
      });
      means(t);
    });
  }
  document.querySelectorAll('table.sortable').forEach(function (t) {
    Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, i) {
      th.addEventListener('click', function () {
        sortBy(t, i, th.getAttribute('aria-sort') === 'ascending' ? 'desc' : 'asc');
      });
    });
  });
  ['f-family', 'f-script'].forEach(function (id) {
    var el = document.getElementById(id);
    if (el) el.addEventListener('change', filter);
  });
  function fromHash() {
    var q = new URLSearchParams(location.hash.slice(1));
    ['family', 'script'].forEach(function (k) {
      var el = document.getElementById('f-' + k);
      if (el) el.value = q.get(k) || '';
    });
    filter();
    if (q.has('sort')) {
      var t = document.querySelector('table.sortable.main') || document.querySelector('table.sortable');
      if (t) sortBy(t, parseInt(q.get('sort'), 10), q.get('dir') === 'desc' ? 'desc' : 'asc');
    }
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
"""



def e(value) -> str:
    """HTML-escape anything (text and attribute values)."""
    return html.escape("" if value is None else str(value), quote=True)


def _num(v) -> str:
    return "" if v is None or pd.isna(v) else repr(float(v))


def _bcp47(code: str) -> str:
    lang, _, sc = code.partition("_")
    return f"{lang}-{sc}" if sc else lang


def shade(board: Board, v) -> float:
    """Where ``v`` lies between the worst and the best a board can show, in [0, 1] (1 = best):
    a proportion on its own scale, any other metric between the board's extremes."""
    if v is None or pd.isna(v):
        return float("nan")
    if board.percent:
        t = float(v)
    else:
        lo, hi = board.cells.value.min(), board.cells.value.max()
        t = 0.5 if hi == lo else (float(v) - lo) / (hi - lo)
    t = min(max(t, 0.0), 1.0)
    return t if board.sign > 0 else 1.0 - t


def _colour(t: float) -> str:
    """Heatmap background for a shade in [0, 1], with a readable text colour."""
    if t != t:  # NaN
        return ""
    from matplotlib import colormaps

    r, g, b, _ = colormaps["YlGnBu"](0.08 + 0.85 * t)
    text = "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#fff"
    return f"background:rgb({r * 255:.0f},{g * 255:.0f},{b * 255:.0f});color:{text}"


def page(title: str, body: str, command: str, root: str = "") -> str:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title><style>{CSS}</style></head><body>\n"
            f'<nav><a href="{root}index.html">Leaderboards</a><a href="{root}languages.html">Languages</a></nav>\n'
            f"<h1>{e(title)}</h1>\n{body}\n"
            f"<footer>Generated by <code>{e(command)}</code> (xling). Open from disk; no server needed.</footer>\n"
            f"<script>{JS}</script></body></html>\n")


def task_file(task: str) -> str:
    return f"task-{slug(task)}.html"


def lang_file(code: str) -> str:
    return f"lang/{slug(code)}.html"


def _th(h: str, text: bool = False) -> str:
    return f'<th class="{"t" if text else ""}">{e(h)}</th>'


def summary_html(board: Board, link: bool = False) -> str:
    s = board.summary.sort_values(["rank", "label"], na_position="last")
    k = len(board.common)
    heads = ["rank (95% interval)", "system", "setting", "train", "langs", "mean over its own langs",
             f"mean over {k} common {'lang' if k == 1 else 'langs'}", "95% CI", "min", "max"]
    extra = [h for h, on in (("p vs top (Holm)", "p_vs_top" in s),
                             ("majority baseline", s.majority_baseline.notna().any())) if on]
    out = ['<table class="sortable summary"><thead><tr>'
           + "".join(_th(h, h in ("system", "setting", "train")) for h in heads + extra) + "</tr></thead><tbody>"]
    for _, r in s.iterrows():
        out.append("<tr>" + "".join(_summary_cells(board, r, extra)) + "</tr>")
    out.append("</tbody></table>")
    if link:
        out.append(f'<p><a href="{task_file(board.task)}">{e(board.task)}: per language, tests and plots</a></p>')
    return "\n".join(out)


def _summary_cells(board: Board, r, extra: list[str]) -> list[str]:
    def v(x):
        return f'<td data-v="{_num(x)}">{num(board, x)}</td>'

    tds = [f'<td data-v="{_num(r["rank"])}">{e(rank_text(r))}</td>', f'<td class="t">{e(r.label)}</td>',
           f'<td class="t">{e(r.setting)}</td>', f'<td class="t">{e(r.train_lang)}</td>',
           f'<td data-v="{r.langs}">{r.langs}</td>', v(r["mean"]), v(r.common_mean),
           f"<td>{e(ci_text(board, r.ci_low, r.ci_high))}</td>", v(r["min"]), v(r["max"])]
    if "p vs top (Holm)" in extra:
        tds.append(f'<td data-v="{_num(r.p_vs_top)}">{e(star(r.p_vs_top))}</td>')
    if "majority baseline" in extra:
        tds.append(f'<td data-v="{_num(r.majority_baseline)}">{num(board, r.majority_baseline)}</td>')
    return tds


def _numeric(v) -> bool:
    try:
        float(str(v).split()[0] if str(v).strip() else "x")
        return True
    except ValueError:
        return str(v).startswith("<")


def table_html(df: pd.DataFrame, cls: str = "sortable", links: dict[str, str] | None = None) -> str:
    """A plain table of display strings; ``links`` maps a column to a URL prefix its values
    (quoted) complete."""
    links = links or {}
    heads = "".join(f"<th>{e(c)}</th>" for c in df.columns)

    def td(col, v):
        inner = f'<a href="{e(links[col] + quote(str(v)))}">{e(v)}</a>' if col in links else e(v)
        return f'<td class="{"" if _numeric(v) else "t"}">{inner}</td>'

    rows = "".join("<tr>" + "".join(td(c, v) for c, v in zip(df.columns, row)) + "</tr>"
                   for row in df.itertuples(index=False))
    return f'<table class="{cls}"><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table>'


def _filters(langs: list[str]) -> str:
    fams = sorted({langinfo.family(x) for x in langs})
    scripts = sorted({langinfo.script(x) for x in langs})
    fam_opts = "".join(f'<option value="{e(f)}">{e(f)}</option>' for f in fams)
    scr_opts = "".join(f'<option value="{e(s)}">{e(s)} ({e(langinfo.script_name(s))})</option>' for s in scripts)
    return (f'<div class="filters"><label>Family <select id="f-family"><option value="">all</option>{fam_opts}'
            f'</select></label><label>Script <select id="f-script"><option value="">all</option>{scr_opts}'
            f'</select></label><span id="shown" class="note"></span></div>')


def _lang_cells(code: str, root: str = "") -> str:
    auto = langinfo.autonym(code)
    return (f'<td class="t"><a href="{root}{lang_file(code)}">{e(code)}</a></td>'
            f'<td class="t">{e(langinfo.name(code))}</td>'
            f'<td class="t" lang="{e(_bcp47(code))}">{e(auto)}</td>'
            f'<td class="t">{e(langinfo.family(code))}</td>'
            f'<td class="t" title="{e(langinfo.script_name(code))}">{e(langinfo.script(code))}</td>')


def _value_td(board: Board, c, many: bool) -> str:
    title = f"{c.system}: {num(board, c.value)} {ci_text(board, c.ci_low, c.ci_high)}, n={c.n}"
    if not pd.isna(c.p_holm_vs_best):
        title += f"; vs best p(Holm)={fmt_p(c.p_holm_vs_best)}"
    cls = "best" if c.best and many else ""
    mark = marks(c)
    return (f'<td class="{cls}" data-v="{_num(c.value)}" title="{e(title)}" style="{_colour(shade(board, c.value))}">'
            f"{num(board, c.value)}{mark}</td>")


def language_table_html(board: Board) -> str:
    labels = [s.label for s in board.systems]
    cells = {(c.test_lang, c.system): c for c in board.cells.itertuples()}
    head = ('<thead><tr><th class="t">code</th><th class="t">language</th><th class="t">autonym</th>'
            '<th class="t">family</th><th class="t">script</th>'
            + "".join(f'<th data-sys="{e(lab)}" data-ranked="{int(lab in board.ranked)}">{e(lab)}</th>'
                      for lab in labels) + "</tr></thead>")
    body = []
    for lang in board.langs:
        tds = [_value_td(board, cells[(lang, lab)], len(labels) > 1) if (lang, lab) in cells else '<td data-v=""></td>'
               for lab in labels]
        body.append(f'<tr data-family="{e(langinfo.family(lang))}" data-script="{e(langinfo.script(lang))}">'
                    + _lang_cells(lang) + "".join(tds) + "</tr>")
    # one footer cell per column, so footer cells line up with header indices in the JS
    foot = ('<tfoot><tr><td class="t">mean</td><td class="t" colspan="1">over shown languages</td>'
            '<td class="t">the ranked systems cover</td><td></td><td></td>'
            + "".join('<td data-v=""></td>' for _ in labels) + "</tr></tfoot>")
    scale, digits = ("100", "1") if board.percent else ("1", "3")
    return (f'<table class="sortable filterable main" id="langs" data-scale="{scale}" data-digits="{digits}">'
            f'{head}<tbody>{"".join(body)}</tbody>{foot}</table>')


def groups_html(board: Board) -> str:
    """The board's mean per language family and per script (the best system's mean in bold),
    each group linking to the per-language table filtered to it."""
    over = "the common languages in it" if board.common else "the languages each system covers in it"
    return "\n".join(f'<h3>By {by} <span class="note">mean over {over}</span></h3>' + _group_table_html(board, by)
                     for by in ("family", "script"))


def _group_table_html(board: Board, by: str) -> str:
    g = aggregate(board, by)
    labels = [c for c in g.columns if c not in (by, "langs")]
    names = ["script name"] if by == "script" else []
    heads = [_th(by, True)] + [_th(h, True) for h in names] + [_th("langs")] + [_th(lab) for lab in labels]
    rows = []
    for _, r in g.iterrows():
        keys = board.sign * r[labels].astype(float)
        best = keys.idxmax() if keys.notna().sum() > 1 else None
        tds = [f'<td class="t"><a href="#{by}={e(quote(str(r[by])))}">{e(r[by])}</a></td>']
        tds += [f'<td class="t">{e(langinfo.script_name(r[by]))}</td>'] if names else []
        tds.append(f'<td data-v="{r.langs}">{r.langs}</td>')
        tds += [f'<td class="{"best" if lab == best else ""}" data-v="{_num(r[lab])}">{num(board, r[lab])}</td>'
                for lab in labels]
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return (f'<table class="sortable groups"><thead><tr>{"".join(heads)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def task_page(board: Board, command: str) -> str:
    parts = [f"<h2>Summary</h2>{summary_html(board)}"]
    if len(board.systems) > 1:
        parts.append("<h2>Pairs</h2>" + table_html(pair_table(board)))
    parts.append('<div class="note">' + "<br>".join(e(line) for line in legend(board).splitlines()) + "</div>")
    parts.append(f"<h2>By language family and script</h2>{groups_html(board)}")
    parts.append(f'<h2>Per language</h2>{_filters(board.langs)}{language_table_html(board)}')
    parts.append(f'<h2>Plots</h2><p><img src="img/{e(slug(board.task))}-summary.png" alt="summary plot"></p>'
                 f'<p><img src="img/{e(slug(board.task))}-heatmap.png" alt="heatmap"></p>')
    return page(f"{board.task}: {board.metric}", "\n".join(parts), command)


def overview(boards: dict[str, Board]) -> pd.DataFrame:
    """model x board: each model's best-ranked system on each board (rank, common mean, CI)."""
    out = []
    for task, b in boards.items():
        s = b.summary.sort_values(["rank", "label"], na_position="last").drop_duplicates("model")
        out += [{"model": r.model, "task": task, "label": r.label, "rank": r["rank"], "rank_lo": r.rank_lo,
                 "rank_hi": r.rank_hi, "mean": r.common_mean, "ci_low": r.ci_low, "ci_high": r.ci_high}
                for _, r in s.iterrows()]
    return pd.DataFrame(out, columns=["model", "task", "label", "rank", "rank_lo", "rank_hi", "mean", "ci_low",
                                      "ci_high"])


def _overview_order(ov: pd.DataFrame) -> list[str]:
    """Models by their mean rank over the boards (unranked last), then by name."""
    return sorted(ov.model.unique(), key=lambda m: (ov[ov.model == m]["rank"].astype(float).fillna(1e9).mean(), m))


def overview_html(boards: dict[str, Board]) -> str:
    ov = overview(boards)
    models = _overview_order(ov)
    heads = ['<th class="t">model</th>'] + [
        f'<th><a href="{task_file(t)}">{e(t)}</a><br><span class="note">{e(unit(b))}, '
        f'{plural(len(b.common), "common lang")}</span></th>' for t, b in boards.items()]
    rows = []
    for m in models:
        tds = [f'<td class="t">{e(m)}</td>']
        for t, b in boards.items():
            r = ov[(ov.model == m) & (ov.task == t)]
            tds.append(_overview_td(b, r.iloc[0]) if len(r) else '<td data-v=""></td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return (f'<table class="sortable overview"><thead><tr>{"".join(heads)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _overview_td(board: Board, r) -> str:
    if pd.isna(r["mean"]):
        return f'<td data-v="" title="{e(r.label)}: not ranked">–</td>'
    ci = ci_text(board, r.ci_low, r.ci_high)
    rank = rank_text(r)
    cls = "best" if r["rank"] == 1 and len(board.ranked) > 1 else ""
    return (f'<td class="{cls}" data-v="{_num(board.sign * r["mean"])}" title="{e(r.label)}: rank {e(rank)}">'
            f'{num(board, r["mean"])} <span class="ci">{e(ci)}</span></td>')


def index_page(boards: dict[str, Board], command: str) -> str:
    parts = ['<h2>Overview</h2><p class="note">Each model\'s best-ranked system per task: the main metric\'s mean '
             "over the task's common languages, with its 95% CI (bold: rank 1). Sorting a task column "
             "puts the best first or last.</p>", overview_html(boards),
             '<p><img src="img/overview.png" alt="overview plot"></p>']
    for task, b in boards.items():
        parts.append(f'<h2><a href="{task_file(task)}">{e(task)}</a> <span class="note">main metric '
                     f"{e(unit(b))}, {plural(len(b.systems), 'system')}, {plural(len(b.langs), 'language')}, "
                     f"{len(b.common)} common</span></h2>")
        parts.append(summary_html(b, link=True))
    return page("xling leaderboards", "\n".join(parts), command)


def languages_page(boards: dict[str, Board], command: str) -> str:
    langs = sorted({x for b in boards.values() for x in b.langs})
    head = ('<thead><tr><th class="t">code</th><th class="t">language</th><th class="t">autonym</th>'
            '<th class="t">family</th><th class="t">script</th><th class="t">tasks</th></tr></thead>')
    rows = []
    for lang in langs:
        ts = ", ".join(t for t, b in boards.items() if lang in b.langs)
        rows.append(f'<tr data-family="{e(langinfo.family(lang))}" data-script="{e(langinfo.script(lang))}">'
                    f'{_lang_cells(lang)}<td class="t">{e(ts)}</td></tr>')
    body = (_filters(langs) + f'<table class="sortable filterable main">{head}<tbody>{"".join(rows)}'
            f"</tbody></table>")
    return page("Languages", body, command)


def _language_rows(board: Board, lang: str) -> str:
    cs = board.cells[board.cells.test_lang == lang]
    cs = cs.assign(_k=board.sign * cs.value).sort_values(["_k", "best"], ascending=False, kind="stable")
    rows = []
    for c in cs.itertuples():
        mark = marks(c)
        width = shade(board, c.value) * 12
        rows.append(f'<tr><td data-v="{c.rank_in_lang}">{c.rank_in_lang}</td><td class="t">{e(c.system)}</td>'
                    f'<td data-v="{_num(c.value)}">{num(board, c.value)}{mark}</td>'
                    f"<td>{e(ci_text(board, c.ci_low, c.ci_high))}</td><td data-v=\"{c.n}\">{c.n}</td>"
                    f'<td data-v="{_num(c.p_holm_vs_best)}">{e(fmt_p(c.p_holm_vs_best))}</td>'
                    f'<td class="t"><span class="bar" style="width:{width:.2f}em"></span></td></tr>')
    return "".join(rows)


def language_page(lang: str, boards: dict[str, Board], command: str) -> str:
    auto = langinfo.autonym(lang)
    intro = (f'<p><span lang="{e(_bcp47(lang))}" style="font-size:200%">{e(auto)}</span></p>' if auto else "")
    intro += (f"<p>{e(langinfo.name(lang))} · code {e(lang)} · family {e(langinfo.family(lang))} · script "
              f"{e(langinfo.script(lang))} ({e(langinfo.script_name(lang))})</p>")
    parts = [intro]
    for task, b in boards.items():
        rows = _language_rows(b, lang)
        if not rows:
            continue
        parts.append(f'<h2><a href="../{task_file(task)}">{e(task)}</a> <span class="note">{e(unit(b))}</span>'
                     f'</h2><table class="sortable"><thead><tr><th>rank</th><th class="t">system</th>'
                     f"<th>{e(b.metric)}</th><th>95% CI</th><th>n</th><th>p vs best (Holm over languages)</th>"
                     f'<th class="t"></th></tr></thead><tbody>{rows}</tbody></table>')
    flagged = any(b.cells.unreliable[b.cells.test_lang == lang].any() for b in boards.values())
    parts.append(f'<p class="note">{BELOW} = significantly worse than the best system in this language after Holm '
                 f"correction across languages (alpha {ALPHA})."
                 + (f" {UNRELIABLE} = unreliable here (the task's notes say why)." if flagged else "") + "</p>")
    return page(f"{lang}: {langinfo.name(lang)}", "\n".join(parts), command, root="../")


def _plots(board: Board) -> dict[str, object]:
    return {f"img/{slug(board.task)}-{kind}.png": fn for kind, fn in
            (("heatmap", plots.heatmap), ("summary", plots.summary_plot))}


def paths(boards: dict[str, Board]) -> list[str]:
    """The files ``write`` writes, relative to its directory."""
    langs = sorted({x for b in boards.values() for x in b.langs})
    return (["index.html", "languages.html", "img/overview.png"] + [task_file(t) for t in boards]
            + [p for b in boards.values() for p in _plots(b)] + [lang_file(x) for x in langs])


def write(boards: dict[str, Board], out_dir, command: str) -> list[Path]:
    """Write the whole site under ``out_dir``; returns the files written."""
    out = Path(out_dir)
    written: list[Path] = []

    def put(rel: str, text: str) -> None:
        write_atomic(out / rel, text)
        written.append(out / rel)

    put("index.html", index_page(boards, command))
    ov = overview(boards)
    plots.overview_plot(boards, ov, _overview_order(ov), out / "img" / "overview.png")
    written.append(out / "img" / "overview.png")
    put("languages.html", languages_page(boards, command))
    for task, b in boards.items():
        put(task_file(task), task_page(b, command))
        for rel, fn in _plots(b).items():
            fn(b, out / rel)
            written.append(out / rel)
    for lang in sorted({x for b in boards.values() for x in b.langs}):
        put(lang_file(lang), language_page(lang, boards, command))
    return written
