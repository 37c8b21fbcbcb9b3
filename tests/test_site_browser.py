"""The generated site in a real browser: headless Chromium (Debian packages chromium,
fonts-noto-core, fonts-noto-cjk; .ci/run installs them) loads the pages from disk, runs
their JavaScript, and we read the resulting DOM (--dump-dom) and screenshots.

Set XLING_SCREENSHOT_DIR to keep the screenshots (they always go to the test's tmp dir)."""
from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from board_helpers import binary, write_run

from xling import publish, results

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed "
                                "(apt-get install -y chromium fonts-noto-core fonts-noto-cjk; .ci/run does)")

EVIL = '<script>alert("x")</script> & "m"'
LANGS = {  # code: (family, scores of A, B, EVIL on 100 items)
    "deu_Latn": ("Indo-European", 80, 70, 10),
    "hin_Deva": ("Indo-European", 60, 75, 20),
    "zho_Hans": ("Sino-Tibetan", 90, 40, 30),
    "amh_Ethi": ("Afro-Asiatic", 55, 52, 12),
    "tir_Ethi": ("Afro-Asiatic", 45, 20, 8),
    "ara_Arab": ("Afro-Asiatic", 66, 64, 33),
}


def chrome(args: list[str], profile: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           "--force-device-scale-factor=1", f"--user-data-dir={profile}", *args]
    proc = subprocess.run(cmd, capture_output=True, timeout=90, env=env)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return proc


def dump_dom(url: str, profile: Path) -> str:
    return chrome(["--dump-dom", url], profile).stdout.decode("utf-8")


