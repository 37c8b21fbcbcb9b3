"""Machine-translation metrics exactly as sacrebleu 2.6 computes them.

* ``chrf++``: ``sacrebleu.metrics.CHRF(word_order=2)`` (character 6-grams and word 2-grams, beta 2).
* ``bleu``: ``sacrebleu.metrics.BLEU`` with the target language's tokenizer (``bleu_tokenizer``):
  ``zh`` for Chinese scripts (Hans, Hant, Hani: zho, yue), ``ja-mecab`` for Japanese (needs
  the ``ja`` extra: mecab-python3 and ipadic), ``char`` for scripts that do not separate words
  with spaces (Thai, Lao, Khmer, Myanmar, Tibetan, and the other scripts of ``NO_SPACE``),
  else ``13a``. Korean (Hangul) separates words with spaces: ``13a``.
* ``spbleu``: BLEU on SentencePiece pieces of a *local* model file (``spm_model``), tokenised
  as sacrebleu's ``flores200`` tokenizer does (``" ".join(EncodeAsPieces(line))``). xling
  never asks sacrebleu for its ``spm``/``flores101``/``flores200`` tokenizers, which download
  their model on first use; the signature names the model by its sha256 (``tok:spm-<12 hex>``).

Every metric is computed from sacrebleu's own per-sentence sufficient statistics
(``_extract_corpus_statistics``) and its own ``_compute_score_from_stats``: the corpus score
is the score of the summed statistics (what ``corpus_score`` returns), a bootstrap resample is
the score of the resampled sentences' summed statistics (what sacrebleu's paired bootstrap
does), and the per-item score a leaderboard's paired tests compare is the score of one
sentence's statistics (= ``sentence_score``; for chrF++ this is sentence-level chrF++).
``paired_bootstrap`` and ``paired_randomization`` reproduce ``sacrebleu.significance``'s
``bs`` and ``ar`` tests on those statistics (equal results on equal resamples).
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import XlingError

SACREBLEU_VERSION = "2.6.0"
CHINESE = ("Hans", "Hant", "Hani")
JAPANESE = ("Jpan",)
# scripts whose writing does not separate words by spaces: BLEU splits them into characters
NO_SPACE = ("Thai", "Laoo", "Khmr", "Mymr", "Tibt", "Bali", "Java", "Lana", "Tale", "Talu", "Cakm", "Brah")


def _sacrebleu():
    try:
        import sacrebleu
    except ImportError as e:  # pragma: no cover - a core dependency
        raise XlingError("translation metrics need sacrebleu: pip install sacrebleu==2.6.0") from e
    if sacrebleu.__version__ != SACREBLEU_VERSION:
        raise XlingError(f"translation metrics are pinned to sacrebleu {SACREBLEU_VERSION}, found "
                         f"{sacrebleu.__version__}: pip install sacrebleu=={SACREBLEU_VERSION}")
    return sacrebleu


def mecab_available() -> bool:
    """Whether sacrebleu's ``ja-mecab`` tokenizer can run (mecab-python3 and ipadic installed)."""
    try:
        import ipadic  # noqa: F401
        import MeCab  # noqa: F401
    except ImportError:
        return False
    return True


def bleu_tokenizer(lang: str) -> str | None:
    """sacrebleu's BLEU tokenizer for target language ``lang`` (``xxx_Scrp``); None for Japanese
    when MeCab is not installed (BLEU is then not reported: ``pip install 'xling[ja]'``)."""
    script = lang.partition("_")[2]
    if script in CHINESE:
        return "zh"
    if script in JAPANESE:
        return "ja-mecab" if mecab_available() else None
    if script in NO_SPACE:
        return "char"
    return "13a"


class _LocalSPM:
    """sacrebleu's SentencePiece tokenizer reading a local model file (never downloading)."""

    def __init__(self, path: Path):
        try:
            import sentencepiece as spm
        except ImportError as e:
            raise XlingError("spBLEU needs sentencepiece: pip install 'xling[spm]'") from e
        h = hashlib.sha256(path.read_bytes()).hexdigest()
        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.Load(str(path))
        except (OSError, RuntimeError) as e:
            raise XlingError(f"--spm-model {str(path)!r} is not a SentencePiece model ({e})") from e
        self.name = f"spm-{h[:12]}"

    def signature(self) -> str:
        return self.name

    @functools.lru_cache(maxsize=2**16)
    def __call__(self, line: str) -> str:
        return " ".join(self.sp.EncodeAsPieces(line))


