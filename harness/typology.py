"""Typological distances between languages, through URIEL+ (``urielplus``, bundled data, offline).

For every ordered pair of canonical ``xxx_Scrp`` codes: URIEL+ ``genetic``, ``geographic``,
``syntactic``, ``phonological``, ``inventory``, ``featural`` and ``script`` distances (angular
distance over the features both languages have, exactly as ``URIELPlusQuerying.new_distance``
computes it), the number of shared features behind each distance, how many of those are imputed
or inferred by URIEL+, plus ``same_script`` (from the xling codes) and ``same_family`` (top of the
Glottolog lineage URIEL+ ships).

Two databases (``mode``):

* ``plus`` (default): URIEL+ with every database integrated (SAPHON, BDPROTO, Grambank, APICS,
  eWAVE, Glottolog; languages keyed by Glottocode), sources united per feature and missing
  values of dialects filled from their parent language (URIEL+'s lineage imputation). Building it
  takes about two minutes of CPU and up to 4 GB of memory, once: the tables are cached.
* ``original``: the URIEL data as bundled (lang2vec's; ISO 639-3 keys), sources united, nothing
  imputed; loads in seconds.

No machine-learned imputation is applied: a distance is missing (NaN, ``n_<distance>`` = 0)
where the two languages share no known feature. ``imp_<distance>`` counts the shared features
whose value, for either language, was filled by lineage imputation or only inferred by URIEL+'s
feature-implication rules (the ``DERIVED`` source) rather than observed.

URIEL+ writes into its own package folder when used; here it never does: its ``database``
folder is copied once into the cache directory and URIEL+ is pointed there, so a read-only
site-packages works. Tables are cached as CSV (no pickle) under ``<cache>/typology/``.

Every pair of the languages of xling's tasks ships with xling (``data/typology-<mode>.npz``,
made by ``python -m xling.typology_build`` with the code below): ``table`` reads it, with no
urielplus at all, wherever it covers the languages asked for, and builds only otherwise.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import XlingError

DISTANCES = ("genetic", "geographic", "syntactic", "phonological", "inventory", "featural", "script")
MODES = ("plus", "original")
_MATRIX = {"genetic": 0, "geographic": 2, "script": 3, "syntactic": 1, "phonological": 1, "inventory": 1,
           "featural": 1}
_PREFIX = {"syntactic": "S_", "phonological": "P_", "inventory": "INV_"}
_TYPOLOGICAL = ("syntactic", "phonological", "inventory", "featural")
FORMAT = 2  # bump when the cached tables change meaning
SPOT_CHECKS = 3  # vectorised distances compared with urielplus new_distance per distance


# ---------------------------------------------------------------------------------------------
# the distance URIEL+ computes, vectorised


def angular_distances(values: np.ndarray, imputed: np.ndarray | None = None):
    """Pairwise URIEL+ distances between the rows of ``values`` (languages x features, -1 =
    missing), as ``URIELPlusQuerying.new_distance`` computes them: per pair, the features both
    languages know; a zero vector becomes a constant one; angular distance 2*arccos(cos)/pi,
    rounded to 4 decimals. Returns (distance with NaN where nothing is shared, shared-feature
    counts, shared features imputed for either language)."""
    v = np.asarray(values, dtype=np.float64)
    known = (v != -1.0) & np.isfinite(v)
    m = known.astype(np.float64)
    x = np.where(known, v, 0.0)
    k = m @ m.T  # shared features
    dot = x @ x.T
    na2 = (x * x) @ m.T  # |u_a|^2 over the features a shares with b
    nb2 = na2.T
    sa = x @ m.T  # sum of u_a over shared features (for the zero-vector rule)
    sb = sa.T
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = dot / np.sqrt(na2 * nb2)
        za, zb = na2 == 0, nb2 == 0
        root_k = np.sqrt(k)
        cos = np.where(za & ~zb, sb / (root_k * np.sqrt(nb2)), cos)  # u -> ones: cos = sum(v)/(|v| sqrt k)
        cos = np.where(zb & ~za, sa / (root_k * np.sqrt(na2)), cos)
        cos = np.where(za & zb, 1.0, cos)
    cos = np.clip(cos, -1.0, 1.0)
    dist = np.round(2.0 * np.arccos(cos) / np.pi, 4)
    dist = np.where(k > 0, dist, np.nan)
    np.fill_diagonal(dist, np.where(np.diag(k) > 0, 0.0, np.nan))
    if imputed is None:
        return dist, k.astype(np.int64), np.zeros_like(k, dtype=np.int64)
    i = (np.asarray(imputed, bool) & known).astype(np.float64)
    either = i @ m.T + m @ i.T - i @ i.T
    return dist, k.astype(np.int64), either.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# language codes


def candidates(lang: str) -> list[tuple[str, str]]:
    """ISO 639-3 codes URIEL may key a canonical language by, best first, with how each relates
    (``xling.langinfo.candidates``: one source for boards and typology)."""
    from .langinfo import candidates as _candidates

    return _candidates(lang)


# ---------------------------------------------------------------------------------------------
# the table


@dataclass
class Typology:
    pairs: pd.DataFrame  # one row per ordered (src, tgt) pair
    langs: pd.DataFrame  # one row per language: URIEL code, family, coverage
    meta: dict = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        """Languages URIEL(+) does not know at all."""
        return sorted(self.langs.loc[~self.langs["in_uriel"], "lang"])

    def lookup(self, src: str, tgt: str) -> pd.Series:
        hit = self.pairs[(self.pairs.src == src) & (self.pairs.tgt == tgt)]
        if hit.empty:
            raise XlingError(f"no typology for the pair {src} -> {tgt}")
        return hit.iloc[0]


def default_cache_dir() -> Path:
    from .cache import default_dir

    return default_dir()


def _uriel_version() -> str:
    try:
        from importlib.metadata import version

        return version("urielplus")
    except Exception:  # noqa: BLE001 - any failure means: not installed
        raise XlingError("typology needs the urielplus package: pip install 'xling[typology]'") from None


def _cache_files(cache_dir: Path, langs: list[str], mode: str) -> tuple[Path, Path, Path]:
    key = hashlib.sha256(json.dumps([FORMAT, mode, _uriel_version(), sorted(langs)]).encode()).hexdigest()[:16]
    d, stem = Path(cache_dir) / "typology", f"urielplus{_uriel_version()}-{mode}-{key}"
    return d / f"{stem}.pairs.csv", d / f"{stem}.langs.csv", d / f"{stem}.meta.json"


def _requested(langs, mode: str) -> list[str]:
    from . import languages as lang_mod

    if mode not in MODES:
        raise XlingError(f"unknown URIEL mode {mode!r} (known: {', '.join(MODES)})")
    langs = list(dict.fromkeys(lang_mod.normalize(c) for c in langs))
    if not langs:
        raise XlingError("typology needs at least one language")
    return langs


def table(langs, mode: str = "plus", cache_dir=None, progress: bool = True) -> Typology:
    """Typology of every ordered pair of ``langs`` (canonical codes): from the table shipped with
    xling (every language of xling's tasks; no urielplus needed) where it covers them all, else
    built with urielplus once and cached (``built_table``)."""
    langs = _requested(langs, mode)
    typ = shipped(langs, mode)
    return typ if typ is not None else built_table(langs, mode, cache_dir, progress)


def built_table(langs, mode: str = "plus", cache_dir=None, progress: bool = True) -> Typology:
    """Typology of every ordered pair of ``langs``, computed with urielplus once and cached as CSV."""
    langs = _requested(langs, mode)
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    pairs_f, langs_f, meta_f = _cache_files(cache_dir, langs, mode)
    if pairs_f.exists() and langs_f.exists() and meta_f.exists():
        try:
            pairs = pd.read_csv(pairs_f, keep_default_na=True)
            lang_tab = pd.read_csv(langs_f, keep_default_na=False, na_values=[""])
            meta = json.loads(meta_f.read_text(encoding="utf-8"))
            lang_tab["in_uriel"] = lang_tab["in_uriel"].astype(bool)
            return Typology(pairs, lang_tab, meta)
        except (OSError, ValueError, KeyError):
            pass  # unreadable cache: rebuild
    if progress:
        _say(f"building the typology of {len(langs)} languages with urielplus (some are not in the table shipped "
             "with xling)", progress)
    typ = _build(langs, mode, cache_dir, progress)
    from .io import write_atomic

    write_atomic(pairs_f, typ.pairs.to_csv(index=False))
    write_atomic(langs_f, typ.langs.to_csv(index=False))
    write_atomic(meta_f, json.dumps(typ.meta, indent=2, sort_keys=True) + "\n")
    return typ


# ---------------------------------------------------------------------------------------------
# the table shipped with xling (made by ``python -m xling.typology_build``)

SHIPPED_DIR = Path(__file__).resolve().parent / "data"
PAIR_COLUMNS = tuple(DISTANCES) + tuple(f"n_{c}" for c in DISTANCES) + tuple(f"imp_{c}" for c in _TYPOLOGICAL)
NAN16 = 65535  # a missing distance, stored as uint16 (distances are rounded to 4 decimals: value * 10000)


def shipped_path(mode: str) -> Path:
    return SHIPPED_DIR / f"typology-{mode}.npz"


@functools.lru_cache(maxsize=2)
def _shipped_arrays(path: Path) -> dict | None:
    """A shipped table, read once (None where there is none)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        langs = [str(c) for c in arrays.pop("langs")]
        lang_tab = pd.DataFrame(json.loads(str(arrays.pop("lang_table"))))
        meta = json.loads(str(arrays.pop("meta")))
    except (OSError, ValueError, KeyError) as e:
        raise XlingError(f"the typology table shipped with xling, {path}, is damaged ({e}): reinstall xling") from e
    return {"pos": {c: i for i, c in enumerate(langs)}, "lang_table": lang_tab, "meta": meta, "cols": arrays}


def shipped(langs: list[str], mode: str, path: Path | None = None) -> Typology | None:
    """The typology of ``langs`` (canonical, deduplicated) from the table shipped with xling
    (or the one at ``path``), equal to what ``built_table`` computes for them; None where it
    lacks one of them."""
    path = Path(path) if path else shipped_path(mode)
    arrays = _shipped_arrays(path)
    if arrays is None or any(c not in arrays["pos"] for c in langs):
        return None
    idx = np.asarray([arrays["pos"][c] for c in langs], dtype=np.int64)
    lang_tab = arrays["lang_table"].iloc[idx].reset_index(drop=True)
    cols = {}
    for name in PAIR_COLUMNS:
        m = arrays["cols"][name][np.ix_(idx, idx)]
        if name in DISTANCES:
            m = np.where(m == NAN16, np.nan, m / 10000.0) if m.dtype == np.uint16 else m.astype(np.float64)
        cols[name] = m if name in DISTANCES else m.astype(np.int64)
    ok = lang_tab["in_uriel"].to_numpy(bool)
    pairs = _pairs_frame(langs, cols, lang_tab, ok)
    zero = lang_tab["zero_genetic"].to_numpy(bool)
    isolate = zero & lang_tab["lineage_empty"].to_numpy(bool)
    meta = dict(arrays["meta"], languages=len(langs), shipped=path.name,
                isolates_set_to_genetic_1=sorted(lang_tab.loc[isolate, "lang"]),
                zero_genetic_vector_set_missing=sorted(lang_tab.loc[zero & ~isolate, "lang"]))
    return Typology(pairs, lang_tab, meta)


# ---------------------------------------------------------------------------------------------
# building it with urielplus


def _say(msg: str, progress: bool) -> None:
    if progress:
        print(f"typology: {msg}", file=sys.stderr, flush=True)


@functools.lru_cache(maxsize=1)
def _uriel_class():
    """The URIELPlus class, imported without its logging.basicConfig taking over the process."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from urielplus.urielplus import URIELPlus
    except ImportError:
        raise XlingError("typology needs the urielplus package: pip install 'xling[typology]'") from None
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers

    class _URIELPlus(URIELPlus):
        """URIELPlus reading and writing its database under ``root`` instead of its package folder."""

        def __init__(self, root_dir: str):
            object.__setattr__(self, "_root_dir", root_dir)
            super().__init__()

        @property
        def cur_dir(self):
            return self._root_dir

        @cur_dir.setter
        def cur_dir(self, value):  # URIELPlus sets it to its package folder: ignored
            pass

    return _URIELPlus


def _workdir(cache_dir: Path) -> Path:
    """A private, writable copy of urielplus's ``database`` folder (made once, atomically)."""
    import urielplus

    src = Path(urielplus.__file__).resolve().parent / "database"
    dst = Path(cache_dir) / f"urielplus-{_uriel_version()}"
    if (dst / "database" / "urielplus_csvs" / "lang_fam_geo.csv").exists():
        return dst
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=dst.parent, prefix=".urielplus-"))
        shutil.copytree(src, tmp / "database", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        # the npz files URIELPlus would copy out of original_uriel into its package folder on first use
        for f in (tmp / "database" / "original_uriel").glob("*.npz"):
            shutil.copy(f, tmp / "database" / f.name)
        try:
            os.replace(tmp, dst)
        except OSError:  # another process made it first
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as e:
        raise XlingError(f"cannot copy URIEL+ data from {src} to the cache {dst} ({e.strerror or e}); "
                         "pass --cache-dir or set XLING_CACHE to a writable directory") from e
    return dst


_ORIGINAL: dict[str, object] = {}  # workdir -> URIELPlus on the original data (never modified: reused)


def load_uriel(mode: str, cache_dir=None, progress: bool = True):
    """A URIELPlus object on a private copy of its data (integrated for mode 'plus')."""
    cls = _uriel_class()
    work = _workdir(Path(cache_dir) if cache_dir else default_cache_dir())
    if mode == "original" and str(work) in _ORIGINAL:
        return _ORIGINAL[str(work)]
    t = time.time()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)  # urielplus logs every step at INFO on the root logger
    try:
        u = cls(str(work))
        if mode == "plus":
            _say("integrating the URIEL+ databases (once; about two minutes and up to 4 GB of memory)", progress)
            u.integrate_databases()
    finally:
        root.setLevel(level)
    _say(f"URIEL ({mode}) loaded in {time.time() - t:.0f}s", progress)
    if mode == "original":
        _ORIGINAL[str(work)] = u
    return u


