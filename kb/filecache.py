"""Parse results of card files, kept between runs so a re-lint parses only what changed.

A card file's parse result (its plain data and the problems parsing found:
syntax errors, limits, duplicate keys) depends only on its bytes, its kind,
the loader's limits and the loader itself. Each result is stored under a key
made of all four: the content hash of the file, the card kind, the limits,
and kb's version together with a hash of the code that reads cards and the
versions of Python, PyYAML and libyaml. Editing one card, changing a limit or
upgrading kb or Python therefore misses only what it must.

What is stored is data, never code: JSON text in a SQLite database
(``<cache dir>/lint.sqlite``) in write-ahead-log mode, written in one
transaction at the end of a run. A run killed at any point leaves either the
old database or the new one; concurrent runs read a consistent snapshot and
take turns to write. An entry that cannot be read is a miss, and a database
that cannot be opened is set aside and rebuilt; the worst a damaged cache can
cost is the time to parse again.

Schema validation is not cached: pydantic validates a parsed card in a small
fraction of the time parsing takes, and re-running it keeps every schema
message exactly as a cold run gives it. Positions of cached cards are parsed
again only when a diagnostic asks for one (:class:`LazySourceMap`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import sqlite3
import sys
import threading
import time
from array import array
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from kb import __version__
from kb.loader import DeferredSourceMap, LoadedYaml, LoadError, Span, load_text, paths_from_offsets, read_source

CACHE_FILE = "lint.sqlite"
#: entries not used for this long are dropped at the end of a run
KEEP_SECONDS = 30 * 24 * 3600
_BATCH = 500  # keys per SELECT: below SQLite's limit on bound parameters


def library_versions() -> str:
    """The Python and YAML library versions that decide what a card parses to (and what the rules make of it)."""
    import platform
    import sys

    import yaml

    libyaml = "none"
    if getattr(yaml, "__with_libyaml__", False):
        from yaml import _yaml  # the C extension; its parser is libyaml's

        libyaml = _yaml.get_version_string()
    return f"{platform.python_implementation()}-{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}:{yaml.__version__}:{libyaml}"


def code_fingerprint() -> str:
    """kb's, Python's, PyYAML's and libyaml's versions plus a hash of the modules whose code decides a parse result."""
    h = hashlib.blake2b(f"{__version__}:{library_versions()}".encode(), digest_size=12)
    here = Path(__file__).parent
    for name in ("loader.py", "filecache.py"):
        try:
            h.update((here / name).read_bytes())
        except OSError:  # an installed copy without sources: the version alone keys it
            pass
    return h.hexdigest()


def settings_key(max_nodes: int) -> str:
    return f"{code_fingerprint()}:{max_nodes}"


def content_hash(raw: bytes) -> str:
    """The hash of a file's bytes that keys its parse result."""
    return hashlib.blake2b(raw, digest_size=20).hexdigest()


def entry_key(settings: str, kind: str, digest: str) -> str:
    """The key of the parse result of a ``kind`` card whose bytes have the :func:`content_hash` ``digest``."""
    return f"{settings}:{kind}:{digest}"


# --------------------------------------------------------------------------- entries


def _span_list(span: Span) -> list[int]:
    return [span.line, span.col, span.end_line, span.end_col]


def _packed(offsets: Sequence[int]) -> str:
    """Offsets as the text of their unsigned 64-bit little-endian bytes: a tenth of the time of a JSON list to write and read."""
    packed = array("Q", offsets)
    if sys.byteorder == "big":  # pragma: no cover - the same entry must read the same everywhere
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def _unpacked(text: str) -> array:
    packed = array("Q")
    packed.frombytes(base64.b64decode(text.encode("ascii"), validate=True))
    if sys.byteorder == "big":  # pragma: no cover
        packed.byteswap()
    return packed


def encode(result: LoadedYaml | LoadError) -> str | None:
    """A parse result as JSON text, or None when its data cannot round-trip through JSON exactly."""
    if isinstance(result, LoadError):
        return json.dumps({"error": [result.message, result.kind, result.hint, _span_list(result.span)]})
    if not result.json_exact:
        return None
    entry: dict[str, Any] = {
        "data": result.data,
        "problems": [[p.message, p.kind, p.hint, _span_list(p.span)] for p in result.problems],
    }
    visits = getattr(result.source, "visits", None)
    if not result.problems and visits is not None:
        # The offsets, in the order the loader visited the values: walking the data in the same
        # order gives each one's path back. A duplicate key breaks that order, so then positions
        # are parsed again instead.
        _data, offsets, key_offsets, styles = visits
        try:
            entry["offsets"] = _packed(offsets)
            entry["key_offsets"] = _packed(key_offsets)
        except OverflowError:  # pragma: no cover - a file of more than 4 GiB characters
            del entry["offsets"]
        else:
            entry["styles"] = [list(style) for style in styles]
    try:
        return _ENTRY_JSON.encode(entry)
    except (TypeError, ValueError):
        return None


