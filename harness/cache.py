"""Content-addressed store of everything a model computes.

Key = sha256(model name with revision, role, text). Values are float32 vectors in an
SQLite database (WAL mode): each batch is committed atomically as soon as it is computed,
so an interrupted run keeps what it finished, and concurrent runs on one cache neither
corrupt it nor block each other for long. Nothing is pickled.

Every value is checked when read as a fresh output is: its length, finite numbers, and a
checksum (CRC-32 over key and value, written with it). A damaged entry
is a miss: the model computes it again, the new value replaces it, and one line on stderr says
how many there were. Entries written before checksums existed (no ``h``) are checked for length
and finiteness only. A database SQLite cannot read is a one-line error naming the file, with
the ways on: move it aside, or ``--no-cache``.
"""
from __future__ import annotations

import hashlib
import os
import shlex
import sqlite3
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import XlingError
from .models import check_output

CACHE_ENV = "XLING_CACHE"


def default_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("xling"))


def key(model: str, role: str, text: str) -> bytes:
    return hashlib.sha256(f"{model}\x00{role}\x00{text}".encode()).digest()


def checksum(k: bytes, value: bytes) -> bytes:
    """What an entry's ``h`` column holds: CRC-32 of key and value, a cheap check (about 2 us
    for a 384-float vector) that the value read is the one written with that key."""
    return zlib.crc32(value, zlib.crc32(k)).to_bytes(4, "big")


def checksum_ok(k: bytes, value: bytes, h: bytes) -> bool:
    if len(h) == 8:  # the first checksummed entries (commit ab0acce): BLAKE2b-64, still accepted
        return h == hashlib.blake2b(k + b"\x00" + value, digest_size=8).digest()
    return h == checksum(k, value)


def damaged_db(path: Path, e: Exception) -> XlingError:
    """The one-line error for a cache file that SQLite cannot read."""
    d = str(path.parent)
    return XlingError(f"the cache database {str(path)!r} is damaged ({e}); results already written are kept: move "
                      f"the cache aside (mv {shlex.quote(d)} {shlex.quote(d + '.damaged')}) and rerun, or rerun "
                      "with --no-cache")


def _add_checksum_column(db: sqlite3.Connection, table: str) -> None:
    """A cache written before checksums gets the column (its entries keep ``h`` NULL)."""
    if "h" in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
        return
    try:
        db.execute(f"ALTER TABLE {table} ADD COLUMN h BLOB")
    except sqlite3.OperationalError as e:
        if "duplicate column" not in str(e):  # another run added it a moment ago
            raise


