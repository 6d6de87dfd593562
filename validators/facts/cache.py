"""The fact cache: measurements keyed by what was measured and the torch/torchvision versions.

One SQLite file (``facts.sqlite``) in the shared cache folder, one row per
measurement.  A key is the measurement's description (model name and
arguments, input size, weights member, formula and grid...) plus the
installed torch and torchvision versions and the version of our measuring
code, hashed.  Editing a claimed value therefore never re-runs torch;
upgrading torch re-measures everything.

Every measurement is committed as soon as it is taken (one short
transaction, WAL journal), so a run that is killed part-way keeps what it
measured and the next run measures only the rest.  Two runs at once wait
for each other rather than fail.

The versions are read from the installed distributions' metadata, not by
importing torch, so a run whose measurements are all cached never imports
torch.  A file that is not a database, or a damaged one, is moved aside with
its ``-wal`` and ``-shm`` files (to ``facts.sqlite.bad``, ``.bad-wal``,
``.bad-shm``) and recreated (it is only a cache).  A database another run
holds locked past the timeout is left alone and the cache is off for this
run (one line on stderr says so); so is a folder that cannot be written.  Unexpected errors are never cached, so they are
retried on the next run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_FILE = "facts.sqlite"
#: bump when measuring code changes in a way that changes results
MEASURE_VERSION = 5
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
    key      TEXT PRIMARY KEY,
    what     TEXT NOT NULL,
    versions TEXT NOT NULL,
    value    TEXT NOT NULL,
    at       TEXT NOT NULL
)
"""


def installed_versions() -> dict[str, str] | None:
    """torch and torchvision versions from package metadata, or None when either is missing."""
    try:
        return {"torch": metadata.version("torch"), "torchvision": metadata.version("torchvision")}
    except metadata.PackageNotFoundError:
        return None


# SQLite's result codes (https://www.sqlite.org/rescode.html), primary part
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 6, 11, 26


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    return code & 0xFF if isinstance(code, int) else None


def _damaged(exc: sqlite3.Error) -> bool:
    """The file is not a database, or a damaged one (and not merely busy)."""
    code = _code(exc)
    if code is not None:
        return code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text)


def _locked(exc: sqlite3.Error) -> bool:
    code = _code(exc)
    if code is not None:
        return code in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def _close(db: sqlite3.Connection | None) -> None:
    if db is not None:
        try:
            db.close()
        except sqlite3.Error:
            pass


def key_hash(key: dict[str, Any], versions: dict[str, str]) -> str:
    blob = json.dumps({"key": key, "versions": versions, "v": MEASURE_VERSION}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class FactCache:
    """Read and write measurements; a no-op when disabled or the folder cannot be written."""

    def __init__(self, folder: Path | None, versions: dict[str, str], *, enabled: bool = True, timeout: float = 30.0):
        self.path = folder / CACHE_FILE if folder is not None else None
        #: seconds to wait for another run that holds the database before doing without it
        self.timeout = timeout
        self.versions = versions
        self.enabled = enabled and self.path is not None
        self.hits = 0
        self.writes = 0
        self.problem: str | None = None
        self._db: sqlite3.Connection | None = None
        if not self.enabled or self.path is None or not self.path.is_file():
            return  # opened on the first write: a run that measures nothing creates no file
        self._connect()

    def _connect(self) -> None:
        assert self.path is not None
        failed: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            failed = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            self._db, failed = self._prepare(failed), None
            return
        except sqlite3.Error as exc:
            if not _damaged(exc):  # locked by another run past the timeout, or another trouble: leave the file be
                _close(failed)
                why = "locked by another run" if _locked(exc) else str(exc)
                self._disable(f"fact cache not used this run: {self.path} is {why}" if _locked(exc)
                              else f"fact cache disabled: {why}")
                return
            first = exc
        except OSError as exc:
            _close(failed)
            self._disable(f"fact cache disabled: {exc}")
            return
        try:  # not a database, or damaged: it is only a cache; set it aside with its journal and start again
            # (moved before the failed connection closes: closing may delete a journal it cannot use)
            for suffix in ("", "-wal", "-shm"):
                part = self.path.with_name(self.path.name + suffix)
                if part.exists():
                    part.replace(self.path.with_name(self.path.name + ".bad" + suffix))
            _close(failed)
            self._db = self._open()
        except (OSError, sqlite3.Error):
            _close(failed)
            self._disable(f"fact cache disabled: {first}")

    def _disable(self, problem: str) -> None:
        _close(self._db)
        self.problem = problem
        self._db = None
        self.enabled = False

    def _open(self) -> sqlite3.Connection:
        assert self.path is not None
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            return self._prepare(db)
        except BaseException:
            _close(db)
            raise

    def _prepare(self, db: sqlite3.Connection) -> sqlite3.Connection:
        assert self.path is not None
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            db.execute("DROP TABLE IF EXISTS facts")
        db.execute(_SCHEMA)
        if version != SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        db.execute("SELECT count(*) FROM facts").fetchone()  # fails early on a damaged file
        try:
            self.path.chmod(0o644)  # shared like the rest of the cache folder
        except OSError:
            pass
        return db

    def get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        if not self.enabled or self._db is None:
            return None
        try:
            row = self._db.execute("SELECT value FROM facts WHERE key = ?", (key_hash(key, self.versions),)).fetchone()
            value = json.loads(row[0]) if row else None
        except (sqlite3.Error, ValueError):
            return None
        if not isinstance(value, dict):
            return None
        self.hits += 1
        return value

    def put(self, key: dict[str, Any], value: dict[str, Any]) -> None:
        """Store one measurement now (committed before this returns)."""
        if not self.enabled:
            return
        if self._db is None:
            self._connect()
            if self._db is None:
                return
        row = (
            key_hash(key, self.versions),
            json.dumps(key, sort_keys=True),
            json.dumps(self.versions, sort_keys=True),
            json.dumps(value, sort_keys=True),
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )
        try:
            self._db.execute("INSERT OR REPLACE INTO facts (key, what, versions, value, at) VALUES (?, ?, ?, ?, ?)", row)
            self.writes += 1
        except sqlite3.Error as exc:  # a read-only or full disk must not fail the run
            self.problem = f"cannot write the fact cache: {exc}"
            self.enabled = False

    def save(self) -> None:
        """Close the database: every measurement was committed as it came."""
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    def entries(self) -> int:
        """How many measurements the file holds (all versions)."""
        if self._db is None:
            return 0
        try:
            return int(self._db.execute("SELECT count(*) FROM facts").fetchone()[0])
        except sqlite3.Error:
            return 0