def _iso_to_key(u, mode: str) -> dict[str, str]:
    if mode == "original":
        return {str(c): str(c) for c in u.langs[1]}
    path = Path(u.cur_dir) / "database" / "urielplus_csvs" / "uriel_glottocode_map.csv"
    m = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    present = set(map(str, u.langs[1]))
    return {i.strip(): g.strip() for i, g in zip(m["iso_code"], m["glottocode"]) if g.strip() in present}


def _category_columns(u, cat: str) -> np.ndarray:
    feats = np.asarray(u.feats[_MATRIX[cat]]).astype(str)
    if cat in _PREFIX:
        return np.flatnonzero(np.char.startswith(feats, _PREFIX[cat]))
    return np.arange(len(feats))


def _rows(u, idx: int, keys: list[str]) -> np.ndarray:
    pos = {str(c): i for i, c in enumerate(u.langs[idx])}
    return np.asarray([pos[k] for k in keys], dtype=np.int64)


@dataclass
class _Candidates:
    """The URIEL languages that may stand for the requested ones, with their data per distance."""

    keys: list[str]  # URIEL keys, sorted
    pos: dict  # key -> row
    values: dict  # distance -> (keys x features) values, -1 = missing
    imputed: dict  # distance -> (keys x features) imputed or rule-inferred
    known: dict  # distance -> known features per key
    zero_genetic: np.ndarray  # keys whose genetic vector is all zero


