"""Prints xling's chrF++ and BLEU next to the sacrebleu command line's on the same files for
the 10 target languages of tests/test_mt_metrics.py (real FLORES-200 sentences from SIB-200,
hypotheses perturbed from the references), with the largest absolute difference.

    XLING_DATA=/path/to/shared/data python bench/mt_sacrebleu_cli_equality.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_mt_metrics import LANGS, TOKENIZERS, cli, perturb, references  # noqa: E402
from xling.metrics import mt  # noqa: E402


def main() -> None:
    worst = 0.0
    print("| target | tok | chrF++ xling | chrF++ CLI | BLEU xling | BLEU CLI |")
    print("|---|---|---|---|---|---|")
    for lang in LANGS:
        refs = references(lang)
        hyps = perturb(refs)
        ours = {m.name: m.corpus(m.stats(hyps, refs)) for m in mt.metrics_for(lang)}
        with tempfile.TemporaryDirectory() as d:
            bleu, chrf = cli(Path(d), hyps, refs, "-m", "chrf", "bleu", "--chrf-word-order", "2",
                             "--tokenize", TOKENIZERS[lang])
        worst = max(worst, abs(ours["chrf++"] - chrf["score"]), abs(ours["bleu"] - bleu["score"]))
        print(f"| {lang} | {TOKENIZERS[lang]} | {ours['chrf++']:.12f} | {chrf['score']:.12f} | {ours['bleu']:.12f} | "
              f"{bleu['score']:.12f} |")
    print(f"\nlargest |xling - CLI|: {worst:.3g} over {len(LANGS)} languages x 2 metrics ({len(references(LANGS[0]))} sentences each)")


if __name__ == "__main__":
    main()
