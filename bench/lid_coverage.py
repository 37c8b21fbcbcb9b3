"""Which of the 205 SIB-200 languages each language identifier can judge.

For every language, all its SIB-200 sentences (train, dev and test: 1,004 per language) are
identified by fastText lid.176.ftz (xling.metrics.lid, the LCB rule: 'unknown' at
probability <= 0.3) and by py3langid; a language is judged by an identifier when the
identifier has a model of it and reads at least 90% of those sentences as it
(xling.metrics.fidelity.MIN_REFERENCE_AGREEMENT, the rule every cell applies to its own
references). Prints a Markdown table (one row per language: each identifier's code and
agreement, and the one translation's off_target would use) and the counts.

    python bench/lid_coverage.py [--data-dir ../shared/data] [--out table.md]
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from xling.metrics import fidelity

SPLITS = ("train", "dev", "test")


def sentences(root: Path, lang: str) -> list[str]:
    out = []
    for split in SPLITS:
        with open(root / lang / f"{split}.tsv", encoding="utf-8", newline="") as f:
            out += [r["text"] for r in csv.DictReader(f, delimiter="\t")]
    return out


def row(root: Path, lang: str) -> dict:
    refs = sentences(root, lang)
    out = {"lang": lang, "n": len(refs)}
    for ident in (fidelity.FASTTEXT, fidelity.PY3LANGID):
        out[ident] = (fidelity.code_of(ident, lang), fidelity.agreement(ident, refs, lang))
    out["choice"] = fidelity.choose(refs, lang)[0]
    return out


def _cell(code, agree) -> str:
    if code is None:
        return "no model"
    mark = " ✓" if agree >= fidelity.MIN_REFERENCE_AGREEMENT else ""
    return f"`{code}` {agree:.1%}{mark}"


def table(rows: list[dict]) -> str:
    lines = ["| language | sentences | lid.176.ftz | py3langid | off_target uses |", "|---|---:|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['lang']} | {r['n']} | {_cell(*r[fidelity.FASTTEXT])} | {_cell(*r[fidelity.PY3LANGID])} "
                     f"| {r['choice'] or 'neither (not judged)'} |")
    return "\n".join(lines)


def counts(rows: list[dict]) -> str:
    def judged(r, ident):
        code, agree = r[ident]
        return code is not None and agree >= fidelity.MIN_REFERENCE_AGREEMENT

    ft = sum(judged(r, fidelity.FASTTEXT) for r in rows)
    py = sum(judged(r, fidelity.PY3LANGID) for r in rows)
    both = sum(judged(r, fidelity.FASTTEXT) and judged(r, fidelity.PY3LANGID) for r in rows)
    either = sum(r["choice"] is not None for r in rows)
    models = {i: sum(r[i][0] is not None for r in rows) for i in (fidelity.FASTTEXT, fidelity.PY3LANGID)}
    return (f"languages: {len(rows)}; with a model: lid.176.ftz {models[fidelity.FASTTEXT]}, "
            f"py3langid {models[fidelity.PY3LANGID]}\n"
            f"judged (>= {fidelity.MIN_REFERENCE_AGREEMENT:.0%} of references recognised): lid.176.ftz {ft}, "
            f"py3langid {py}, both {both}, combined (either) {either}, neither {len(rows) - either}\n"
            f"identifiers: {fidelity.name_of(fidelity.FASTTEXT)}, {fidelity.name_of(fidelity.PY3LANGID)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--out", help="also write the Markdown table and counts to this file")
    args = ap.parse_args()
    root = Path(args.data_dir) / "sib-200" / "data" / "annotated"
    langs = sorted(p.name for p in root.iterdir() if p.is_dir())
    t0 = time.perf_counter()
    rows = [row(root, lang) for lang in langs]
    text = f"{table(rows)}\n\n{counts(rows)}\n"
    print(text)
    print(f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