def _build(langs: list[str], mode: str, cache_dir: Path, progress: bool) -> Typology:
    t0 = time.time()
    u = load_uriel(mode, cache_dir, progress)
    iso_key = _iso_to_key(u, mode)
    cands = _candidates_data(u, mode, langs, iso_key, progress)
    lang_tab, chosen = _lang_table(langs, u, mode, iso_key, cands)
    ok = chosen >= 0
    cols, checks = _pair_distances(u, cands, chosen, len(langs))
    isolate, gap = _fix_genetic(cols, lang_tab, ok)
    pairs = _pairs_frame(langs, cols, lang_tab, ok)
    meta = {"mode": mode, "urielplus": _uriel_version(), "languages": len(langs), "format": FORMAT,
            "build_seconds": round(time.time() - t0, 1),
            "checked_against_new_distance_max_abs_diff": checks,
            "isolates_set_to_genetic_1": sorted(lang_tab.loc[isolate, "lang"]),
            "zero_genetic_vector_set_missing": sorted(lang_tab.loc[gap, "lang"])}
    _say(f"typology of {len(langs)} languages built in {meta['build_seconds']}s", progress)
    return Typology(pairs, lang_tab, meta)


def _inferred(u, rows1: np.ndarray) -> np.ndarray:
    """Typological values only the DERIVED (rule-inferred) source knows, before sources are united."""
    sources = [str(s) for s in u.sources[1]]
    inferred = np.zeros((len(rows1), len(u.feats[1])), bool)
    if "DERIVED" in sources:
        d = sources.index("DERIVED")
        sub = np.asarray(u.data[1][rows1])
        real = np.delete(sub, d, axis=2)
        inferred = (sub[:, :, d] != -1) & ~(real != -1).any(axis=2)
    return inferred