@functools.lru_cache(maxsize=8)
def _spm(path: str) -> _LocalSPM:
    p = Path(path).expanduser()
    if not p.is_file():
        raise XlingError(f"--spm-model {path!r} is not a file (a SentencePiece .model, e.g. FLORES-200's)")
    return _LocalSPM(p)


@dataclass(frozen=True)
class CorpusMetric:
    """One sacrebleu metric object with the name xling reports it under."""

    name: str
    metric: object  # a sacrebleu.metrics.base.Metric

    @property
    def signature(self) -> str:
        """sacrebleu's own signature string, e.g. ``nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0``."""
        return self.metric.get_signature().format()

    def stats(self, hyps: Sequence[str], refs: Sequence[str] | None = None) -> np.ndarray:
        """(items, k) per-sentence sufficient statistics (one reference per item; ``refs``
        None: the references the metric was built with, ``metrics_for(references=...)``)."""
        if refs is not None and len(hyps) != len(refs):
            raise XlingError(f"{self.name}: {len(hyps)} hypotheses for {len(refs)} references")
        out = self.metric._extract_corpus_statistics(list(hyps), None if refs is None else [list(refs)])
        return np.asarray(out, dtype=np.int64).reshape(len(hyps), -1)

    def score(self, summed: np.ndarray) -> float:
        """The metric of summed statistics (one row)."""
        return float(self.metric._compute_score_from_stats([int(x) for x in summed]).score)

    def scores(self, sums: np.ndarray) -> np.ndarray:
        """The metric of each row of summed statistics: sacrebleu's formula vectorised over
        rows where ``vectorised`` has it (equal to ``score`` row by row, to float rounding:
        tests/test_mt_metrics.py), else ``score`` per row."""
        sums = np.asarray(sums)
        fast = vectorised(self.metric, sums)
        return fast if fast is not None else np.array([self.score(row) for row in sums], dtype=np.float64)

    def corpus(self, stats: np.ndarray) -> float:
        return self.score(stats.sum(axis=0))

    def per_item(self, stats: np.ndarray) -> np.ndarray:
        """Each sentence's own score (sentence-level chrF++ / BLEU as ``sentence_score``)."""
        return self.scores(stats)


def vectorised(metric, sums: np.ndarray) -> np.ndarray | None:
    """sacrebleu 2.6's ``_compute_score_from_stats`` for many rows at once, for chrF without
    eps smoothing and for BLEU with 'exp' smoothing and no effective order (what xling
    uses); None for any other configuration."""
    name = type(metric).__name__
    x = np.asarray(sums, dtype=np.float64)
    if name == "CHRF" and not metric.eps_smoothing:
        return _chrf_rows(x, metric.order, metric.beta)
    if name == "BLEU" and metric.smooth_method == "exp" and not metric.effective_order:
        return _bleu_rows(x, metric.max_ngram_order)
    return None


def _chrf_rows(x: np.ndarray, order: int, beta: float) -> np.ndarray:
    """CHRF._compute_f_score per row (effective-order averaging of precision and recall)."""
    eps, factor = 1e-16, beta ** 2
    avg_prec, avg_rec, eff = (np.zeros(len(x)) for _ in range(3))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(order):
            hyp, ref, match = x[:, 3 * i], x[:, 3 * i + 1], x[:, 3 * i + 2]
            prec = np.where(hyp > 0, match / hyp, eps)
            rec = np.where(ref > 0, match / ref, eps)
            ok = (hyp > 0) & (ref > 0)
            avg_prec, avg_rec, eff = avg_prec + np.where(ok, prec, 0.0), avg_rec + np.where(ok, rec, 0.0), eff + ok
        avg_prec = np.where(eff > 0, avg_prec / eff, 0.0)
        avg_rec = np.where(eff > 0, avg_rec / eff, 0.0)
        score = (1 + factor) * avg_prec * avg_rec / ((factor * avg_prec) + avg_rec)
    return np.where(avg_prec + avg_rec != 0, 100 * score, 0.0)


def _bleu_rows(x: np.ndarray, order: int) -> np.ndarray:
    """BLEU.compute_bleu per row: brevity penalty, 'exp' (mteval) smoothing of zero
    matches, precisions up to the first order with no n-grams, floored logs."""
    sys_len, ref_len = x[:, 0], x[:, 1]
    correct, total = x[:, 2:2 + order], x[:, 2 + order:2 + 2 * order]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bp = np.where(sys_len < ref_len, np.where(sys_len > 0, np.exp(1 - ref_len / sys_len), 0.0), 1.0)
        smooth, alive = np.ones(len(x)), np.ones(len(x), dtype=bool)
        logs = np.zeros(len(x))
        for n in range(order):
            alive &= total[:, n] != 0
            zero = correct[:, n] == 0
            smooth = np.where(alive & zero, smooth * 2, smooth)
            p = np.where(alive, np.where(zero, 100.0 / (smooth * total[:, n]), 100.0 * correct[:, n] / total[:, n]), 0.0)
            logs = logs + np.where(p == 0.0, -9999999999.0, np.log(p))
        score = bp * np.exp(logs / order)
    return np.where(correct.any(axis=1), score, 0.0)


