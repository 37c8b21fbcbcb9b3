"""Entity-level NER scores exactly as conlleval (CoNLL-2000/2003) computes them.

An entity is a maximal chunk of IOB2 tags of one type; a predicted entity is correct only
when its type, first and last token all equal a gold entity's. Precision, recall and F1
are micro-averaged over all entities of the corpus; per-type F1 counts one type only.

Ill-formed sequences (which the MasakhaNER gold files themselves contain, e.g. an ``I-LOC``
right after ``O``) follow **conlleval**: an ``I-X`` tag that does not continue an entity of
type ``X`` starts a new entity, and a type change inside an entity (``B-PER I-ORG``) ends
one and starts another. This is also seqeval's default mode, which MasakhaNER's own
training scripts report. seqeval's *strict* IOB2 mode instead drops such entities; the two
conventions agree on every well-formed IOB2 sequence. We follow conlleval because it is the
official script, because the published MasakhaNER numbers use it (via seqeval's default
mode), and because dropping gold entities would change what the gold standard says.

When a count is zero the value is 0.0, as conlleval prints it (seqeval warns and also gives 0).
Everything here is pure; per-sentence counts feed the bootstrap (``sentence_counts``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Entity = tuple[str, int, int]  # (type, first token, one past the last token)


def split_tag(tag: str) -> tuple[str, str]:
    """'B-PER' -> ('B', 'PER'), 'O' -> ('O', ''). Types may contain '-' (split at the first)."""
    if tag == "O":
        return "O", ""
    prefix, sep, kind = tag.partition("-")
    if not sep or prefix not in ("B", "I") or not kind:
        raise ValueError(f"not an IOB2 tag: {tag!r} (expected 'O', 'B-<type>' or 'I-<type>')")
    return prefix, kind


def entities(tags: Sequence[str]) -> list[Entity]:
    """The entities of one sentence, by conlleval's startOfChunk/endOfChunk rules for IOB2."""
    out: list[Entity] = []
    start, cur = -1, ""
    prev_p, prev_t = "O", ""
    for i, tag in enumerate(tags):
        p, t = split_tag(tag)
        end = (prev_p in ("B", "I") and p in ("B", "O")) or (prev_p != "O" and prev_t != t)
        begin = p == "B" or (prev_p == "O" and p == "I") or (p != "O" and prev_t != t)
        if end and start >= 0:
            out.append((cur, start, i))
            start = -1
        if begin:
            start, cur = i, t
        prev_p, prev_t = p, t
    if start >= 0:
        out.append((cur, start, len(tags)))
    return out


def sentence_counts(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], types: Sequence[str]
                    ) -> np.ndarray:
    """(n_sentences, n_types, 3) int array of (correct, gold, predicted) entities per type.

    Entities of a type not in ``types`` raise ValueError (the caller names the task's types).
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    index = {t: k for k, t in enumerate(types)}
    out = np.zeros((len(gold), len(types), 3), dtype=np.int64)
    for s, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise ValueError(f"sentence {s}: {len(g)} gold tags but {len(p)} predicted")
        ge, pe = entities(g), entities(p)
        for col, ents in ((1, ge), (2, pe)):
            for e in ents:
                if e[0] not in index:
                    raise ValueError(f"sentence {s}: entity type {e[0]!r} is not one of {', '.join(types)}")
                out[s, index[e[0]], col] += 1
        for e in set(ge) & set(pe):
            out[s, index[e[0]], 0] += 1
    return out


def prf(correct, gold, predicted):
    """Precision, recall, F1 from counts, as conlleval computes them (0 where undefined).
    Works on scalars and element-wise on arrays (one bootstrap resample per element)."""
    c, g, p = (np.asarray(x, dtype=np.float64) for x in (correct, gold, predicted))
    precision = np.where(p > 0, c / np.maximum(p, 1), 0.0)
    recall = np.where(g > 0, c / np.maximum(g, 1), 0.0)
    s = precision + recall
    f1 = np.where(s > 0, 2 * precision * recall / np.where(s > 0, s, 1), 0.0)
    if f1.ndim == 0:
        return float(precision), float(recall), float(f1)
    return precision, recall, f1


def score(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], types: Sequence[str]) -> dict:
    """Micro precision/recall/F1 and per-type scores over a corpus of sentences.

    Returns ``{'precision', 'recall', 'f1', 'correct', 'gold', 'predicted', 'per_type':
    {type: {'precision', 'recall', 'f1', 'correct', 'gold', 'predicted'}}}``; ``per_type``
    lists the types that occur in gold or prediction (as conlleval prints them).
    """
    counts = sentence_counts(gold, pred, types).sum(axis=0)
    c, g, p = counts.sum(axis=0)
    precision, recall, f1 = prf(c, g, p)
    out = {"precision": precision, "recall": recall, "f1": f1, "correct": int(c), "gold": int(g),
           "predicted": int(p), "per_type": {}}
    for k, t in enumerate(types):
        ck, gk, pk = counts[k]
        if gk or pk:
            tp, tr, tf = prf(ck, gk, pk)
            out["per_type"][t] = {"precision": tp, "recall": tr, "f1": tf, "correct": int(ck), "gold": int(gk),
                                  "predicted": int(pk)}
    return out
