"""Build the typology tables shipped with xling (``harness/data/typology-<mode>.npz``): every
ordered pair of the languages of xling's tasks, computed with urielplus exactly as
``xling.typology.built_table`` computes them, so that ``xling analyze`` needs neither urielplus's
two-minute, 4 GB integration nor urielplus itself at first use.

    python -m xling.typology_build            # both modes (plus: about two minutes, 4 GB)
    python -m xling.typology_build --mode original

Stored without pickle: distances (rounded to 4 decimals by URIEL+'s formula) as uint16
(value * 10000, 65535 = missing) where that is exact, counts as uint16, the language table and
the build's metadata as JSON. The build refuses to write a table that does not decode to the
values it computed.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from . import typology as T
from .errors import XlingError


def task_languages() -> list[str]:
    """Every language of every task xling knows (plugins included), sorted."""
    from . import plugins

    langs: set[str] = set()
    for task in plugins.tasks().values():
        langs |= set(task.langs)
    return sorted(langs)


def _encode(name: str, m: np.ndarray) -> np.ndarray:
    """A pair column in its compact form, checked to decode to exactly ``m``."""
    if name in T.DISTANCES:
        scaled = np.where(np.isnan(m), T.NAN16, np.rint(np.nan_to_num(m, nan=0.0) * 10000.0))
        small = scaled.astype(np.uint16)
        back = np.where(small == T.NAN16, np.nan, small / 10000.0)
        exact = scaled.max(initial=0) <= T.NAN16 and (scaled[~np.isnan(m)] < T.NAN16).all()
        return small if exact and np.array_equal(back, m, equal_nan=True) else m.astype(np.float64)
    if m.min(initial=0) < 0 or m.max(initial=0) >= 2 ** 16:
        return m.astype(np.int64)
    return m.astype(np.uint16)


def encode(typ: T.Typology) -> dict[str, np.ndarray]:
    """The arrays of the shipped file for a built table (no object arrays: loadable without pickle)."""
    langs = list(typ.langs["lang"])
    n = len(langs)
    arrays = {"langs": np.asarray(langs, dtype=str),
              "lang_table": np.asarray(typ.langs.to_json(orient="records")),
              "meta": np.asarray(json.dumps(typ.meta))}
    for name in T.PAIR_COLUMNS:
        m = typ.pairs[name].to_numpy().reshape(n, n)
        arrays[name] = _encode(name, m.astype(np.float64) if name in T.DISTANCES else m)
    return arrays


def write(typ: T.Typology, path: Path) -> None:
    """``typ`` as a compressed npz at ``path`` (atomically)."""
    from .io import write_atomic

    buf = io.BytesIO()
    np.savez_compressed(buf, **encode(typ))
    write_atomic(path, buf.getvalue())


def build(mode: str, out: Path, cache_dir, progress: bool = True) -> T.Typology:
    """Build the table of every task language in ``mode``, write it, and check that reading it
    back gives the built table."""
    import pandas as pd

    langs = T._requested(task_languages(), mode)
    typ = T._build(langs, mode, Path(cache_dir), progress)
    write(typ, out)
    back = T.shipped(langs, mode, out)
    try:
        pd.testing.assert_frame_equal(back.pairs, typ.pairs)
        pd.testing.assert_frame_equal(back.langs, typ.langs)
    except AssertionError as e:
        raise XlingError(f"{out} does not read back as the table built: {str(e).splitlines()[0]}") from None
    return typ


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m xling.typology_build", description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=T.MODES + ("both",), default="both")
    ap.add_argument("--out-dir", default=str(T.SHIPPED_DIR), help="where the npz files go (default: the package's)")
    ap.add_argument("--cache-dir", help="urielplus's working copy (default: a temporary directory)")
    args = ap.parse_args(argv)
    modes = T.MODES if args.mode == "both" else (args.mode,)
    try:
        with tempfile.TemporaryDirectory(prefix="xling-typology-") as tmp:
            for mode in modes:
                out = Path(args.out_dir) / f"typology-{mode}.npz"
                typ = build(mode, out, args.cache_dir or tmp)
                print(f"{out}: {len(typ.langs)} languages, {out.stat().st_size / 1e6:.2f} MB", file=sys.stderr)
    except XlingError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
