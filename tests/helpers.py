"""Helpers shared by several test files: a fake ``datasets.load_dataset``, the shared mirror's
row manifest, a local copy of real XQuAD files, and tiny random BERT checkpoints."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import need_data

# characters of the tiny checkpoints' vocabulary (each also as a '##' continuation piece)
CHARS = "abcdefghijklmnopqrstuvwxyzäöüßáéíóúñçàèìòù0123456789.,;:!?'\"-()的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年"


class FakeHub:
    """Stands in for ``datasets.load_dataset``: returns ``rows`` and records each call."""

    def __init__(self, rows):
        self.rows, self.calls = rows, []

    def __call__(self, repo, config, split, revision):
        self.calls.append((repo, config, split, revision))
        return self.rows


def manifest(dataset: str) -> dict[tuple[str, str], int]:
    """(language, split) -> rows of ``dataset`` in the shared mirror's languages.tsv."""
    with open(need_data("languages.tsv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {(r["language"], r["split"]): int(r["rows"]) for r in rows if r["dataset"] == dataset}


def xquad_mirror(tmp_path: Path, langs=("en", "de", "zh")) -> Path:
    """A local mirror holding the real xquad.<lang>.json files of ``langs``."""
    root = tmp_path / "mirror" / "xquad"
    root.mkdir(parents=True)
    for n in langs:
        (root / f"xquad.{n}.json").write_bytes(need_data("xquad", f"xquad.{n}.json").read_bytes())
    return root.parent


def tiny_bert(path: Path, head: str = "BertModel", chars: str = CHARS, labels=None, **config) -> Path:
    """Save a random BERT checkpoint (``transformers.<head>``, seed 0) with a WordPiece vocabulary
    of ``chars`` to ``path``. ``labels`` names the classes of a classification head; ``config``
    overrides the small defaults (hidden 32, 2 layers, 2 heads, 512 positions)."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    path.mkdir(parents=True, exist_ok=True)
    chars = sorted(set(chars))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    # transformers 5 ignores vocab_file here: pass the vocabulary itself
    tok = transformers.BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    torch.manual_seed(0)
    kw = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
              max_position_embeddings=512)
    if labels is not None:
        kw.update(num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={t: i for i, t in enumerate(labels)})
    kw.update(config)
    getattr(transformers, head)(transformers.BertConfig(vocab_size=len(vocab), **kw)).save_pretrained(path)
    tok.save_pretrained(path)
    return path
