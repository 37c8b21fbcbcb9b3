"""FLORES-200 xx2en over every language through a local OpenAI-compatible server that
translates by a lookup table (tests/mt_helpers.py): the English reference, damaged on every
third sentence, except for the languages in WRONG, answered in French on purpose. Prints
the rows, the off-target rates, the model calls, and the same for a rerun into a fresh run
directory over the same cache (zero model calls).

    XLING_DATA=/path/to/shared/data python bench/mt_flores_xx2en_server.py [--limit N]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.mt_helpers import FakeMT, damage, key, serve  # noqa: E402
from xling.api import evaluate  # noqa: E402
from xling.data import Local  # noqa: E402
from xling.plugins import get_task, load_model  # noqa: E402

WRONG = ("deu_Latn", "tha_Thai", "swa_Latn", "jpn_Jpan", "fon_Latn")


def table(data: Path, limit: int | None) -> dict:
    task = get_task("flores")
    load = {lang: task.load(lang, "test", Local(data)) for lang in task.langs}
    en = [e.text for e in load["eng_Latn"]][:limit]
    fr = [e.text for e in load["fra_Latn"]][:limit]
    out = {}
    for lang, ex in load.items():
        for k, e in enumerate(ex[:limit]):
            out[key(lang, "eng_Latn", e.text)] = fr[k] if lang in WRONG else damage(en[k], k)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    data = Path(os.environ.get("XLING_DATA", "../shared/data"))
    work = Path(tempfile.mkdtemp(prefix="mt-bench-"))
    os.environ["XLING_CACHE"] = str(work / "cache")
    fake = FakeMT(table(data, args.limit))
    with serve(fake) as url:
        for name in ("first", "rerun"):
            model = load_model("openai:lookup-mt", base_url=url, concurrency=args.concurrency, progress=False)
            t = time.monotonic()
            rep = evaluate("flores", model, setting="xx2en", data_dir=data, out_dir=work / name, limit=args.limit,
                           progress=False)
            df = rep.frame()
            main_rows = df[df.metric == "chrf++"]
            off = df[df.metric == "off_target"].set_index("query_lang")
            print(f"{name}: {len(main_rows)} chrf++ rows ({main_rows.query_lang.nunique()} source languages, "
                  f"target {sorted(set(main_rows.test_lang))}), items per row {int(main_rows.n.min())}-"
                  f"{int(main_rows.n.max())}, mean chrF++ {main_rows.value.mean():.3f}, model calls {rep.model_calls}, "
                  f"cache hits {rep.cache_hits}, server requests so far {fake.requests}, {time.monotonic() - t:.0f} s")
            print("  off_target of the languages answered in French: "
                  + ", ".join(f"{lang} {off.loc[lang, 'value']:.3f} (n={int(off.loc[lang, 'n'])})" for lang in WRONG))
            others = off.drop(list(WRONG))
            print(f"  off_target elsewhere: max {others.value.max():.3f}; no value (n = 0, the target English is "
                  f"identifiable, so only sources without letters): {int(others.value.isna().sum())}")
    print(f"run directories under {work}")


if __name__ == "__main__":
    main()