def _aggregate(u, progress: bool) -> None:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    try:
        _say("uniting sources and filling dialects from their parent languages (URIEL+ aggregate)", progress)
        u.aggregate()
    finally:
        root.setLevel(level)


def _candidates_data(u, mode: str, langs: list[str], iso_key: dict, progress: bool) -> _Candidates:
    """Per candidate URIEL language: values, imputed flags and coverage of every distance."""
    universe = set(iso_key.values())
    for idx in range(4):  # every URIEL matrix is keyed by the same languages
        universe &= set(map(str, u.langs[idx]))
    all_cands = {c for lang in langs for c, _ in candidates(lang)}
    keys = sorted({iso_key[c] for c in all_cands if c in iso_key and iso_key[c] in universe})
    rows1 = _rows(u, 1, keys)
    inferred = _inferred(u, rows1)
    if mode == "plus":  # the original data stays as it is: sources united below, nothing imputed
        _aggregate(u, progress)
    lineage = np.zeros_like(inferred)
    pos1 = {r: i for i, r in enumerate(rows1)}
    for child, feat in getattr(u, "lineage_imputed_indices", set()):
        if child in pos1:
            lineage[pos1[child], feat] = True
    imputed_all = inferred | lineage
    values: dict[str, np.ndarray] = {}
    imputed: dict[str, np.ndarray] = {}
    for cat in DISTANCES:
        idx = _MATRIX[cat]
        cols = _category_columns(u, cat)
        data = np.asarray(u.data[idx][_rows(u, idx, keys)], dtype=np.float64)
        if data.ndim == 3:  # several sources left: unite them as URIEL+ does ('U': max of known values)
            data = np.where((data == -1) | ~np.isfinite(data), -np.inf, data).max(axis=2)
            data = np.where(np.isfinite(data), data, -1.0)
        values[cat] = data[:, cols]
        imputed[cat] = imputed_all[:, cols] if idx == 1 else np.zeros((len(keys), len(cols)), bool)
    known = {cat: ((values[cat] != -1) & np.isfinite(values[cat])).sum(axis=1) for cat in DISTANCES}
    g = values["genetic"]
    zero_genetic = (known["genetic"] > 0) & ((g == 0) | (g == -1)).all(axis=1)
    return _Candidates(keys, {k: i for i, k in enumerate(keys)}, values, imputed, known, zero_genetic)


