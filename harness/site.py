"""The static leaderboard site: plain HTML files that open from disk (file://), no server.

``write(boards, out_dir, command)`` writes ``index.html`` (every task's summary),
``task-<task>.html`` (summary, pairwise tests, a sortable and filterable per-language
table coloured as a heatmap, and the matplotlib plots), ``languages.html`` and a page per
language in ``lang/<code>.html``. Tables sort on a header click; the per-language tables
filter by language family and script and recompute the mean over the shown languages
that every system covers. The state can be set from the URL hash, e.g.
``task-sib200.html#family=Afro-Asiatic&script=Arab&sort=5&dir=desc``.

Every string that comes from data or the command line goes through ``html.escape``.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from . import langinfo, plots
from .io import slug, write_atomic
from .board import ALPHA, Board
from .tables import BELOW, fmt_p, legend, pair_table, pct, rank_text

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
td.t, th.t { text-align: left; } td.best { font-weight: 700; outline: 2px solid #333; }
tfoot td { font-weight: 600; background: #f8f8f8; }
.filters { margin: .8em 0; } .filters label { margin-right: 1.2em; }
.note { color: #555; font-size: 90%%; } .bar { background: #1f5fa8; height: .8em; display: inline-block; }
img { max-width: 100%%; }
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
  function means(table) {
    var foot = table.tFoot;
    if (!foot) return;
    var heads = table.tHead.rows[0].cells, cols = [];
    for (var h = 0; h < heads.length; h++) if (heads[h].hasAttribute('data-sys')) cols.push(h);
    var rows = Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; });
    var common = rows.filter(function (r) {
      return cols.every(function (c) { var v = r.cells[c].getAttribute('data-v'); return v !== null && v !== ''; });
    });
    var cells = foot.rows[0].cells;
    cols.forEach(function (c) {
      var sum = 0;
      common.forEach(function (r) { sum += parseFloat(r.cells[c].getAttribute('data-v')); });
      cells[c].textContent = common.length ? (100 * sum / common.length).toFixed(1) : '';
      cells[c].setAttribute('data-v', common.length ? String(sum / common.length) : '');
    });
    var info = document.getElementById('shown');
    if (info) info.textContent = rows.length + ' languages shown, ' + common.length + ' covered by every system';
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
  var q = new URLSearchParams(location.hash.slice(1));
  if (q.has('family') && document.getElementById('f-family')) document.getElementById('f-family').value = q.get('family');
  if (q.has('script') && document.getElementById('f-script')) document.getElementById('f-script').value = q.get('script');
  filter();
  if (q.has('sort')) {
    var t = document.querySelector('table.sortable.main') || document.querySelector('table.sortable');
    if (t) sortBy(t, parseInt(q.get('sort'), 10), q.get('dir') === 'desc' ? 'desc' : 'asc');
  }
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


def _colour(v) -> str:
    """Heatmap background for a value in [0, 1], with a readable text colour."""
    if v is None or pd.isna(v):
        return ""
    from matplotlib import colormaps

    r, g, b, _ = colormaps["YlGnBu"](0.08 + 0.85 * min(max(float(v), 0.0), 1.0))
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


def summary_html(board: Board, link: bool = False) -> str:
    s = board.summary.sort_values(["rank", "label"], na_position="last")
    k = len(board.common)
    heads = ["rank (95% interval)", "system", "setting", "train", "langs", "mean over its own langs",
             f"mean over {k} common langs", "95% CI", "min", "max"]
    has_p = "p_vs_top" in s
    if has_p:
        heads.append("p vs top (Holm)")
    if s.majority_baseline.notna().any():
        heads.append("majority baseline")
    out = ['<table class="sortable summary"><thead><tr>'
           + "".join(f'<th class="{"t" if h in ("system", "setting", "train") else ""}">{e(h)}</th>' for h in heads)
           + "</tr></thead><tbody>"]
    for _, r in s.iterrows():
        ci = f"[{pct(r.ci_low)}, {pct(r.ci_high)}]" if not pd.isna(r.ci_low) else ""
        tds = [f'<td data-v="{_num(r["rank"])}">{e(rank_text(r))}</td>', f'<td class="t">{e(r.label)}</td>',
               f'<td class="t">{e(r.setting)}</td>', f'<td class="t">{e(r.train_lang)}</td>',
               f'<td data-v="{r.langs}">{r.langs}</td>', f'<td data-v="{_num(r["mean"])}">{pct(r["mean"])}</td>',
               f'<td data-v="{_num(r.common_mean)}">{pct(r.common_mean)}</td>', f"<td>{e(ci)}</td>",
               f'<td data-v="{_num(r["min"])}">{pct(r["min"])}</td>',
               f'<td data-v="{_num(r["max"])}">{pct(r["max"])}</td>']
        if has_p:
            p = r.p_vs_top
            mark = " *" if not pd.isna(p) and p < ALPHA else ""
            tds.append(f'<td data-v="{_num(p)}">{e(fmt_p(p) + mark)}</td>')
        if s.majority_baseline.notna().any():
            tds.append(f'<td data-v="{_num(r.majority_baseline)}">{pct(r.majority_baseline)}</td>')
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    if link:
        out.append(f'<p><a href="{task_file(board.task)}">{e(board.task)}: per language, tests and plots</a></p>')
    return "\n".join(out)


def _numeric(v) -> bool:
    try:
        float(str(v).split()[0] if str(v).strip() else "x")
        return True
    except ValueError:
        return str(v).startswith("<1e")


def table_html(df: pd.DataFrame, cls: str = "sortable") -> str:
    heads = "".join(f"<th>{e(c)}</th>" for c in df.columns)
    rows = "".join("<tr>" + "".join(f'<td class="{"" if _numeric(v) else "t"}">{e(v)}</td>' for v in row) + "</tr>"
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


def language_table_html(board: Board) -> str:
    labels = [s.label for s in board.systems]
    cells = {(c.test_lang, c.system): c for c in board.cells.itertuples()}
    head = ('<thead><tr><th class="t">code</th><th class="t">language</th><th class="t">autonym</th>'
            '<th class="t">family</th><th class="t">script</th>'
            + "".join(f'<th data-sys="{e(lab)}">{e(lab)}</th>' for lab in labels) + "</tr></thead>")
    body = []
    for lang in board.langs:
        tds = []
        for lab in labels:
            c = cells.get((lang, lab))
            if c is None:
                tds.append('<td data-v=""></td>')
                continue
            title = f"{lab}: {pct(c.value)} [{pct(c.ci_low)}, {pct(c.ci_high)}], n={c.n}"
            if not pd.isna(c.p_holm_vs_best):
                title += f"; vs best p(Holm)={fmt_p(c.p_holm_vs_best)}"
            cls = "best" if c.best and len(labels) > 1 else ""
            mark = f" {BELOW}" if c.below_best else ""
            tds.append(f'<td class="{cls}" data-v="{_num(c.value)}" title="{e(title)}" style="{_colour(c.value)}">'
                       f"{pct(c.value)}{mark}</td>")
        body.append(f'<tr data-family="{e(langinfo.family(lang))}" data-script="{e(langinfo.script(lang))}">'
                    + _lang_cells(lang) + "".join(tds) + "</tr>")
    # one footer cell per column, so footer cells line up with header indices in the JS
    foot = ('<tfoot><tr><td class="t">mean</td><td class="t" colspan="1">over shown languages</td>'
            '<td class="t">every system covers</td><td></td><td></td>'
            + "".join('<td data-v=""></td>' for _ in labels) + "</tr></tfoot>")
    return (f'<table class="sortable filterable main" id="langs">{head}<tbody>{"".join(body)}</tbody>'
            f"{foot}</table>")


def task_page(board: Board, command: str) -> str:
    parts = [f"<h2>Summary</h2>{summary_html(board)}"]
    if len(board.systems) > 1:
        parts.append("<h2>Pairs</h2>" + table_html(pair_table(board)))
    parts.append('<div class="note">' + "<br>".join(e(line) for line in legend(board).splitlines()) + "</div>")
    parts.append(f'<h2>Per language</h2>{_filters(board.langs)}{language_table_html(board)}')
    parts.append(f'<h2>Plots</h2><p><img src="img/{e(slug(board.task))}-summary.png" alt="summary plot"></p>'
                 f'<p><img src="img/{e(slug(board.task))}-heatmap.png" alt="heatmap"></p>')
    return page(f"{board.task}: {board.metric}", "\n".join(parts), command)


def index_page(boards: dict[str, Board], command: str) -> str:
    parts = []
    for task, b in boards.items():
        parts.append(f'<h2><a href="{task_file(task)}">{e(task)}</a> <span class="note">main metric '
                     f"{e(b.metric)}, {len(b.systems)} systems, {len(b.langs)} languages, {len(b.common)} "
                     f"covered by every system</span></h2>")
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


def language_page(lang: str, boards: dict[str, Board], command: str) -> str:
    auto = langinfo.autonym(lang)
    intro = (f'<p><span lang="{e(_bcp47(lang))}" style="font-size:200%">{e(auto)}</span></p>' if auto else "")
    intro += (f"<p>{e(langinfo.name(lang))} · code {e(lang)} · family {e(langinfo.family(lang))} · script "
              f"{e(langinfo.script(lang))} ({e(langinfo.script_name(lang))})</p>")
    parts = [intro]
    for task, b in boards.items():
        cs = b.cells[b.cells.test_lang == lang].sort_values(["value", "best"], ascending=False, kind="stable")
        if not len(cs):
            continue
        rows = []
        for c in cs.itertuples():
            mark = f" {BELOW}" if c.below_best else ""
            width = max(0.0, min(1.0, float(c.value))) * 12
            rows.append(f'<tr><td data-v="{c.rank_in_lang}">{c.rank_in_lang}</td><td class="t">{e(c.system)}</td>'
                        f'<td data-v="{_num(c.value)}">{pct(c.value)}{mark}</td>'
                        f"<td>[{pct(c.ci_low)}, {pct(c.ci_high)}]</td><td data-v=\"{c.n}\">{c.n}</td>"
                        f'<td data-v="{_num(c.p_holm_vs_best)}">{e(fmt_p(c.p_holm_vs_best))}</td>'
                        f'<td class="t"><span class="bar" style="width:{width:.2f}em"></span></td></tr>')
        parts.append(f'<h2><a href="../{task_file(task)}">{e(task)}</a> <span class="note">{e(b.metric)} (%)</span>'
                     f'</h2><table class="sortable"><thead><tr><th>rank</th><th class="t">system</th>'
                     f"<th>{e(b.metric)}</th><th>95% CI</th><th>n</th><th>p vs best (Holm over languages)</th>"
                     f'<th class="t"></th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    parts.append(f'<p class="note">{BELOW} = significantly below the best system in this language after Holm '
                 f"correction across languages (alpha {ALPHA}).</p>")
    body = "\n".join(parts)
    return page(f"{lang}: {langinfo.name(lang)}", body, command, root="../")


def write(boards: dict[str, Board], out_dir, command: str) -> list[Path]:
    """Write the whole site under ``out_dir``; returns the files written."""
    out = Path(out_dir)
    written: list[Path] = []

    def put(rel: str, text: str) -> None:
        write_atomic(out / rel, text)
        written.append(out / rel)

    put("index.html", index_page(boards, command))
    put("languages.html", languages_page(boards, command))
    for task, b in boards.items():
        put(task_file(task), task_page(b, command))
        for kind, fn in (("heatmap", plots.heatmap), ("summary", plots.summary_plot)):
            path = out / "img" / f"{slug(task)}-{kind}.png"
            fn(b, path)
            written.append(path)
    langs = sorted({x for b in boards.values() for x in b.langs})
    for lang in langs:
        put(lang_file(lang), language_page(lang, boards, command))
    return written
