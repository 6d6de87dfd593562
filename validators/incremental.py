"""Re-lint after an edit without loading every card again.

``kb lint`` with its cache on records each run (a *lint record*,
``lint-<key>.json`` in the cache folder): every card file's status (size,
times, inode) and content hash, and every diagnostic the run gave, each with
the scope of its rule and, for a whole-graph rule's finding, the data path it
points at. The key holds all the run depended on besides the cards: kb's
code, Python's and the libraries' versions, the effective configuration, the
rules selected and their options, the cards root and the loader's limits.

The next run lists the cards root and compares each file's status with the
record. A file whose status is unchanged, and was neither written nor
changed within :data:`RACY_NS` before the recorded run started (when a file
system clock tick could hide a later write), is the file that was checked. Any other is read and hashed,
and an equal hash means unchanged too. What is left changed is checked again
alone, and the record's diagnostics are reused for everything else, when
these all hold:

* the same files are listed, in the same order, and each changed file was,
  before and after the edit, a card with no load problem (no KB101-KB103,
  not recovered from a schema failure) that its id resolves to;
* the edit touched only prose (:data:`PROSE`): text that no whole-graph rule
  reads, which may change freely as long as it stays empty or non-empty; and
  keys no whole-graph rule reads at all (:data:`UNREAD`: a claim's status,
  evidence and check), which may also come and go.
  The rest of the card, its *structure*, is equal to what it was, compared on
  the parse results (the old one comes from the parse cache, see
  :mod:`kb.filecache`);
* every whole-graph finding inside a changed card names its place by data
  path (:meth:`validators.context.RuleContext.at`), so that it can follow the
  edit to its new line and column.

Then the whole-graph rules would give the same findings as before (same
inputs); only those inside a changed card move, and they are put at the new
position of their data path. The card-scoped rules run on the changed cards
(through the finding cache, :mod:`validators.findingcache`). Otherwise the
run loads and checks every card, as without a record, and writes a new one.

A record is written to a temporary file and renamed into place, so a run
killed at any point leaves the old record or the new one; concurrent runs
each leave a record consistent with itself. A record that cannot be read is
ignored. A record that is not written (a finding's data that JSON cannot
carry back exactly) costs only the next run's time: the old record still
describes the files it lists. ``tests/test_incremental.py`` checks that
:data:`PROSE` holds no field a whole-graph rule reads, and that reused runs
give byte for byte what a cold run gives.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.config import KbConfig
from kb.filecache import ParseCache, content_hash, entry_key, settings_key
from kb.loader import LoadError, LoadedYaml, read_source
from kb.store import CardFile, KnowledgeBase, finish_card, scan_cards
from validators.diagnostic import Diagnostic, Severity

FORMAT = 1
PREFIX = "lint-"
#: a file written this close before the recorded run started may have been written again in the
#: same tick of the file system's clock, leaving its status as recorded: its bytes are hashed
RACY_NS = 2_000_000_000
#: records not rewritten for this long are removed
KEEP_SECONDS = 30 * 24 * 3600

#: the names :meth:`RuleContext.at` takes besides a finding's data
_AT_NAMES = frozenset({"card", "message", "hint", "key"})

ANY = "*"
#: Data paths, per kind of card, of the text no whole-graph rule reads (``*``: every item or key).
#: A change there re-runs only the card-scoped rules on the card. A path belongs here only when
#: no rule with ``scope = "kb"`` reads more of its value than whether it is empty;
#: tests/test_incremental.py holds every whole-graph rule to that.
PROSE: dict[str, tuple[tuple[str, ...], ...]] = {
    "topic": (
        ("title",),
        ("summary",),
        ("aliases", ANY),
        ("resources", ANY, "title"),
        ("resources", ANY, "authors", ANY),
        ("resources", ANY, "source"),
        ("resources", ANY, "url"),
        ("resources", ANY, "why"),
        ("resources", ANY, "note"),
        ("coverage", "strong"),
        ("coverage", "weak"),
        ("coverage", "gaps"),
        ("courses", ANY, "emphasis"),
        ("claims", ANY, "text"),
        ("claims", ANY, "source"),
    ),
    "digest": (
        ("title",),
        ("authors", ANY),
        ("url",),
        ("focus",),
        ("key_points",),
        ("claims", ANY, "text"),
        ("claims", ANY, "source"),
    ),
    "course": (
        ("title",),
        ("audience",),
        ("summary",),
    ),
}


#: Keys, per kind of card, that no whole-graph rule reads at all, neither their value nor whether
#: they are there: a claim's status, its evidence and its machine check (what verifying a claim
#: changes). They may be added, changed or removed; tests/test_incremental.py removes them all.
UNREAD: dict[str, tuple[tuple[str, ...], ...]] = {
    "topic": (("claims", ANY, "status"), ("claims", ANY, "evidence"), ("claims", ANY, "check")),
    "digest": (("claims", ANY, "status"), ("claims", ANY, "evidence"), ("claims", ANY, "check")),
    "course": (),
}

_TEXT, _GONE = "text", "gone"


def _trie(marks: tuple[tuple[tuple[str, ...], ...], str], *more: tuple[tuple[tuple[str, ...], ...], str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for paths, mark in (marks, *more):
        for path in paths:
            node = root
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = mark
    return root


_TRIES = {kind: _trie((PROSE[kind], _TEXT), (UNREAD[kind], _GONE)) for kind in PROSE}


def structure(kind: str, data: Any) -> str:
    """The card's parsed data with each prose string reduced to whether it is empty and the unread
    keys left out, as text that tells apart key order and the type of every value (``True`` from
    ``1``, ``1`` from ``1.0``)."""
    return repr(_strip(data, _TRIES[kind]))


def _strip(value: Any, trie: Any) -> Any:
    if trie == _TEXT:
        return ("prose", bool(value.strip())) if isinstance(value, str) else value
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            inner = trie.get(k, trie.get(ANY))
            if inner == _GONE:
                continue
            out.append((k, v if inner is None else _strip(v, inner)))
        return out
    if isinstance(value, list):
        inner = trie.get(ANY)
        return [_strip(v, inner) for v in value] if inner is not None else value
    return value


# --------------------------------------------------------------------------- the record


@dataclass(slots=True)
class _File:
    kind: str
    path: str
    rel: str | None
    sig: tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
    digest: str | None  # content hash of the bytes checked; None when not read
    #: "card": a card its id resolves to, with no load problem; "other": anything else
    state: str

    def row(self) -> list[Any]:
        return [self.kind, self.path, self.rel, *self.sig, self.digest, self.state]


@dataclass(slots=True)
class _Entry:
    """A diagnostic as recorded: with its rule's scope and the data path it was found at."""

    diagnostic: Diagnostic
    scope: str
    at: tuple[tuple, bool] | None

    def row(self) -> list[Any]:
        d = self.diagnostic
        at = None if self.at is None else [list(self.at[0]), self.at[1]]
        return [d.code, d.name, d.severity.value, d.path, d.line, d.col, d.end_line, d.end_col, d.card,
                d.message, d.hint, d.url, d.data, self.scope, at]