def _best_candidate(lang: str, iso_key: dict, cands: _Candidates):
    """The language itself (its own code, or the dominant member xling writes with the
    macrolanguage code): the one URIEL knows best; only if URIEL has neither, its
    macrolanguage (a broader entity). Returns ((iso, key, how) or None, codes tried)."""
    best, best_score, tried = None, (0, -1), []
    for c, how in candidates(lang):
        k = iso_key.get(c)
        tried.append(c)
        if k is None or k not in cands.pos or (best is not None and how == "its macrolanguage"):
            continue
        i = cands.pos[k]
        score = (sum(int(cands.known[cat][i] > 0) for cat in DISTANCES), int(cands.known["featural"][i]))
        if score > best_score:
            best, best_score = (c, k, how), score
    return best, tried


def _lang_table(langs: list[str], u, mode: str, iso_key: dict, cands: _Candidates) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per requested language (URIEL code, family, coverage) and its candidate row (-1: none)."""
    fam = _families(u, mode)
    lang_rows, chosen = [], []
    for lang in langs:
        best, tried = _best_candidate(lang, iso_key, cands)
        row = {"lang": lang, "candidates": ">".join(tried), "in_uriel": best is not None,
               "iso": best[0] if best else "", "uriel": best[1] if best else "", "mapped": best[2] if best else "",
               "family": "", "lineage_empty": False, "zero_genetic": False}
        i = cands.pos[best[1]] if best is not None else None
        if best is not None:
            family, empty = "", False
            for c, _ in [(best[0], "")] + candidates(lang):  # a macrolanguage code may lack a lineage
                k = c if mode == "original" else iso_key.get(c, "")
                if k in fam:
                    family, empty = fam[k]
                    break
            row.update(family=family, lineage_empty=empty, zero_genetic=bool(cands.zero_genetic[i]))
        for cat in DISTANCES:
            row[f"n_{cat}"] = int(cands.known[cat][i]) if i is not None else 0
            if cat in _TYPOLOGICAL:
                row[f"imp_{cat}"] = int((cands.imputed[cat][i] & (cands.values[cat][i] != -1)).sum()) \
                    if i is not None else 0
        lang_rows.append(row)
        chosen.append(i if i is not None else -1)
    return pd.DataFrame(lang_rows), np.asarray(chosen)


def _pair_distances(u, cands: _Candidates, sel: np.ndarray, n: int) -> tuple[dict, dict]:
    """(n x n) distance, shared-feature and imputed-feature matrices per distance over the
    chosen URIEL languages, and a spot check of each against urielplus."""
    ok = sel >= 0
    cols: dict[str, np.ndarray] = {}
    checks: dict[str, float] = {}
    rng = np.random.default_rng(0)
    for cat in DISTANCES:
        dist = np.full((n, n), np.nan)
        shared = np.zeros((n, n), np.int64)
        imp = np.zeros((n, n), np.int64)
        if ok.any():
            uniq, inv = np.unique(sel[ok], return_inverse=True)
            d, k, im = angular_distances(cands.values[cat][uniq], cands.imputed[cat][uniq])
            okidx = np.flatnonzero(ok)
            dist[np.ix_(okidx, okidx)] = d[np.ix_(inv, inv)]
            shared[np.ix_(okidx, okidx)] = k[np.ix_(inv, inv)]
            imp[np.ix_(okidx, okidx)] = im[np.ix_(inv, inv)]
            checks[cat] = _spot_check(u, cat, [cands.keys[j] for j in uniq], d, k, rng)
        cols[cat], cols[f"n_{cat}"] = dist, shared
        if cat in _TYPOLOGICAL:
            cols[f"imp_{cat}"] = imp
    return cols, checks


def _fix_genetic(cols: dict, lang_tab: pd.DataFrame, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An all-zero genetic vector is degenerate: URIEL+'s zero-vector rule puts two such
    languages at distance 0. With an empty Glottolog lineage (an isolate such as Basque) the
    language is unrelated to every other: distance 1. Otherwise it is a gap in the data:
    missing. Changes ``cols`` and ``lang_tab`` in place; returns the (isolate, gap) masks."""
    zero = lang_tab["zero_genetic"].to_numpy(bool)
    isolate = zero & lang_tab["lineage_empty"].to_numpy(bool)
    gap = zero & ~isolate
    same = lang_tab["uriel"].to_numpy()[:, None] == lang_tab["uriel"].to_numpy()[None, :]
    g, gn = cols["genetic"], cols["n_genetic"]
    both = ok[:, None] & ok[None, :] & ~same
    g[(isolate[:, None] | isolate[None, :]) & both] = 1.0
    bad = (gap[:, None] | gap[None, :]) & both & ~(isolate[:, None] | isolate[None, :])
    g[bad] = np.nan
    gn[bad] = 0
    lang_tab.loc[gap, "n_genetic"] = 0
    return isolate, gap


