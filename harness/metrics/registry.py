"""Every metric xling reports, with what a reader of a board needs to know about it: which
direction is better, how its per-item values make a cell's value, and how it is shown.

Leaderboards rank by ``better`` (bits per byte and perplexity are lower-better); the site and
tables format by ``percent``. A metric not listed here is refused by ``get`` with the known
names, so a new solver registers its metrics (``register``) before its rows reach a board.
Names that carry a parameter (``f1_PER``, ``acc_xx2en``) are matched by family prefix.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import XlingError

HIGHER, LOWER = "higher", "lower"
UNKNOWN_RATE_LIMIT = 0.01  # above 1% unknown tokens a token count says little about the text's cost


@dataclass(frozen=True)
class Metric:
    name: str
    better: str = HIGHER  # which direction is better: 'higher' or 'lower'
    item: str = "mean"  # how a cell's value comes from its items: 'mean' of per-item scores, or 'corpus'
    percent: bool = True  # a proportion shown as a percentage (else shown as the number itself)
    description: str = ""
    # (another metric, a threshold): a cell whose value of that metric is above the threshold has
    # an unreliable value of this one, and the board says so (a premium over [UNK] tokens)
    unreliable_when: tuple[str, float] | tuple[()] = ()

    @property
    def sign(self) -> int:
        """+1 where higher is better, -1 where lower is: multiply before ranking."""
        return 1 if self.better == HIGHER else -1


_METRICS: dict[str, Metric] = {}
_FAMILIES: dict[str, Metric] = {}  # prefix -> the metric its members behave like


def register(metric: Metric, family: bool = False) -> Metric:
    """Add a metric (``family``: every name starting with ``metric.name`` behaves like it)."""
    if metric.better not in (HIGHER, LOWER):
        raise XlingError(f"metric {metric.name!r}: better must be {HIGHER!r} or {LOWER!r}")
    (_FAMILIES if family else _METRICS)[metric.name] = metric
    return metric


def get(name: str) -> Metric:
    if name in _METRICS:
        return _METRICS[name]
    for prefix in sorted(_FAMILIES, key=len, reverse=True):
        if name.startswith(prefix):
            return Metric(name, *_astuple(_FAMILIES[prefix])[1:])
    raise XlingError(f"unknown metric {name!r} (known: {', '.join(sorted(_METRICS))}; "
                     f"families: {', '.join(p + '*' for p in sorted(_FAMILIES))})")


def lookup(name: str) -> Metric:
    """The registered metric, or an unregistered name with the defaults (higher is better, a
    percentage): for rows of metrics this xling does not know (a plugin's, an older run's)."""
    return get(name) if known(name) else Metric(name)


def known(name: str) -> bool:
    try:
        get(name)
    except XlingError:
        return False
    return True


def _astuple(m: Metric) -> tuple:
    return (m.name, m.better, m.item, m.percent, m.description, m.unreliable_when)


for _m in (
    Metric("acc", description="accuracy"),
    Metric("acc_norm", description="accuracy, choice log-likelihood divided by its characters (lm-evaluation-harness)"),
    Metric("acc_bytes", description="accuracy, choice log-likelihood divided by its UTF-8 bytes"),
    Metric("macro_f1", item="corpus", description="macro-averaged F1 over labels"),
    Metric("exact_match", description="exact match, language-aware normalisation (MLQA)"),
    Metric("f1", description="token F1 (QA: language-aware, MLQA; NER: entity-level micro F1, conlleval)"),
    Metric("em_squad", description="exact match as the SQuAD v1.1 script computes it, for every language"),
    Metric("f1_squad", description="token F1 as the SQuAD v1.1 script computes it, for every language"),
    Metric("precision", item="corpus", description="entity-level micro precision (conlleval)"),
    Metric("recall", item="corpus", description="entity-level micro recall (conlleval)"),
    Metric("answer_lang_fidelity", description="share of answers identified as the expected language"),
    Metric("ndcg@10", description="nDCG@10 (trec_eval)"),
    Metric("recall@100", description="Recall@100 (trec_eval)"),
    Metric("mrr@10", description="MRR@10 (trec_eval)"),
    Metric("map", description="mean average precision (trec_eval)"),
    Metric("chrf++", item="corpus", percent=False, description="chrF++ (sacrebleu CHRF(word_order=2)), 0-100"),
    Metric("chrf", item="corpus", percent=False, description="chrF (sacrebleu), 0-100"),
    Metric("bleu", item="corpus", percent=False, description="BLEU (sacrebleu), 0-100"),
    Metric("spbleu", item="corpus", percent=False, description="spBLEU: BLEU on FLORES-200 SentencePiece tokens, 0-100"),
    Metric("off_target", better=LOWER, description="share of outputs not in the target language (lid.176.ftz or "
                                                   "py3langid, whichever recognises more of the references)"),
    Metric("lang_fidelity", description="share of outputs whose every line is in the expected language "
                                        "(lid.176.ftz, the LCB's line rule)"),
    Metric("bits_per_byte", better=LOWER, item="corpus", percent=False, description="-sum log2 p / sum UTF-8 bytes"),
    Metric("bits_per_char", better=LOWER, item="corpus", percent=False, description="-sum log2 p / sum NFC characters"),
    Metric("bits_per_sentence", better=LOWER, item="corpus", percent=False,
           description="-sum log2 p / sentences (comparable across languages on parallel text)"),
    Metric("token_perplexity", better=LOWER, item="corpus", percent=False,
           description="exp(-sum log p / tokens); depends on the tokenizer: diagnostic only"),
    Metric("information_parity", item="corpus", percent=False,
           description="bits of the pivot's sentences / bits of their translations"),
    Metric("tokens_per_sentence", better=LOWER, item="corpus", percent=False,
           description="tokens / sentences (a tokenizer's length on parallel text)"),
    Metric("tokens_per_word", better=LOWER, item="corpus", percent=False,
           description="tokens / whitespace words (scripts without spaces: one word per sentence)"),
    Metric("tokens_per_char", better=LOWER, item="corpus", percent=False, description="tokens / NFC characters"),
    Metric("token_premium", better=LOWER, item="corpus", percent=False,
           description="tokens / the pivot's (English) tokens on the same parallel sentences (Petrov et al. 2023)",
           unreliable_when=("unknown_rate", UNKNOWN_RATE_LIMIT)),
    Metric("unknown_rate", better=LOWER, item="corpus",
           description="unknown tokens ([UNK], <unk>) / tokens: where high, the tokenizer cannot spell the script"),
    Metric("truncated", better=LOWER, item="corpus", percent=False,
           description="requests whose context was left-truncated to the model's window (a count; n: requests)"),
    Metric("lpr", description="LCB line-level pass rate: answers whose every line (5+ tokens) is in the expected "
                              "language (lid.176.ftz); a language's value is the mean over its sources"),
    Metric("wpr", description="LCB word-level pass rate (ar hi ja ko ru zh): answers without line errors that hold "
                              "no English word"),
    Metric("lcpr", description="LCB language confusion pass rate: the harmonic mean of lpr and wpr (lpr where no wpr)"),
):
    register(_m)
for _m in (
    Metric("lpr_", description="LCB line-level pass rate of one source (lpr_okapi)"),
    Metric("wpr_", description="LCB word-level pass rate of one source (wpr_okapi)"),
    Metric("lcpr_", description="LCB language confusion pass rate of one source"),
    Metric("acc_", description="accuracy in one direction or variant (acc_xx2en, acc_en2xx)"),
    Metric("f1_", description="entity-level F1 of one entity type (conlleval)"),
    Metric("baseline_", description="a baseline's value (majority class, chance)"),
):
    register(_m, family=True)