def screenshot(url: str, path: Path, profile: Path, size=(1280, 1400), env=None) -> np.ndarray:
    chrome([f"--window-size={size[0]},{size[1]}", f"--screenshot={path}", url], profile, env)
    from matplotlib.image import imread

    img = imread(path)
    keep = os.environ.get("XLING_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return img[..., :3].mean(axis=2)  # grey levels in [0, 1]


class Tables(HTMLParser):
    """Rows of every table in a DOM: {'id', 'rows': [(attrs, [cell texts])], 'foot': [...],
    'head': [...]}, plus a count of <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.scripts = [], 0
        self._part = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        elif tag == "table":
            self.tables.append({"id": a.get("id"), "head": [], "rows": [], "foot": []})
        elif tag in ("thead", "tbody", "tfoot"):
            self._part = tag
        elif tag == "tr" and self.tables:
            self._row = (a, [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row[1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            t = self.tables[-1]
            if self._part == "thead":
                t["head"] = self._row[1]
            elif self._part == "tfoot":
                t["foot"] = self._row[1]
            else:
                t["rows"].append(self._row)
            self._row = None


def parse(dom: str) -> Tables:
    p = Tables()
    p.feed(dom)
    return p


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    runs = root / "runs"
    for j, model in enumerate(["A@1", "B@1", EVIL]):
        write_run(runs, f"run{j}", model, {lang: binary(100, v[1 + j], seed=j) for lang, v in LANGS.items()})
    out = root / "leaderboards"
    publish.render(results.frame(runs), out_dir=out, samples=results.samples(runs), command="xling board runs")
    return out


def _lang_table(dom: str) -> dict:
    return next(t for t in parse(dom).tables if t["id"] == "langs")


def test_task_page_table_in_the_dom(site, tmp_path):
    dom = dump_dom((site / "task-sib200.html").as_uri(), tmp_path / "p")
    t = _lang_table(dom)
    assert t["head"][:5] == ["code", "language", "autonym", "family", "script"]
    assert t["head"][5:] == ["A@1", "B@1", EVIL]  # systems by rank; the model name is text in the header
    col = {name: t["head"].index(name) for name in ("A@1", "B@1", EVIL)}
    rows = {cells[0]: (attrs, cells) for attrs, cells in t["rows"]}
    assert set(rows) == set(LANGS)
    for lang, (family, a, b, c) in LANGS.items():
        attrs, cells = rows[lang]
        assert attrs["data-family"] == family and attrs["data-script"] == lang.split("_")[1]
        got = [cells[col[m]].replace(" ▼", "") for m in ("A@1", "B@1", EVIL)]
        assert got == [f"{a:.1f}", f"{b:.1f}", f"{c:.1f}"]
        assert "hidden" not in attrs
    # zho: A 90 vs B 40 on 100 items is significant after Holm; EVIL far below everywhere
    zho, ara = rows["zho_Hans"][1], rows["ara_Arab"][1]
    assert zho[col["B@1"]].endswith("▼") and zho[col[EVIL]].endswith("▼") and not zho[col["A@1"]].endswith("▼")
    assert not ara[col["B@1"]].endswith("▼")  # 66 vs 64: not significant
    assert rows["amh_Ethi"][1][2] == "አማርኛ" and rows["zho_Hans"][1][2] == "中文"
    # the JS filled the footer with the mean over all six languages
    assert [t["foot"][col[m]] for m in ("A@1", "B@1", EVIL)] == [
        f"{np.mean([v[k] for v in LANGS.values()]):.1f}" for k in (1, 2, 3)]
    # exactly one script element (ours): the model name did not become code
    assert parse(dom).scripts == 1 and "alert(" not in dom.split("<script>")[1].split("</script>")[0]


def test_filters_and_sorting_run_in_the_browser(site, tmp_path):
    col = {"A@1": 5, "B@1": 6, EVIL: 7}  # systems in rank order after the five language columns
    url = (site / "task-sib200.html").as_uri() + "#family=Afro-Asiatic&sort=6&dir=desc"
    dom = dump_dom(url, tmp_path / "p")
    t = _lang_table(dom)
    shown = [cells[0] for attrs, cells in t["rows"] if "hidden" not in attrs]
    afro = {k: v for k, v in LANGS.items() if v[0] == "Afro-Asiatic"}
    assert shown == sorted(afro, key=lambda k: -afro[k][2])  # by B@1, descending
    assert [t["foot"][col[m]] for m in ("A@1", "B@1", EVIL)] == [
        f"{np.mean([v[k] for v in afro.values()]):.1f}" for k in (1, 2, 3)]
    assert "3 languages shown, 3 covered by every system" in dom
    dom = dump_dom((site / "task-sib200.html").as_uri() + "#script=Ethi", tmp_path / "p")
    shown = [c[0] for a, c in _lang_table(dom)["rows"] if "hidden" not in a]
    assert sorted(shown) == ["amh_Ethi", "tir_Ethi"]


def test_index_and_language_pages(site, tmp_path):
    dom = dump_dom((site / "index.html").as_uri(), tmp_path / "p")
    summary = next(t for t in parse(dom).tables if "system" in t["head"])  # the overview comes first
    assert summary["head"][1] == "system" and [r[1][1] for r in summary["rows"]] == ["A@1", "B@1", EVIL]
    assert summary["rows"][0][1][0].startswith("1 [1-1]")  # A is first on every language's mean
    dom = dump_dom((site / "lang" / "zho_Hans.html").as_uri(), tmp_path / "p")
    rows = parse(dom).tables[0]["rows"]
    assert [r[1][1] for r in rows] == ["A@1", "B@1", EVIL] and rows[0][1][2] == "90.0"
    assert parse(dom).scripts == 1


def test_screenshot_of_the_task_page(site, tmp_path):
    grey = screenshot((site / "task-sib200.html").as_uri(), tmp_path / "site-sib200.png", tmp_path / "p")
    assert grey.shape == (1400, 1280)
    assert (grey < 0.5).mean() > 0.01 and (grey > 0.9).mean() > 0.5  # text on a light page


def test_index_overview_in_the_browser(site, tmp_path):
    """The overview (model x task, common mean with CI, rank 1 in bold) and its plot."""
    dom = dump_dom((site / "index.html").as_uri(), tmp_path / "p")
    ov = next(t for t in parse(dom).tables if t["head"] and t["head"][0] == "model")
    assert [r[1][0] for r in ov["rows"]] == ["A@1", "B@1", EVIL]  # by rank
    a_mean = np.mean([v[1] for v in LANGS.values()])
    assert ov["rows"][0][1][1].startswith(f"{a_mean:.1f} [") and ov["head"][1].startswith("sib200")
    assert '<td class="best"' in dom and 'src="img/overview.png"' in dom
    grey = screenshot((site / "index.html").as_uri(), tmp_path / "site-index.png", tmp_path / "p")
    assert (grey < 0.5).mean() > 0.01 and (grey > 0.9).mean() > 0.5


def test_family_rows_link_to_the_filtered_table(site, tmp_path):
    dom = dump_dom((site / "task-sib200.html").as_uri(), tmp_path / "p")
    fam = next(t for t in parse(dom).tables if t["head"] and t["head"][0] == "family")
    rows = {cells[0]: cells for _, cells in fam["rows"]}
    assert list(rows) == ["Afro-Asiatic", "Indo-European", "Sino-Tibetan"]  # largest first
    afro = [v for v in LANGS.values() if v[0] == "Afro-Asiatic"]
    assert rows["Afro-Asiatic"][1:] == ["3"] + [f"{np.mean([v[k] for v in afro]):.1f}" for k in (1, 2, 3)]
    assert 'href="#family=Afro-Asiatic"' in dom  # the same hash the filter reads (tested above)
    scr = next(t for t in parse(dom).tables if t["head"] and t["head"][0] == "script")
    assert {c[0] for _, c in scr["rows"]} == {"Latn", "Deva", "Hans", "Ethi", "Arab"}


GLYPHS = {"Han": "中文字", "Arab": "عرب", "Deva": "हनक", "Ethi": "አማር", "Tibt": "ཀཁག", "Olck": "ᱥᱟᱱ",
          "Nkoo": "ߒߞߏ", "Tfng": "ⵜⴰⵎ", "Geor": "ქართ"}
TOFU = "\ue000\u0378"  # private use and unassigned: whatever the browser draws for "no glyph"


def _glyph_page(path: Path) -> list[tuple[str, str]]:
    """Every test character alone in a 110 px box, in the site's own font stack."""
    from xling.site import CSS

    chars = [(k, ch) for k, s in GLYPHS.items() for ch in s] + [("tofu", ch) for ch in TOFU]
    boxes = "".join(f'<div style="position:absolute;left:{(i % 10) * 110}px;top:{(i // 10) * 110}px;width:110px;'
                    f'height:110px;font-size:72px;line-height:110px;text-align:center;overflow:hidden">{ch}</div>'
                    for i, (_, ch) in enumerate(chars))
    path.write_text(f'<!doctype html><html><head><meta charset="utf-8"><style>{CSS} body{{margin:0}}</style>'
                    f"</head><body>{boxes}</body></html>", encoding="utf-8")
    return chars


def tofu_scripts(grey: np.ndarray, chars) -> set[str]:
    """Scripts with a character drawn as nothing, as the no-glyph box, or identical to
    another character of the same script."""
    crops = [grey[(i // 10) * 110:(i // 10) * 110 + 110, (i % 10) * 110:(i % 10) * 110 + 110] < 0.5
             for i in range(len(chars))]
    tofu = [c for (k, _), c in zip(chars, crops) if k == "tofu" and c.any()]
    assert tofu, "the reference 'no glyph' box did not render"

    def same(x, y):
        return (x & y).sum() / max(1, (x | y).sum()) > 0.9

    bad = set()
    for i, ((k, _), c) in enumerate(zip(chars, crops)):
        if k == "tofu":
            continue
        if c.sum() < 30 or any(same(c, t) for t in tofu):
            bad.add(k)
        if any(same(c, crops[j]) for j, (k2, _) in enumerate(chars) if k2 == k and j != i):
            bad.add(k)
    return bad


def test_non_latin_text_renders_with_real_glyphs(tmp_path):
    page = tmp_path / "glyphs.html"
    chars = _glyph_page(page)
    grey = screenshot(page.as_uri(), tmp_path / "glyphs.png", tmp_path / "p", size=(1100, 440))
    assert tofu_scripts(grey, chars) == set()


def test_glyph_check_catches_missing_fonts(tmp_path):
    """Negative control: with fontconfig limited to DejaVu (no Noto), the same page shows
    boxes for Han, Devanagari and Ethiopic, and the check reports them."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("DejaVu fonts not found for the negative control")
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>{dejavu}</dir>'
                    f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>", encoding="utf-8")
    page = tmp_path / "glyphs.html"
    chars = _glyph_page(page)
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    grey = screenshot(page.as_uri(), tmp_path / "glyphs-dejavu-only.png", tmp_path / "p", size=(1100, 440), env=env)
    assert {"Han", "Deva", "Ethi", "Tibt"} <= tofu_scripts(grey, chars)