#: One encoder for every entry. ASCII escapes: JSON's encoder writes them faster than it copies
#: other characters. No check for values that contain themselves: the loader builds a fresh
#: tree for each document (an alias is expanded into a copy, a recursive one is refused).
_ENTRY_JSON = json.JSONEncoder(allow_nan=False, check_circular=False)


def decode(text: str, source_text: str, max_nodes: int) -> LoadedYaml | LoadError:
    """The parse result stored by :func:`encode`; raises ValueError on anything malformed."""
    entry = json.loads(text)
    if not isinstance(entry, dict):
        raise ValueError("not an entry")
    if "error" in entry:
        message, kind, hint, span = entry["error"]
        return LoadError(message, Span(*span), kind=kind, hint=hint)
    problems = [LoadError(m, Span(*span), kind=k, hint=h) for m, k, h, span in entry["problems"]]
    offsets = text if "offsets" in entry else None
    return LoadedYaml(entry["data"], LazySourceMap(source_text, max_nodes, offsets), source_text, problems)


class LazySourceMap(DeferredSourceMap):
    """A source map made only when a position is first asked for.

    From the stored offsets when the entry has them (a walk over the data, no
    parsing), else by parsing the text again.
    """

    __slots__ = ("_entry",)

    def __init__(self, text: str, max_nodes: int, entry: str | None = None):
        super().__init__(text, max_nodes)
        #: the cache entry, kept as its text (one string) until positions are needed
        self._entry = entry

    def _kept_paths(self) -> tuple[Any, Any, Any] | None:
        if self._entry is None:
            return None
        try:
            entry = json.loads(self._entry)
            return paths_from_offsets(
                entry["data"], _unpacked(entry["offsets"]), _unpacked(entry["key_offsets"]), entry["styles"]
            )
        except (TypeError, ValueError, KeyError, AttributeError):  # a damaged entry: parse instead
            return None

    def _drop_kept(self) -> None:
        self._entry = None


# --------------------------------------------------------------------------- the store