def _pairs_frame(langs: list[str], cols: dict, lang_tab: pd.DataFrame, ok: np.ndarray) -> pd.DataFrame:
    """One row per ordered (src, tgt) pair: distances, same_script, same_family, coverage counts."""
    n = len(langs)
    script = np.asarray([c.split("_")[1] for c in langs])
    family = lang_tab["family"].fillna("").to_numpy(str)
    pairs = pd.DataFrame({"src": np.repeat(np.asarray(langs), n), "tgt": np.tile(np.asarray(langs), n)})
    for name in ["genetic", "geographic", "syntactic", "phonological", "inventory", "featural", "script"]:
        pairs[name] = cols[name].ravel()
    pairs["same_script"] = (script[:, None] == script[None, :]).ravel().astype(int)
    same_family = (family[:, None] == family[None, :]) & (family[:, None] != "")
    pairs["same_family"] = np.where((ok[:, None] & ok[None, :]), same_family, False).ravel().astype(int)
    pairs.loc[~np.repeat(ok, n) | ~np.tile(ok, n), "same_family"] = np.nan
    for cat in DISTANCES:
        pairs[f"n_{cat}"] = cols[f"n_{cat}"].ravel()
    for cat in _TYPOLOGICAL:
        pairs[f"imp_{cat}"] = cols[f"imp_{cat}"].ravel()
    uriel = lang_tab["uriel"].to_numpy(str)
    pairs["src_uriel"] = np.repeat(uriel, n)
    pairs["tgt_uriel"] = np.tile(uriel, n)
    return pairs