def _entry(row: list[Any]) -> _Entry:
    code, name, severity, path, line, col, end_line, end_col, card, message, hint, url, data, scope, at = row
    if not isinstance(data, dict) or scope not in ("card", "kb"):
        raise ValueError("malformed diagnostic")
    diagnostic = Diagnostic(code, name, Severity(severity), path, line, col, end_line, end_col, card, message,
                            hint, url, data)
    return _Entry(diagnostic, scope, None if at is None else (tuple(at[0]), bool(at[1])))


def _sig(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@dataclass(slots=True)
class Reused:
    """What a reused run reports: its diagnostics, the number of files and their texts for code frames."""

    diagnostics: list[Diagnostic]
    files: int
    sources: Mapping[str, str]


class _Sources(Mapping[str, str]):
    """Card texts by relative path, read (as the loader reads them) only when a reporter asks."""

    def __init__(self, paths: dict[str, str], max_bytes: int):
        self._paths = paths
        self._max = max_bytes
        self._texts: dict[str, str] = {}

    def __getitem__(self, rel: str) -> str:
        if rel not in self._texts:
            try:
                self._texts[rel] = read_source(Path(self._paths[rel]), max_bytes=self._max)[1]
            except (OSError, LoadError):
                raise KeyError(rel) from None
        return self._texts[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


class LintRecord:
    """The record of the last ``kb lint`` of one cards root under one configuration (see the module)."""

    def __init__(self, root: Path, config: KbConfig, cache_dir: Path, *, max_file_bytes: int, max_nodes: int):
        from validators.engine import active_rules, rule_options
        from validators.findingcache import code_fingerprint

        self.root = root
        self.config = config
        self.cache_dir = cache_dir
        self.max_file_bytes = max_file_bytes
        self.max_nodes = max_nodes
        self.rules = active_rules(config, ("offline",))
        options = {rule.code: rule_options(rule, config) for rule in self.rules}
        self.card_rules = [(r, options[r.code]) for r in self.rules if r.scope == "card"]
        h = hashlib.blake2b(f"{FORMAT}\0{code_fingerprint()}\0{max_file_bytes}\0{max_nodes}\0".encode(), digest_size=16)
        h.update(os.fsencode(root.resolve()))  # a folder's name need not be UTF-8
        h.update(config.model_dump_json().encode())
        for rule in self.rules:
            h.update(f"\0{rule.code}:{rule.scope}:{options[rule.code].model_dump_json()}".encode())
        self.key = h.hexdigest()
        self.path = cache_dir / f"{PREFIX}{self.key}.json"
        #: when this run started looking at the files: a file written after it may be newer than what is checked
        self.started_ns = time.time_ns()
        #: the card files as this run lists them (:func:`kb.store.scan_cards`); pass it to the loader
        self.listing: list[CardFile] = scan_cards(root)
        #: why :meth:`reuse` asked for a full run, when it did
        self.declined: str | None = None

    def _no(self, reason: str) -> None:
        self.declined = reason
        return None

    # ------------------------------------------------------------------ reading

    def _read(self) -> tuple[int, list[_File], list[str], list[_Entry]] | None:
        try:
            doc = json.loads(self.path.read_text(encoding="ascii"))
            if doc.get("format") != FORMAT or doc.get("key") != self.key:
                return None
            files = [_File(k, p, r, (int(a), int(b), int(c), int(d)), h, s) for k, p, r, a, b, c, d, h, s in doc["files"]]
            entries = [_entry(row) for row in doc["diagnostics"]]
            cards = [str(rel) for rel in doc["cards"]]
            return int(doc["started_ns"]), files, cards, entries
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None  # no record, or one this code cannot read: a full run writes a new one

    def reuse(self) -> Reused | None:
        """The diagnostics of this run from the record and the changed cards alone, or None when
        a full run is needed (see the module)."""
        if any(rule.judges_whole for rule, _ in self.card_rules):
            return self._no("a card-scoped rule judges a field whole")  # its findings could go with another card's removed part
        read = self._read()
        if read is None:
            return self._no("no record of an earlier run with this code and configuration")
        recorded_ns, files, cards, entries = read
        if len(files) != len(self.listing):
            return self._no("card files were added or removed")
        now: list[_File] = []
        changed: list[int] = []
        hashed = False  # a newer record lets the next run trust what was hashed here
        for i, (found, old) in enumerate(zip(self.listing, files)):
            if (found.kind, found.file, found.rel) != (old.kind, old.path, old.rel):
                return self._no("card files were added, removed or renamed")
            sig = _sig(found.stat)
            # a writer may set the modification time back (cp -p, touch -r): the change time says when it wrote
            if found.rel is None or (sig == old.sig and max(old.sig[1], old.sig[2]) < recorded_ns - RACY_NS):
                now.append(_File(old.kind, old.path, old.rel, sig, old.digest, old.state))
                continue
            if old.digest is None:
                return self._no(f"{found.file} changed and was not a card")
            try:
                raw, _ = read_source(found.path, max_bytes=self.max_file_bytes)
            except (OSError, LoadError):
                return self._no(f"{found.file} cannot be read")
            hashed = True
            if content_hash(raw) == old.digest:
                now.append(_File(old.kind, old.path, old.rel, sig, old.digest, old.state))
                continue
            if old.state != "card":
                return self._no(f"{found.file} changed and had a load problem")
            now.append(_File(old.kind, old.path, old.rel, sig, None, "card"))  # hash filled in by _recheck
            changed.append(i)
        if changed:
            fresh = self._recheck([self.listing[i] for i in changed], [files[i] for i in changed], now, changed, entries)
            if fresh is None:
                return None
            entries = fresh
        if hashed:
            self._write(now, cards, entries)
        paths = {f.rel: f.file for f in self.listing if f.rel is not None}
        return Reused(
            diagnostics=[e.diagnostic for e in entries],
            files=len(self.listing),
            sources=_Sources({rel: paths[rel] for rel in cards if rel in paths}, self.max_file_bytes),
        )

    def _recheck(
        self, found: list[CardFile], old: list[_File], now: list[_File], where: list[int], entries: list[_Entry]
    ) -> list[_Entry] | None:
        """The record's diagnostics with those inside the ``found`` (changed) cards made again, or None."""
        import networkx as nx

        from kb.filecache import decode, parse_all
        from validators.context import RuleContext
        from validators.engine import stamp
        from validators.findingcache import card_scoped_findings
        from validators.registry import all_rules

        settings = settings_key(self.max_nodes)
        cache = ParseCache(self.cache_dir)
        try:
            stored = cache.get_many(entry_key(settings, f.kind, str(f.digest)) for f in old)
        finally:
            cache.close()
        hashes: dict[int, str] = {}
        results = parse_all([(f.kind, f.path) for f in found], max_file_bytes=self.max_file_bytes,
                            max_nodes=self.max_nodes, cache_dir=self.cache_dir, jobs=1, hashes=hashes)
        view = KnowledgeBase(root=self.root)
        for n, (f, was, result) in enumerate(zip(found, old, results)):
            before = stored.get(entry_key(settings, f.kind, str(was.digest)))
            if not isinstance(result, LoadedYaml) or result.problems or n not in hashes:
                return self._no(f"{f.file} has a load problem now")
            try:
                previous = decode(before, "", self.max_nodes) if before is not None else None
            except (ValueError, TypeError, KeyError):
                previous = None
            if not isinstance(previous, LoadedYaml) or previous.problems:
                return self._no(f"the parse of {f.file} before the edit is not in the cache")
            if structure(f.kind, previous.data) != structure(f.kind, result.data):
                return self._no(f"the edit of {f.file} is not only prose")
            card = finish_card(view, f.kind, f.path, result, rel=f.rel)
            if card is None or card.recovered or view.problems or card.id in view.by_kind(f.kind):
                return self._no(f"{f.file} has a load problem now")
            view.files.append(f.path)
            view.hashes[card.rel] = hashes[n]  # keys its card-scoped findings as a full run would
            view.all_cards.append(card)
            view.by_kind(f.kind)[card.id] = card
            now[where[n]].digest = hashes[n]
        ctx = RuleContext(view, nx.MultiDiGraph(), self.config)
        by_rel = {card.rel: card for card in view.all_cards}
        rules = all_rules()
        out = [e for e in entries if e.diagnostic.path not in by_rel]
        for e in entries:
            card = by_rel.get(e.diagnostic.path)
            if card is None or e.scope == "card":
                continue
            if e.at is None:
                return self._no(f"a {e.diagnostic.code} finding in {e.diagnostic.path} cannot follow the edit")
            d = e.diagnostic
            rule = rules.get(d.code)
            if rule is None or not _AT_NAMES.isdisjoint(d.data):
                return self._no(f"a {d.code} finding in {d.path} cannot be made again")
            finding = ctx.at(card, *e.at[0], message=d.message, hint=d.hint, key=e.at[1], **d.data)
            out.append(_Entry(stamp(rule, finding, self.config), "kb", e.at))
        if self.card_rules:
            scoped = card_scoped_findings(ctx, self.card_rules, self.cache_dir)
            if scoped is None:
                return self._no("a card-scoped rule reported outside its card")
            out.extend(_Entry(stamp(rule, f, self.config), "card", None) for rule, f in scoped)
        out.sort(key=lambda e: e.diagnostic.sort_key())
        return out

    # ------------------------------------------------------------------ writing

    def save(self, kb: KnowledgeBase, diagnostics: list[Diagnostic], origins: dict[int, tuple[str, tuple | None]]) -> bool:
        """Record a full run over ``kb`` (loaded from :attr:`listing`) that gave ``diagnostics``;
        False when it could not be recorded."""
        if [str(p) for p in kb.files] != [f.file for f in self.listing]:
            return False
        with_problems = {str(p.path) for p in kb.problems}
        cards = {card.rel: card for card in kb.all_cards}
        files = []
        for f in self.listing:
            card = cards.get(f.rel) if f.rel is not None else None
            clean = (
                card is not None
                and not card.recovered
                and f.file not in with_problems
                and kb.by_kind(card.kind).get(card.id) is card
            )
            digest = kb.hashes.get(f.rel) if f.rel is not None else None
            files.append(_File(f.kind, f.file, f.rel, _sig(f.stat), digest, "card" if clean and digest else "other"))
        entries = []
        for d in diagnostics:
            scope, at = origins.get(id(d), ("kb", None))
            entries.append(_Entry(d, scope, at))
        return self._write(files, [card.rel for card in kb.all_cards], entries)

    def _write(self, files: list[_File], cards: list[str], entries: list[_Entry]) -> bool:
        doc = {
            "format": FORMAT,
            "key": self.key,
            "started_ns": self.started_ns,
            "files": [f.row() for f in files],
            "cards": cards,
            "diagnostics": [e.row() for e in entries],
        }
        try:
            # ASCII: a file name that is not UTF-8 comes back from its escapes as it went in
            text = json.dumps(doc, allow_nan=False)
        except (TypeError, ValueError):
            return False
        # a tuple would come back a list, a float equal to an int as an int: what repr shows must survive
        if repr(json.loads(text)["diagnostics"]) != repr(doc["diagnostics"]):
            return False
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="ascii")
            os.replace(tmp, self.path)
        except (OSError, ValueError):
            try:
                tmp.unlink()
            except OSError:
                pass
            return False
        self._sweep()
        return True

    def _sweep(self) -> None:
        """Remove records of other keys not written for :data:`KEEP_SECONDS`, and temporary files
        a killed run left more than an hour ago."""
        now = time.time()
        try:
            found = [(p, now - KEEP_SECONDS) for p in self.cache_dir.glob(f"{PREFIX}*.json") if p != self.path]
            found += [(p, now - 3600) for p in self.cache_dir.glob(f".{PREFIX}*.tmp")]
        except OSError:
            return
        for other, horizon in found:
            try:
                if other.stat().st_mtime < horizon:
                    other.unlink()
            except OSError:
                pass