class ParseCache:
    """The SQLite store of parse results. Every failure to use it degrades to a miss."""

    def __init__(self, folder: Path, table: str = "parsed"):
        if not table.isidentifier():
            raise ValueError(f"not a table name: {table!r}")
        self.path = folder / CACHE_FILE
        self.table = table
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, str] = {}
        self._hits: list[str] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except (OSError, sqlite3.Error):
            self._db = self._reopen_fresh()

    def _open(self) -> sqlite3.Connection:
        # the commit may finish in another thread (see close_later); never two threads at once
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT PRIMARY KEY, value TEXT NOT NULL, used INTEGER NOT NULL)")
        # the sweep of old entries at each close finds them by this index instead of reading every row
        db.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_used ON {self.table} (used)")
        db.execute(f"SELECT count(*) FROM {self.table} LIMIT 1").fetchone()
        return db

    def _reopen_fresh(self) -> sqlite3.Connection | None:
        """Set a damaged database aside and start a new one; None when the folder is not writable."""
        try:
            for suffix in ("", "-wal", "-shm"):
                side = Path(str(self.path) + suffix)
                if side.exists():
                    os.replace(side, Path(f"{side}.damaged"))
            return self._open()
        except (OSError, sqlite3.Error):
            return None

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        if self._db is None:
            return {}
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        try:
            for i in range(0, len(wanted), _BATCH):
                chunk = wanted[i : i + _BATCH]
                marks = ",".join("?" * len(chunk))
                found.update(self._db.execute(f"SELECT key, value FROM {self.table} WHERE key IN ({marks})", chunk).fetchall())
        except sqlite3.Error:
            return {}
        self._hits = list(found)
        return found

    def put(self, key: str, value: str) -> None:
        self._pending[key] = value

    def close(self) -> None:
        """Write this run's new entries in one transaction, mark hits as used, drop old entries."""
        self.close_later()()

    def close_later(self) -> Callable[[], None]:
        """:meth:`close`, returning as soon as the rows are in the transaction; call the function returned
        to wait for the commit.

        The commit, most of the time a large write takes (SQLite writes the log, copies it into
        the database and syncs the file), runs in a thread that needs no Python lock meanwhile, so
        the caller's next work goes on beside it.
        """
        db, self._db = self._db, None
        if db is None:
            return _nothing
        if not self._pending and not self._hits:  # nothing read or written: nothing to record
            db.close()
            return _nothing
        now = int(time.time())
        day = now - 24 * 3600
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                f"INSERT OR REPLACE INTO {self.table} (key, value, used) VALUES (?, ?, ?)",
                [(k, v, now) for k, v in self._pending.items()],
            )
            # a used mark a day old is fresh enough: most warm runs write nothing
            for i in range(0, len(self._hits), _BATCH):
                chunk = self._hits[i : i + _BATCH]
                marks = ",".join("?" * len(chunk))
                db.execute(f"UPDATE {self.table} SET used = ? WHERE used < ? AND key IN ({marks})", [now, day, *chunk])
            db.execute(f"DELETE FROM {self.table} WHERE used < ?", (now - KEEP_SECONDS,))
        except sqlite3.Error:
            _rollback(db)
            return _nothing
        finally:
            self._pending.clear()
        failure: list[BaseException] = []

        def commit() -> None:
            try:
                db.execute("COMMIT")
            except sqlite3.Error:
                _rollback(db)
            except BaseException as exc:  # raised again where the commit is waited for
                failure.append(exc)
                _rollback(db)
            else:
                db.close()

        # a daemon: a process that ends without waiting leaves the transaction uncommitted, never half-written
        thread = threading.Thread(target=commit, name="kb-cache-commit", daemon=True)
        thread.start()

        def wait() -> None:
            thread.join()
            if failure:
                raise failure[0]

        return wait


def _rollback(db: sqlite3.Connection) -> None:
    try:
        db.execute("ROLLBACK")
    except sqlite3.Error:
        pass
    finally:
        db.close()


def _nothing() -> None:
    """What waiting for a write that did not happen does."""


# --------------------------------------------------------------------------- parsing many files


#: what the worker processes may run on each card they parse, beside the main process (see parse_all)
CardCheck = Callable[[str, Path, str, str, LoadedYaml], "tuple[str, str] | None"]
#: a card to check: its index in the files parsed, kind, path, path relative to the cards root and content hash
_Card = tuple[int, str, Path, str, str]

#: in a worker process: the run's card check, set when the worker starts
_card_check: CardCheck | None = None
#: in a worker process: the cards it parsed and has not checked yet, with their parse results
_kept: list[tuple[_Card, LoadedYaml]] = []


def _parse_chunk(texts: list[str], max_nodes: int, cards: list[_Card] | None = None) -> list[str | None]:
    """Worker: each of a run of files parsed, as an entry (None: not expressible). With ``cards``,
    each parse result that makes an entry is kept for :func:`_check_kept`."""
    out: list[str | None] = []
    for n, text in enumerate(texts):
        try:
            result: LoadedYaml | LoadError = load_text(text, max_nodes=max_nodes)
        except LoadError as err:
            result = err
        entry = encode(result)
        if cards is not None and entry is not None and isinstance(result, LoadedYaml):
            _kept.append((cards[n], result))
        out.append(entry)
    return out


def _check_kept() -> list[tuple[int, tuple[str, str]]]:
    """Worker: the card check on every card this worker parsed and kept, by index; a card it
    gives nothing for (or fails on) is left to the main process."""
    found: list[tuple[int, tuple[str, str]]] = []
    while _kept:
        (i, *card), loaded = _kept.pop()
        try:
            got = _card_check(*card, loaded) if _card_check is not None else None
        except Exception:  # the main process runs the rules on it, and says what goes wrong
            got = None
        if got is not None:
            found.append((i, got))
    return found