def open_db(path: Path, table: str, columns: str) -> sqlite3.Connection:
    """The cache file's connection, with ``table`` created and given a checksum column ``h``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=60, isolation_level=None)
    except (OSError, sqlite3.Error) as e:
        raise XlingError(f"cache directory {str(path.parent)!r} is not usable ({e}); "
                         f"pass --cache-dir or set {CACHE_ENV} to a writable directory") from e
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns}, h BLOB)")
        _add_checksum_column(db, table)
    except sqlite3.OperationalError as e:
        if "readonly" in str(e) or "unable to open" in str(e):
            raise XlingError(f"cache directory {str(path.parent)!r} is not usable ({e}); "
                             f"pass --cache-dir or set {CACHE_ENV} to a writable directory") from e
        raise damaged_db(path, e) from None
    except sqlite3.DatabaseError as e:
        raise damaged_db(path, e) from None
    return db


def select(db: sqlite3.Connection, path: Path, sql: str, keys: Sequence[bytes]) -> Iterator[list]:
    """The rows of ``sql`` (``{marks}`` stands for the keys' placeholders) for ``keys``, 500 keys
    a query; a database SQLite cannot read is the one-line ``damaged_db`` error."""
    try:
        for i in range(0, len(keys), 500):
            chunk = list(keys[i:i + 500])
            yield db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall()
    except sqlite3.DatabaseError as e:
        raise damaged_db(path, e) from None


def write(db: sqlite3.Connection, path: Path, sql: str, rows: list) -> None:
    """``sql`` over ``rows`` as one transaction, with the cache's one-line errors."""
    try:
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(sql, rows)
    except sqlite3.OperationalError as e:
        raise XlingError(f"cannot write the cache {str(path)!r} ({e}); results computed so far are kept") from e
    except sqlite3.DatabaseError as e:
        raise damaged_db(path, e) from None


def warn_damaged(path: Path, n: int) -> None:
    if n:
        print(f"xling: warning: {n} damaged cache entries in {str(path)!r} (checksum, length or non-finite "
              "values) are computed again", file=sys.stderr)


class EmbeddingStore:
    """One SQLite file of (key -> float32 vector)."""

    def __init__(self, directory: str | os.PathLike):
        self.path = Path(directory) / "embeddings.sqlite"
        self._db = open_db(self.path, "emb", "k BLOB PRIMARY KEY, dim INTEGER NOT NULL, v BLOB NOT NULL")
        self.damaged = 0  # entries read back damaged (then treated as misses)

    @staticmethod
    def _sound(rows: list) -> dict[bytes, np.ndarray]:
        """The rows (k, dim, v, h) whose value has its length, its checksum (where written) and
        finite numbers (checked for all rows at once, then one by one only if some fail)."""
        ok = [(k, v) for k, dim, v, h in rows if len(v) == 4 * dim and (h is None or checksum_ok(k, v, h))]
        if not np.isfinite(np.frombuffer(b"".join(v for _, v in ok), dtype=np.float32)).all():
            ok = [(k, v) for k, v in ok if np.isfinite(np.frombuffer(v, dtype=np.float32)).all()]
        return {k: np.frombuffer(v, dtype=np.float32) for k, v in ok}

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        bad = 0
        for rows in select(self._db, self.path, "SELECT k, dim, v, h FROM emb WHERE k IN ({marks})", keys):
            good = self._sound(rows)
            bad += len(rows) - len(good)
            found.update(good)
        self.damaged += bad
        warn_damaged(self.path, bad)
        return found

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        blobs = [(k, np.ascontiguousarray(v, dtype=np.float32)) for k, v in zip(keys, vectors)]
        rows = [(k, int(v.shape[0]), v.tobytes(), checksum(k, v.tobytes())) for k, v in blobs]
        write(self._db, self.path, "INSERT OR REPLACE INTO emb (k, dim, v, h) VALUES (?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM emb").fetchone()[0]

    def close(self) -> None:
        self._db.close()


@dataclass(frozen=True)
class Shard:
    """Texts of one role that the cache does not hold, and their cache keys: what an executor
    encodes and the driver commits (``xling.executor``)."""

    role: str
    keys: tuple[bytes, ...]
    texts: tuple[str, ...]


class CachedEncoder:
    """Wraps an Encoder: looks every (text, role) up first, encodes only the misses
    (deduplicated, in batches, each batch stored as soon as it is done). Texts pass through
    the encoder's ``prepare(texts, role)`` first where it has one."""

    def __init__(self, encoder, store: EmbeddingStore, batch_size: int = 64):
        self.encoder = encoder
        self.store = store
        self.name = encoder.name
        self.batch_size = batch_size
        self.model_calls = 0  # texts sent to the model
        self._fresh: set[bytes] = set()  # keys computed by this wrapper (later lookups are not cache hits)
        self._hit_keys: set[bytes] = set()  # distinct keys answered by what the cache held before

    @property
    def hits(self) -> int:
        """Distinct texts the cache answered that this run did not compute itself."""
        return len(self._hit_keys)

    def _prepared(self, texts: Sequence[str], role: str) -> Sequence[str]:
        """What the model reads (an encoder with ``prepare()`` truncates long inputs): the key
        is of that text, so a cut text and its full original never share an entry wrongly."""
        prepare = getattr(self.encoder, "prepare", None)
        return prepare(texts, role) if prepare is not None else texts

    def encode(self, texts: Sequence[str], role: str, progress: Callable[[int], None] | None = None) -> np.ndarray:
        texts = self._prepared(texts, role)
        keys = [key(self.name, role, t) for t in texts]
        found = self.store.get(keys)
        todo: dict[bytes, str] = {}
        for k, t in zip(keys, texts):
            if k not in found and k not in todo:
                todo[k] = t
        self._hit_keys.update(k for k in found if k not in self._fresh)
        items = list(todo.items())
        for i in range(0, len(items), self.batch_size):
            batch = items[i:i + self.batch_size]
            batch_texts = [t for _, t in batch]
            vecs = check_output(self.name, batch_texts, self.encoder.encode(batch_texts, role))
            self.model_calls += len(batch)
            self._fresh.update(k for k, _ in batch)
            self.store.put([k for k, _ in batch], vecs)
            for (k, _), v in zip(batch, vecs):
                found[k] = v
            if progress:
                progress(len(batch))
        if not keys:
            return np.zeros((0, 0), np.float32)
        return np.stack([found[k] for k in keys])

    def shards(self, groups: dict[str, list[str]], size: int, by_length: bool = False) -> list:
        """The cache misses of ``groups`` (role -> texts), prepared and deduplicated, as
        ``Shard``s of at most ``size`` texts: in the texts' order, or sorted by length
        (similar lengths batch with little padding) when ``by_length``."""
        out = []
        for role, texts in groups.items():
            prepared = self._prepared(texts, role)
            todo = dict(zip((key(self.name, role, t) for t in prepared), prepared))
            found = self.store.get(list(todo))
            self._hit_keys.update(k for k in found if k not in self._fresh)
            items = [(k, t) for k, t in todo.items() if k not in found]
            if by_length:
                items.sort(key=lambda kt: len(kt[1]))
            for i in range(0, len(items), size):
                part = items[i:i + size]
                out.append(Shard(role, tuple(k for k, _ in part), tuple(t for _, t in part)))
        return out

    def commit(self, shard, vectors) -> None:
        """Store a shard's vectors (checked) as one transaction."""
        vecs = check_output(self.name, shard.texts, vectors)
        self.model_calls += len(shard.texts)
        self._fresh.update(shard.keys)
        self.store.put(list(shard.keys), vecs)

    def missing(self, texts: Sequence[str], role: str) -> int:
        """How many distinct texts would need a model call."""
        return len(self.missing_texts(texts, role))

    def missing_texts(self, texts: Sequence[str], role: str) -> list[str]:
        """The distinct texts (as given) that the cache lacks, in order."""
        texts = list(dict.fromkeys(texts))
        keys = [key(self.name, role, t) for t in self._prepared(texts, role)]
        found = self.store.get(keys)
        return [t for t, k in zip(texts, keys) if k not in found]
