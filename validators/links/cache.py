"""Cache: one SQLite row per checked URL, so a warm run re-checks nothing fresh.

The file is ``links.sqlite`` in the cache directory (``.kb-cache/`` beside
the cards unless ``--cache-dir`` or ``KB_CACHE_DIR`` moves it; the fact runner
keeps its own file in the same directory).  A row holds the outcome, status
code, final URL, redirect chain, the page's title and metadata, and when it
was checked.  Only ``ok`` results are stored, for ``cache_ttl_hours``;
failures are never cached, so a broken or blocked link is asked again on the
next run.  Identity verdicts are not stored: they are recomputed from the
cached title each run, so editing a card's title takes effect at once.

The database runs in WAL mode and every write is one short transaction, so
two runs at once wait for each other rather than fail, and a run killed
mid-write leaves the last committed state.  A file that cannot be opened or
is not a database is moved aside and recreated: it is only a cache.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from validators.links.collect import MODES
from validators.links.model import LinkResult, Outcome

FILE_NAME = "links.sqlite"
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    key        TEXT PRIMARY KEY,
    mode       TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    status     INTEGER,
    final_url  TEXT,
    title      TEXT,
    data       TEXT NOT NULL,
    checked_at REAL NOT NULL,
    expires_at REAL NOT NULL
)
"""


class LinkCache:
    """The cache file; a no-op stand-in when the directory cannot be written."""

    def __init__(self, directory: Path, ttl_hours: float):
        self.path = Path(directory) / FILE_NAME
        self.ttl_s = max(0.0, ttl_hours * 3600.0)
        self.problem: str | None = None
        self._pending: list[tuple[Any, ...]] = []
        self._forget: list[str] = []
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except (OSError, sqlite3.Error) as exc:
            try:
                # Not a database, or from a newer schema: it is only a cache.
                if self.path.exists():
                    self.path.replace(self.path.with_suffix(".sqlite.bad"))
                self._db = self._open()
            except (OSError, sqlite3.Error):
                self.problem = f"link cache disabled: {exc}"
                self._db = None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            db.execute("DROP TABLE IF EXISTS links")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        db.execute(_SCHEMA)
        if version == 0:
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        db.execute("SELECT count(*) FROM links").fetchone()  # fails early on a damaged file
        return db

    # -- reading -----------------------------------------------------------
    def lookup(self, wanted: dict[str, str], now: float | None = None) -> dict[str, LinkResult]:
        """Fresh cached results for ``{key: mode}``, where the cached mode covers the wanted one."""
        if self._db is None or not wanted or self.ttl_s <= 0:
            return {}
        now = time.time() if now is None else now
        out: dict[str, LinkResult] = {}
        keys = list(wanted)
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            try:
                rows = self._db.execute(
                    f"SELECT key, mode, outcome, status, final_url, title, data, checked_at FROM links "
                    f"WHERE key IN ({marks}) AND expires_at > ?",
                    (*chunk, now),
                ).fetchall()
            except sqlite3.Error:
                return out
            for key, mode, outcome, status, final_url, title, data, checked_at in rows:
                if not _covers(mode, wanted[key]):
                    continue
                extra = json.loads(data)
                anchors = extra.get("anchors")
                out[key] = LinkResult(
                    key=key,
                    url=extra.get("url", key),
                    outcome=Outcome(outcome),
                    status=status,
                    reason=extra.get("reason", ""),
                    final_url=final_url,
                    redirects=[tuple(h) for h in extra.get("redirects", [])],  # type: ignore[misc]
                    moved_to=extra.get("moved_to"),
                    title=title,
                    meta=extra.get("meta", {}),
                    anchors=set(anchors) if anchors is not None else None,
                    body_complete=extra.get("body_complete", False),
                    checked_at=checked_at,
                    cached=True,
                    resolver=extra.get("resolver"),
                )
        return out

    # -- writing -----------------------------------------------------------
    def store(self, result: LinkResult, mode: str) -> None:
        """Queue a result: ok results are kept, anything else removes an old row."""
        if self._db is None:
            return
        if result.outcome is not Outcome.ok or self.ttl_s <= 0:
            self._forget.append(result.key)
            return
        data = {
            "url": result.url,
            "reason": result.reason,
            "redirects": result.redirects,
            "moved_to": result.moved_to,
            "meta": result.meta,
            "anchors": sorted(result.anchors) if result.anchors is not None else None,
            "body_complete": result.body_complete,
            "resolver": result.resolver,
        }
        self._pending.append(
            (result.key, mode, result.outcome.value, result.status, result.final_url, result.title,
             json.dumps(data, ensure_ascii=False), result.checked_at, result.checked_at + self.ttl_s)
        )

    def flush(self) -> None:
        """Write queued rows in one transaction."""
        if self._db is None or not (self._pending or self._forget):
            return
        pending, forget = self._pending, self._forget
        self._pending, self._forget = [], []
        try:
            self._db.execute("BEGIN IMMEDIATE")
            if forget:
                self._db.executemany("DELETE FROM links WHERE key = ?", [(k,) for k in forget])
            if pending:
                self._db.executemany(
                    "INSERT OR REPLACE INTO links (key, mode, outcome, status, final_url, title, data, checked_at,"
                    " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    pending,
                )
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self.problem = f"link cache not updated: {exc}"

    @property
    def pending(self) -> int:
        return len(self._pending) + len(self._forget)

    def close(self) -> None:
        if self._db is not None:
            self.flush()
            self._db.close()
            self._db = None


def _covers(have: str, want: str) -> bool:
    if have == want:
        return True
    if have in MODES and want in MODES:
        return MODES.index(have) >= MODES.index(want)
    return False