class PendingChecks:
    """What the workers' card check gives, while they work on it beside this process."""

    def __init__(self, pool: Any, futures: list[Any], rels: Sequence[str]):
        self._pool = pool
        self._futures = futures
        self._rels = rels
        self._found: dict[str, tuple[str, str]] | None = None

    def result(self) -> dict[str, tuple[str, str]]:
        """Wait for the workers; what the check gave, by path relative to the cards root. A worker
        that failed gave nothing."""
        if self._found is None:
            found: dict[str, tuple[str, str]] = {}
            try:
                for future in self._futures:
                    found.update((self._rels[i], got) for i, got in future.result())
            except Exception:  # a worker gone: the main process does its share
                found = {}
            finally:
                self._pool.shutdown(wait=True)
            self._found = found
        return self._found

    def cancel(self) -> None:
        """Stop the workers without waiting for what they have in hand."""
        if self._found is None:
            self._found = {}
            self._pool.shutdown(wait=False, cancel_futures=True)


#: below this many files to parse, starting worker processes costs more than it saves
PARALLEL_MIN_FILES = 2000


def resolve_jobs(jobs: int, files: int) -> int:
    """The number of processes to parse ``files`` files with, this one included: ``jobs``, or when 0 a
    choice from the work."""
    if jobs > 0:
        return jobs
    if files < PARALLEL_MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4, files // (PARALLEL_MIN_FILES // 2)))


def parse_all(
    files: list[tuple[str, Path]],
    *,
    max_file_bytes: int,
    max_nodes: int,
    cache_dir: Path | None,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
    hashes: dict[int, str] | None = None,
    commits: list[Callable[[], None]] | None = None,
    card_check: CardCheck | None = None,
    rels: Sequence[str] | None = None,
    checks: list[PendingChecks] | None = None,
) -> list[LoadedYaml | LoadError]:
    """Parse results for ``files`` in order: from the cache where the same bytes were parsed before,
    the rest parsed here and, with several ``jobs``, in worker processes too. ``hashes``, when given,
    receives the :func:`content_hash` of the bytes parsed, by index in ``files``. With ``commits``,
    the cache's write is committed beside the caller's next work (:meth:`ParseCache.close_later`)
    and the function that waits for it is appended there: the caller must call it.

    With ``card_check``, ``rels`` (the files' paths relative to the cards root) and ``checks``,
    once the parsing is done each worker process runs ``card_check`` on the cards it parsed, with
    their kind, path, relative path, content hash and parse result, beside the caller's next
    work; :class:`PendingChecks` for what they give is appended to ``checks``: the caller must
    call its ``result`` or ``cancel``. The files this process parses are not checked."""

    results: list[LoadedYaml | LoadError | None] = [None] * len(files)
    texts: dict[int, str] = {}
    keys: dict[int, str] = {}
    digests: dict[int, str] = {}
    settings = settings_key(max_nodes)
    for i, (kind, path) in enumerate(files):
        try:
            raw, text = read_source(path, max_bytes=max_file_bytes)
        except LoadError as err:
            results[i] = err
            continue
        except OSError as err:
            results[i] = LoadError(f"cannot read file: {err.strerror or err}", Span.point(1, 1))
            continue
        texts[i] = text
        digest = content_hash(raw)
        keys[i] = entry_key(settings, kind, digest)
        digests[i] = digest
        if hashes is not None:
            hashes[i] = digest
    cache = ParseCache(cache_dir) if cache_dir is not None else None
    pending: PendingChecks | None = None
    try:
        stored = cache.get_many(keys.values()) if cache is not None else {}
        todo: list[int] = []
        for i, key in keys.items():
            entry = stored.get(key)
            if entry is not None:
                try:
                    results[i] = decode(entry, texts[i], max_nodes)
                    continue
                except (ValueError, TypeError, KeyError):
                    pass  # a damaged entry is a miss
            todo.append(i)
        done = len(files) - len(todo)

        def finished() -> None:
            nonlocal done
            done += 1
            if progress is not None and done % 100 == 0:
                progress(done, len(files))

        def parse_here(i: int) -> None:
            try:
                results[i] = load_text(texts[i], max_nodes=max_nodes)
            except LoadError as err:
                results[i] = err
            if cache is not None:
                entry = encode(results[i])  # type: ignore[arg-type]
                if entry is not None:
                    cache.put(keys[i], entry)
            finished()

        workers = resolve_jobs(jobs, len(todo)) - 1
        if workers > 0 and len(todo) > 1:
            cards = None
            if card_check is not None and rels is not None and checks is not None:
                cards = {i: (i, files[i][0], files[i][1], rels[i], digests[i]) for i in todo}
            # the workers take the files from the front: with checks, from the end of the listing,
            # the digests, where the card-scoped rules have the most to do
            order = todo if cards is None else todo[::-1]
            encoded, pending = _parse_with_workers(order, texts, max_nodes, workers, parse_here, card_check, cards, rels)
        else:
            encoded = {}
            for i in todo:
                parse_here(i)
        for i, entry in encoded.items():
            if entry is None:  # what JSON cannot say exactly is parsed here
                parse_here(i)
                continue
            results[i] = decode(entry, texts[i], max_nodes)
            if cache is not None:
                cache.put(keys[i], entry)
            finished()
    except BaseException:
        if pending is not None:
            pending.cancel()
        if cache is not None:
            cache.close()
        raise
    if pending is not None:
        checks.append(pending)  # type: ignore[union-attr]
    if cache is not None:
        if commits is None:
            cache.close()
        else:
            commits.append(cache.close_later())
    return results  # type: ignore[return-value]


