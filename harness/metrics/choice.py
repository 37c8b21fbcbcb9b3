"""Multiple-choice scoring from per-choice log-likelihoods, as lm-evaluation-harness 0.4.13's
``ConfigurableTask.process_results`` for ``output_type: multiple_choice``:

* ``acc``: the choice with the highest log-likelihood is the gold one;
* ``acc_norm``: the same after dividing each log-likelihood by the number of characters of
  the choice (``len(str)``: code points, of the choice as ``doc_to_choice`` returns it,
  without the target delimiter);
* ``acc_bytes``: dividing by its UTF-8 bytes instead.

``numpy.argmax`` picks the first of equal maxima, as there.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def predictions(lls: Sequence[float], norms: Sequence[str]) -> tuple[int, int, int]:
    """(argmax of log-likelihoods, of log-likelihood per character, per UTF-8 byte)."""
    ll = np.asarray(lls, dtype=np.float64)
    chars = np.array([float(len(s)) for s in norms])
    nbytes = np.array([float(len(s.encode("utf-8"))) for s in norms])
    with np.errstate(divide="ignore", invalid="ignore"):  # an empty choice divides by 0, as there
        return int(np.argmax(ll)), int(np.argmax(ll / chars)), int(np.argmax(ll / nbytes))


def scores(lls: Sequence[float], norms: Sequence[str], gold: int) -> dict[str, float]:
    """1.0 or 0.0 for ``acc``, ``acc_norm`` and ``acc_bytes`` of one item."""
    pred, pred_norm, pred_bytes = predictions(lls, norms)
    return {"acc": float(pred == gold), "acc_norm": float(pred_norm == gold), "acc_bytes": float(pred_bytes == gold)}