def _spot_check(u, cat: str, keys: list[str], d: np.ndarray, k: np.ndarray, rng) -> float:
    """Compare a few vectorised distances with URIEL+'s own ``new_distance`` (max |difference|)."""
    worst = 0.0
    m = len(keys)
    if m < 2:
        return worst
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    try:
        for _ in range(SPOT_CHECKS):
            a, b = rng.choice(m, 2, replace=False)
            if k[a, b] == 0 or keys[a] not in set(map(str, u.langs[0])):
                continue
            try:
                ref = float(u.new_distance(cat, [keys[a], keys[b]]))
            except (ValueError, IndexError):
                continue
            worst = max(worst, abs(ref - float(d[a, b])))
    finally:
        root.setLevel(level)
    return round(worst, 6)


def _families(u, mode: str) -> dict[str, tuple[str, bool]]:
    """URIEL key -> (top of the Glottolog lineage, or the language's own name for an isolate;
    whether the lineage is empty): ``xling.langinfo.lineages``, the one family source."""
    from .langinfo import lineages

    return lineages(mode)


# ---------------------------------------------------------------------------------------------
# reports


def coverage(typ: Typology, title: str = "") -> str:
    """Markdown: how many languages have each distance, and which do not."""
    lt = typ.langs
    n = len(lt)
    lines = [f"## URIEL coverage{(' of ' + title) if title else ''} ({n} languages, mode {typ.meta.get('mode')}, "
             f"urielplus {typ.meta.get('urielplus')})", ""]
    lines += ["| distance | languages with data | missing |", "|---|---|---|"]
    for cat in DISTANCES:
        have = lt[f"n_{cat}"] > 0
        miss = sorted(lt.loc[~have, "lang"])
        shown = ", ".join(miss[:40]) + (f" ... (+{len(miss) - 40})" if len(miss) > 40 else "")
        lines.append(f"| {cat} | {int(have.sum())}/{n} | {shown or '-'} |")
    lines.append("")
    absent = typ.missing
    lines.append(f"Not in URIEL at all: {len(absent)}" + (f" ({', '.join(absent)})" if absent else "") + ".")
    mapped = lt[lt["in_uriel"] & (lt["mapped"] != "own code")]
    if len(mapped):
        lines.append("Keyed by another code: " + ", ".join(f"{r.lang} -> {r.iso} ({r.mapped})"
                                                           for r in mapped.itertuples()) + ".")
    imp = {cat: int(lt[f"imp_{cat}"].sum()) for cat in _TYPOLOGICAL}
    known = {cat: int(lt[f"n_{cat}"].sum()) for cat in _TYPOLOGICAL}
    lines.append("Imputed or rule-inferred typological values (lineage imputation or URIEL+'s DERIVED source), "
                 "of all known values: " + ", ".join(f"{cat} {imp[cat]}/{known[cat]}" for cat in _TYPOLOGICAL) + ".")
    iso = typ.meta.get("isolates_set_to_genetic_1") or []
    if iso:
        lines.append(f"Empty Glottolog lineage (isolate), genetic distance set to 1 to all others: {', '.join(iso)}.")
    gap = typ.meta.get("zero_genetic_vector_set_missing") or []
    if gap:
        lines.append(f"All-zero URIEL genetic vector although Glottolog has a lineage, genetic distance missing: "
                     f"{', '.join(gap)}.")
    checks = typ.meta.get("checked_against_new_distance_max_abs_diff") or {}
    if checks:
        lines.append("Spot check against urielplus new_distance, max |difference|: "
                     + ", ".join(f"{k} {v:g}" for k, v in checks.items()) + ".")
    return "\n".join(lines) + "\n"