def _parse_with_workers(
    todo: list[int],
    texts: dict[int, str],
    max_nodes: int,
    workers: int,
    parse_here: Callable[[int], None],
    card_check: CardCheck | None = None,
    cards: dict[int, _Card] | None = None,
    rels: Sequence[str] | None = None,
) -> tuple[dict[int, str | None], PendingChecks | None]:
    """Parse the files ``todo`` in ``workers`` processes and in this one; return the workers' entries
    by file, and with ``cards`` the workers' ``card_check`` on the cards they parsed, under way.

    The files go out in runs: the workers take runs from the front, this process
    (``parse_here``) takes the runs no worker has started from the back, until they
    meet. So this process is never left waiting on work it could have done, however
    busy the machine is, and it decodes the workers' entries once it is done.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork where it is safe (one thread): no interpreter start and no re-import of the main module
    # per worker; elsewhere a fresh interpreter per worker
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    size = max(1, min(_RUN, len(todo) // ((workers + 1) * 16)))
    runs = [todo[k : k + size] for k in range(0, len(todo), size)]
    start = (os.getpid(), context.get_start_method(), card_check if cards is not None else None)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_start, initargs=start)
    pending = None
    try:
        # Ctrl-C goes to the whole foreground process group; it is the main process's to handle.
        # It is held back while the work is handed out and so the workers start: none of them
        # (nor a fork handler) takes it.
        # The pool's threads in this process hand the runs out and take the results in, and need the
        # interpreter's lock for it, which this thread holds while it parses: they would wait up to
        # the switch interval (5 ms by default) each time, and the workers with them.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(min(interval, _SWITCH_INTERVAL))
        try:
            with _sigint_held():
                futures = [
                    pool.submit(_parse_chunk, [texts[i] for i in run], max_nodes, None if cards is None else [cards[i] for i in run])
                    for run in runs
                ]
            for run, future in zip(reversed(runs), reversed(futures)):
                if not future.cancel():  # a worker has it: the rest are theirs too
                    break
                for i in run:
                    parse_here(i)
            out: dict[int, str | None] = {}
            for run, future in zip(runs, futures):
                if not future.cancelled():
                    out.update(zip(run, future.result()))
            if cards is not None and rels is not None:
                # one for each worker: a worker that takes a second finds nothing left to check, and
                # the cards of one that takes none are checked by the main process
                with _sigint_held():
                    pending = PendingChecks(pool, [pool.submit(_check_kept) for _ in range(workers)], rels)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # the workers finish only the runs in hand
            raise
        finally:
            sys.setswitchinterval(interval)
    finally:
        if pending is None:
            pool.shutdown(wait=True)
    return out, pending


#: the most files handed to a worker at once: small enough that the workers and this process
#: meet within a few hundredths of a second of each other
_RUN = 200
#: how long this process's pool threads wait at most for the interpreter's lock while it parses
_SWITCH_INTERVAL = 0.0002


class _sigint_held:
    """Block SIGINT in this thread for the duration; one that arrives meanwhile is raised after."""

    def __enter__(self) -> None:
        self.old = None
        if hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread():
            self.old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def __exit__(self, *exc: object) -> None:
        if self.old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self.old)


def _worker_start(parent: int, method: str, card_check: CardCheck | None = None) -> None:
    """In a worker: keep the run's card check, leave Ctrl-C to the main process, and end when the
    main process is gone.

    A main process killed outright (a CI timeout, the OOM killer) cannot end its workers, and
    they would wait for work for ever, holding its output open.
    """
    global _card_check
    _card_check = card_check
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if method == "forkserver":  # the server is the parent, and it ends when the main process does
        parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="kb-parent-watch", daemon=True).start()
