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
torch.  A file that cannot be opened or is not a database is moved aside and
recreated (it is only a cache); a folder that cannot be written turns the
cache off for the run.  Unexpected errors are never cached, so they are
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


def key_hash(key: dict[str, Any], versions: dict[str, str]) -> str:
    blob = json.dumps({"key": key, "versions": versions, "v": MEASURE_VERSION}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class FactCache:
    """Read and write measurements; a no-op when disabled or the folder cannot be written."""

    def __init__(self, folder: Path | None, versions: dict[str, str], *, enabled: bool = True):
        self.path = folder / CACHE_FILE if folder is not None else None
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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except (OSError, sqlite3.Error) as exc:
            try:
                if self.path.exists():  # not a database, or damaged: it is only a cache
                    self.path.replace(self.path.with_suffix(".sqlite.bad"))
                self._db = self._open()
            except (OSError, sqlite3.Error):
                self.problem = f"fact cache disabled: {exc}"
                self._db = None
                self.enabled = False

    def _open(self) -> sqlite3.Connection:
        assert self.path is not None
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
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