def metrics_for(lang: str, spm_model: str | None = None, references: Sequence[str] | None = None) -> list[CorpusMetric]:
    """The metrics of target language ``lang``: chrF++, BLEU (unless it has no tokenizer
    here), spBLEU (only with a local ``spm_model``). With ``references`` each metric
    preprocesses them once (sacrebleu's reference cache) and ``stats(hyps)`` reads them."""
    sb = _sacrebleu()
    out = [CorpusMetric("chrf++", sb.metrics.CHRF(word_order=2))]
    tok = bleu_tokenizer(lang)
    if tok is not None:
        out.append(CorpusMetric("bleu", sb.metrics.BLEU(tokenize=tok)))
    if spm_model:
        bleu = sb.metrics.BLEU(tokenize="none")
        bleu.tokenizer = _spm(str(spm_model))
        bleu.tokenizer_signature = bleu.tokenizer.signature()
        out.append(CorpusMetric("spbleu", bleu))
    if references is not None:
        for m in out:
            m.metric._ref_cache = m.metric._cache_references([list(references)])
    return out


def resample_sums(stats: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """(rows, k) summed statistics of each row of item indices ``idx`` ((rows, n)), exactly
    (integer counts; no (rows, n, k) array)."""
    rows, n = idx.shape
    flat = (np.arange(rows)[:, None] * n + idx).ravel()
    counts = np.bincount(flat, minlength=rows * n).reshape(rows, n)
    return counts @ stats


def bootstrap_scores(metric: CorpusMetric, stats: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The corpus metric of each bootstrap resample (rows of ``idx``)."""
    return metric.scores(resample_sums(stats, idx))


def sacrebleu_indices(n: int, n_samples: int = 1000, seed: int | None = 12345) -> np.ndarray:
    """The resample indices sacrebleu's paired bootstrap draws (``SACREBLEU_SEED`` default 12345)."""
    return np.random.default_rng(seed).choice(n, size=(n_samples, n), replace=True)


def estimate_ci(scores: np.ndarray) -> tuple[float, float]:
    """sacrebleu's (mean, half-width of the 95% interval) of bootstrap scores."""
    s = np.sort(np.asarray(scores, dtype=np.float64))
    lo = len(s) // 40
    return float(s.mean()), float(0.5 * (s[len(s) - lo - 1] - s[lo]))


def paired_bootstrap(metric: CorpusMetric, base: np.ndarray, system: np.ndarray,
                     idx: np.ndarray) -> tuple[float, float, float]:
    """sacrebleu's paired bootstrap test (Koehn 2004, as ``significance._paired_bs_test``) of
    ``system`` against ``base`` (their per-sentence statistics) on resamples ``idx``.
    Returns (p-value, the system's bootstrap mean, its 95% half-width)."""
    bl, sy = bootstrap_scores(metric, base, idx), bootstrap_scores(metric, system, idx)
    diff = abs(metric.corpus(base) - metric.corpus(system))
    sample = np.abs(sy - bl)
    centred = sample - sample.mean()
    p = (int(np.sum(centred > diff)) + 1) / (len(centred) + 1)
    return (p, *estimate_ci(sy))


def paired_randomization(metric: CorpusMetric, base: np.ndarray, system: np.ndarray, n_samples: int = 10000,
                         seed: int | None = 12345) -> float:
    """sacrebleu's paired approximate randomisation test (``significance._paired_ar_test``):
    the p-value that ``system`` and ``base`` differ, swapping their sentences at random."""
    rng = np.random.default_rng(seed)
    pos = rng.integers(2, size=(n_samples, len(base)), dtype=bool)
    a = pos.astype(np.int64) @ base + (~pos).astype(np.int64) @ system
    b = (~pos).astype(np.int64) @ base + pos.astype(np.int64) @ system
    diff = abs(metric.corpus(base) - metric.corpus(system))
    shuffled = np.abs(metric.scores(a) - metric.scores(b))
    return (int(np.sum(shuffled > diff)) + 1) / (n_samples + 1)
