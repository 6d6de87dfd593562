"""Load a cards root into a :class:`KnowledgeBase`.

A cards root is a folder holding ``topics/``, ``digests/`` and ``courses/``.
Every file becomes either a :class:`Card` (validated model plus source map) or
one or more :class:`Problem` entries, located at ``file:line:col``.  One bad
card never stops the others from loading.
"""

from __future__ import annotations

import gc
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterator, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from kb.loader import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_NODES, LoadedYaml, LoadError, SourceMap, Span, load_file
from kb.schema import CARD_TYPES, Course, Digest, Topic

if TYPE_CHECKING:
    from kb.filecache import CardCheck, PendingChecks

M = TypeVar("M", bound=BaseModel)

CARD_SUFFIXES = (".yaml", ".yml")


@dataclass(slots=True)
class Problem:
    """Something wrong with a file before any rule runs (KB101-KB1xx)."""

    code: str  # "KB101" syntax/limits/tags, "KB102" schema, "KB103" duplicate key
    path: Path
    span: Span
    message: str
    hint: str | None = None
    card: str | None = None


@dataclass(slots=True)
class Card(Generic[M]):
    kind: str
    path: Path  # absolute
    rel: str  # relative to the KB root, posix style
    model: M
    source: SourceMap
    text: str
    #: the file failed its schema and this model holds only its valid parts (see recover_card)
    recovered: bool = False
    #: data paths (as written in the file) of the parts recovery removed; for a known key
    #: removed from a list item, the item (see recover_card)
    pruned: tuple[tuple[Any, ...], ...] = ()
    #: data paths of unknown keys recovery removed: the model never holds them, so their
    #: absence changes nothing else
    unknown_keys: tuple[tuple[Any, ...], ...] = ()
    #: top-level field -> the strings (keys and values) its removed parts held, such as
    #: the topic ids of a removed course module
    pruned_names: dict[str, frozenset[str]] = field(default_factory=dict)

    def lost(self, name: str) -> bool:
        """Whether recovery removed field ``name`` or a part of it, so it is not whole."""
        return any(path[0] == name for path in self.pruned)

    @property
    def id(self) -> str:
        return self.model.id  # type: ignore[attr-defined]

    def span(self, *path: Any) -> Span:
        return self.source.span(*path)


@dataclass
class KnowledgeBase:
    root: Path
    topics: dict[str, Card[Topic]] = field(default_factory=dict)
    digests: dict[str, Card[Digest]] = field(default_factory=dict)
    courses: dict[str, Card[Course]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: every card in load order, duplicates of an id included (KB203)
    all_cards: list[Card[Any]] = field(default_factory=list)
    #: every card file found, in load order, whether or not it became a card
    files: list[Path] = field(default_factory=list)
    #: relative path -> content hash (:func:`kb.filecache.content_hash`) of the bytes parsed,
    #: for each file read through the parse cache or the worker processes
    hashes: dict[str, str] = field(default_factory=dict)
    #: what load_kb's ``card_check`` gives in the worker processes, by relative path, once they are done
    checked: PendingChecks | None = None

    def cards(self) -> Iterator[Card[Any]]:
        yield from self.topics.values()
        yield from self.digests.values()
        yield from self.courses.values()

    def by_kind(self, kind: str) -> dict[str, Card[Any]]:
        return {"topic": self.topics, "digest": self.digests, "course": self.courses}[kind]

    def relpath(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def is_cards_root(path: Path) -> bool:
    return path.is_dir() and any((path / sub).is_dir() for sub, _ in CARD_TYPES.values())


class CardFile(NamedTuple):
    """One card file found under a cards root."""

    kind: str
    #: the file's path as listed (under the root as given)
    file: str
    #: relative to the cards root, posix style; None when a symbolic link leads out of the root
    rel: str | None
    #: the file's status (through links) when it was listed
    stat: os.stat_result

    @property
    def path(self) -> Path:
        return Path(self.file)


def scan_cards(root: Path) -> list[CardFile]:
    """Every card file under ``root`` with its path relative to the root and its status, sorted for stable output.

    What ``sorted(folder.rglob("*"))`` keeps of regular files with a card suffix, in its
    order, from one walk of ``os.scandir``: folders reached through a symbolic link are
    not entered, a link to a file is followed, and a link whose file lies outside the
    root gets no relative path (it is never read).
    """
    real_root = str(root.resolve())
    inside = real_root.rstrip("/") + "/"
    out: list[CardFile] = []
    for kind, (sub, _) in CARD_TYPES.items():
        folder = root / sub
        if not folder.is_dir():
            continue
        found: list[tuple[tuple[str, ...], str, os.DirEntry[str]]] = []
        _walk(str(folder), (), found)
        found.sort(key=lambda f: f[0])
        real_dirs: dict[str, str] = {}
        for _, parent, entry in found:
            try:
                st = entry.stat()
            except OSError:  # a dangling link: not a file
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if entry.is_symlink():
                real = str(Path(entry.path).resolve())
            else:
                real_dir = real_dirs.get(parent)
                if real_dir is None:
                    real_dir = real_dirs[parent] = str(Path(parent).resolve()).rstrip("/") + "/"
                real = real_dir + entry.name
            rel = real[len(inside):] if real.startswith(inside) else None
            out.append(CardFile(kind, entry.path, rel, st))
    return out


def _walk(folder: str, prefix: tuple[str, ...], found: list[tuple[tuple[str, ...], str, os.DirEntry[str]]]) -> None:
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:  # an unreadable folder holds nothing we can load
        return
    for entry in entries:
        parts = (*prefix, entry.name)
        name = entry.name
        dot = name.rfind(".")
        if 0 < dot < len(name) - 1 and name[dot:] in CARD_SUFFIXES:  # Path.suffix, without making a Path
            found.append((parts, folder, entry))
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir and not entry.is_symlink():
            _walk(entry.path, parts, found)


def load_kb(
    root: Path,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
    cache_dir: Path | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    listing: list[CardFile] | None = None,
    card_check: CardCheck | None = None,
) -> KnowledgeBase:
    """Load every card under ``root``.

    ``cache_dir`` keeps parse results between runs (see :mod:`kb.filecache`);
    ``jobs`` parses in that many processes (0: choose from the work and the
    CPUs). Cards, problems and their order are the same whichever is used.
    ``progress(done, total)`` is called as files are parsed, and once at the end.
    ``listing`` is what :func:`scan_cards` gave for ``root``, when the caller has it.
    ``card_check`` runs in the worker processes on each card they parse, beside this
    process's work once the parsing is done (see :func:`kb.filecache.parse_all`); what it
    gives is :attr:`KnowledgeBase.checked`.
    """
    kb = KnowledgeBase(root=root)
    # Loading allocates millions of small objects that all stay alive: the cyclic collector would
    # walk them again and again for nothing to free (a third of the load time at 10,000 topics).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _load_into(kb, root, max_file_bytes, max_nodes, cache_dir, jobs, progress, listing, card_check)
    finally:
        if collecting:
            gc.enable()
    return kb


def _load_into(
    kb: KnowledgeBase,
    root: Path,
    max_file_bytes: int,
    max_nodes: int,
    cache_dir: Path | None,
    jobs: int,
    progress: Callable[[int, int], None] | None,
    listing: list[CardFile] | None,
    card_check: CardCheck | None = None,
) -> None:
    listed = scan_cards(root) if listing is None else listing
    files = [(f.kind, Path(f.file)) for f in listed]
    rels = [f.rel for f in listed]
    # a link out of the cards root is never read: its text would reach the output (a CI log)
    outside = {i for i, rel in enumerate(rels) if rel is None}
    inside = [f for i, f in enumerate(files) if i not in outside]
    from kb.filecache import parse_all, resolve_jobs

    # the parse cache commits its write while the cards are validated
    commits: list[Callable[[], None]] = []
    checks: list[PendingChecks] = []
    if cache_dir is None and resolve_jobs(jobs, len(inside)) <= 1:
        results: list[LoadedYaml | LoadError] | None = None
    else:
        hashes: dict[int, str] = {}
        inside_rels = [rel for rel in rels if rel is not None]
        parsed = iter(parse_all(
            inside, max_file_bytes=max_file_bytes, max_nodes=max_nodes, cache_dir=cache_dir, jobs=jobs, progress=progress,
            hashes=hashes, commits=commits, card_check=card_check, rels=inside_rels, checks=checks,
        ))
        results = [_LINK_OUTSIDE if i in outside else next(parsed) for i in range(len(files))]
        kb.hashes = {inside_rels[j]: digest for j, digest in hashes.items()}
        kb.checked = checks[0] if checks else None
    try:
        for i, (kind, path) in enumerate(files):
            kb.files.append(path)
            if i in outside:
                result: LoadedYaml | LoadError = _LINK_OUTSIDE
            elif results is None:
                result = parse_file(path, max_file_bytes=max_file_bytes, max_nodes=max_nodes)
                if progress is not None and i % 100 == 99:
                    progress(i + 1, len(files))
            else:
                result = results[i]
            card = finish_card(kb, kind, path, result, rel=rels[i])
            if card is None:
                continue
            kb.all_cards.append(card)
            table = kb.by_kind(kind)
            if card.id not in table:  # the first one wins; KB203 reports the rest
                table[card.id] = card
        if progress is not None:
            progress(len(files), len(files))
    except BaseException:
        for pending in checks:
            pending.cancel()
        raise
    finally:
        for wait in commits:
            wait()


_LINK_OUTSIDE = LoadError(
    "file is a symbolic link to a file outside the cards root; it is not read",
    Span.point(1, 1),
    kind="limit",
    hint="copy the card into the cards root, or link to a file inside it",
)


def parse_file(path: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, max_nodes: int = DEFAULT_MAX_NODES) -> LoadedYaml | LoadError:
    """Parse one card file; a file that cannot be read or parsed is a located :class:`LoadError`."""
    try:
        return load_file(path, max_bytes=max_file_bytes, max_nodes=max_nodes)
    except LoadError as err:
        return err
    except OSError as err:
        return LoadError(f"cannot read file: {err.strerror or err}", Span.point(1, 1))


def load_card(
    kb: KnowledgeBase,
    kind: str,
    path: Path,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Card[Any] | None:
    return finish_card(kb, kind, path, parse_file(path, max_file_bytes=max_file_bytes, max_nodes=max_nodes))


def finish_card(
    kb: KnowledgeBase, kind: str, path: Path, loaded: LoadedYaml | LoadError, *, rel: str | None = None
) -> Card[Any] | None:
    """Validate one parsed file into a card, recording every problem on ``kb``; None when there is no card."""
    if rel is None:
        rel = kb.relpath(path)
    if isinstance(loaded, LoadError):
        kb.problems.append(Problem("KB101", path, loaded.span, loaded.message, loaded.hint))
        return None
    for dup in loaded.problems:
        kb.problems.append(Problem("KB103", path, dup.span, dup.message, dup.hint))
    model_cls = CARD_TYPES[kind][1]
    if not isinstance(loaded.data, dict):
        what = "empty" if loaded.data is None else f"a {type(loaded.data).__name__}"
        kb.problems.append(
            Problem(
                "KB102",
                path,
                loaded.source.span(),
                f"a {kind} card must be a mapping of fields, but the file is {what}",
                f"start the file with 'id: {path.stem}' and the other {kind} fields",
            )
        )
        return None
    try:
        model = model_cls.model_validate(loaded.data)
    except ValidationError as exc:
        card_id = loaded.data.get("id") if isinstance(loaded.data.get("id"), str) else None
        errors = exc.errors(include_url=False)
        for err in errors:
            span, message, hint = locate_error(err, loaded.data, loaded.source, model_cls)
            kb.problems.append(Problem("KB102", path, span, message, hint, card_id))
        recovery = recover_card(model_cls, loaded.data, errors)
        if recovery is None:
            return None
        source = RemappedSource(loaded.source, recovery.kept) if recovery.kept else loaded.source
        return Card(kind, path, rel, recovery.model, source, loaded.text, recovered=True,
                    pruned=recovery.pruned, unknown_keys=recovery.unknown_keys, pruned_names=recovery.names)
    return Card(kind, path, rel, model, loaded.source, loaded.text)


#: how many rounds of pruning recovery tries before it gives a card up (a part too small
#: to stand alone, such as a required key, goes in one round and its holder in the next)
_RECOVERY_ROUNDS = 8


@dataclass(slots=True)
class Recovery:
    """What :func:`recover_card` made of a card that failed its schema."""

    model: Any
    #: data paths, as written in the file, of each removed part (for a known key of a list item, the item)
    pruned: tuple[tuple[Any, ...], ...]
    #: data paths, as written in the file, of each unknown key removed
    unknown_keys: tuple[tuple[Any, ...], ...]
    #: top-level field -> the strings its removed parts held (keys and values)
    names: dict[str, frozenset[str]]
    #: for each list that lost items (by its path in the file): the file's index of each item kept
    kept: dict[tuple[Any, ...], list[int]]


def recover_card(model_cls: type[M], data: dict[str, Any], errors: list[dict[str, Any]]) -> Recovery | None:
    """The card's valid parts, so a card that fails its schema in one place is still known by its id.

    Without this, one misspelt resource role made its whole topic vanish, and every
    course and topic naming it reported a missing card: a cascade of false errors
    for one mistake.  Each schema error removes the smallest part that holds it:
    an unknown or wrong key (``modules[0].hours``, ``identifiers.arxiv``), a list
    item (``prerequisites[1]``) or mapping entry (``courses['Intro Course']``)
    that is wrong as a whole, or an optional top-level field.  The rest is
    validated again; a part that cannot stand without a removed key (a resource
    whose required ``role`` was wrong) goes in the next round.  A card whose
    ``id`` or another required top-level field is wrong is not recovered: there
    is nothing safe to stand in for it.

    The caller has already reported every error (KB102).  The result names the
    removed parts (``pruned``, and apart from them the ``unknown_keys``, whose
    absence changes nothing else) in the file's own terms, and keeps each list's
    original indexes (``kept``) so positions of the remaining items stay those
    of the file.  Findings of other rules stay, except those located inside a
    removed part (for a known key of a list item, anywhere in that item) and
    those judging a field that lost a part as a whole (see the rule engine).
    """
    import copy

    if not isinstance(data.get("id"), str):
        return None
    required = {name for name, f in model_cls.model_fields.items() if f.is_required()}
    work = copy.deepcopy(data)
    kept: dict[tuple[Any, ...], list[int]] = {}
    pruned: list[tuple[Any, ...]] = []
    unknown: list[tuple[Any, ...]] = []
    for _ in range(_RECOVERY_ROUNDS):
        for err in errors:
            path, _names = _walk_loc(tuple(err.get("loc", ())), work)
            if err.get("type") == "missing":
                path = path[:-1]  # a missing key: the part that lacks it goes
            done = _prune(work, path, required)
            if done is None:
                return None
            if err.get("type") == "extra_forbidden" and done == path:
                unknown.append(_original_path(done, kept))
            else:
                pruned.append(_original_path(_holder(done), kept))
        _sweep(work, (), kept)  # after the round: removing items earlier would shift the indexes of later errors
        try:
            model = model_cls.model_validate(work)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            continue
        outer = [p for p in dict.fromkeys(pruned) if not any(q != p and p[: len(q)] == q for q in pruned)]
        keys = [p for p in dict.fromkeys(unknown) if not any(p[: len(q)] == q for q in outer)]
        names: dict[str, set[str]] = {}
        for p in outer:
            names.setdefault(str(p[0]), set()).update(_strings_at(data, p))
        return Recovery(model, tuple(outer), tuple(keys), {k: frozenset(v) for k, v in names.items()}, kept)
    return None


def _prune(data: dict[str, Any], path: tuple[Any, ...], required: set[str]) -> tuple[Any, ...] | None:
    """Remove the part of ``data`` at ``path``; returns the path removed, None when nothing safe can go."""
    if not path or path[0] == "id":
        return None
    if len(path) == 1:
        if path[0] in required:
            return None
        data.pop(path[0], None)  # an optional field falls back to its default; an unknown key goes
        return path
    parent: Any = data
    for depth, step in enumerate(path[:-1]):
        if parent is _PRUNED:
            return path[:depth]  # already going with its holder
        if isinstance(parent, dict) and step in parent:
            parent = parent[step]
        elif isinstance(parent, list) and isinstance(step, int) and 0 <= step < len(parent):
            parent = parent[step]
        else:
            return _prune(data, path[:1], required)
    last = path[-1]
    if parent is _PRUNED:
        return path[:-1]  # already going with its holder
    if isinstance(parent, dict):
        parent.pop(last, None)
    elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        parent[last] = _PRUNED
    else:
        return _prune(data, path[:-1], required)
    return path


def _strings_at(data: Any, path: tuple[Any, ...]) -> Iterator[str]:
    """The strings of the part at ``path``: the key naming it and every key and string value inside."""
    if path and isinstance(path[-1], str):
        yield path[-1]
    cur = data
    for step in path:
        try:
            cur = cur[step]
        except (KeyError, IndexError, TypeError):
            return
    stack = [cur]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            stack.extend(k for k in value if isinstance(k, str))
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _holder(path: tuple[Any, ...]) -> tuple[Any, ...]:
    """The list item a removed known key belonged to: without the key, the item means something else.

    A claim whose ``status`` went reads as not verified; what rules say about
    that claim would judge a value the file does not hold.  An unknown key
    changes nothing by going, so it is its own removed part.
    """
    for i in range(len(path) - 1, -1, -1):
        if isinstance(path[i], int):
            return path[: i + 1]
    return path


def _sweep(value: Any, path: tuple[Any, ...], kept: dict[tuple[Any, ...], list[int]]) -> None:
    """Drop the items marked in this round, recording which of the file's indexes each list keeps.

    ``path`` is the value's path in the file (original indexes).
    """
    if isinstance(value, dict):
        for key, item in value.items():
            _sweep(item, path + (key,), kept)
    elif isinstance(value, list):
        index = kept.get(path, list(range(len(value))))
        for i, item in enumerate(value):
            if item is not _PRUNED:
                _sweep(item, path + (index[i],), kept)
        if any(item is _PRUNED for item in value):
            kept[path] = [index[i] for i, item in enumerate(value) if item is not _PRUNED]
            value[:] = [item for item in value if item is not _PRUNED]


def _original_path(path: tuple[Any, ...], kept: dict[tuple[Any, ...], list[int]]) -> tuple[Any, ...]:
    """The file's path for a path into the recovered data (list indexes shift as items go)."""
    out: list[Any] = []
    for step in path:
        index = kept.get(tuple(out))
        if index is not None and isinstance(step, int) and 0 <= step < len(index):
            step = index[step]
        out.append(step)
    return tuple(out)


class RemappedSource:
    """A recovered card's source map, asked with the model's paths and answering with the file's positions.

    Recovery removes list items, so ``resources[1]`` of the model may be the
    file's ``resources[2]``; rules, the claims ledger and link extraction all ask
    by model path.
    """

    __slots__ = ("base", "kept")

    def __init__(self, base: SourceMap, kept: dict[tuple[Any, ...], list[int]]):
        self.base = base
        self.kept = kept

    def __getattr__(self, name: str) -> Any:
        if name in ("base", "kept"):
            raise AttributeError(name)
        return getattr(self.base, name)

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.base, self.kept)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.base, self.kept = state

    def _orig(self, path: tuple[Any, ...]) -> tuple[Any, ...]:
        return _original_path(tuple(path), self.kept)

    def span(self, *path: Any) -> Span:
        return self.base.span(*self._orig(path))

    def key_span(self, *path: Any) -> Span:
        return self.base.key_span(*self._orig(path))

    def has(self, *path: Any) -> bool:
        return self.base.has(*self._orig(path))

    def text_span(self, path: Any, start: int, end: int, text: str) -> Span:
        return self.base.text_span(self._orig(tuple(path)), start, end, text)


class _Pruned:
    """Marks a removed list item until a round ends, so indexes of later errors stay right."""


_PRUNED = _Pruned()


def _walk_loc(loc: tuple[Any, ...], data: Any) -> tuple[tuple[Any, ...], list[str]]:
    """Turn a pydantic ``loc`` into a path through ``data``.

    Pydantic inserts the discriminator tag of a union member into ``loc``
    (``("claims", 0, "check", "params", "value")``); such steps are not keys
    of the data and are skipped.  Returns the data path and a readable name.
    """
    path: list[Any] = []
    names: list[str] = []
    cur = data
    for i, step in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(cur, dict) and not last and cur.get("kind") == step:
            # the tag of a check's union: skip it even where a field has the same name
            # (a formula check's tag is "formula", and so is one of its fields)
            continue
        if isinstance(cur, dict) and step in cur:
            path.append(step)
            names.append(str(step))
            cur = cur[step]
        elif isinstance(cur, list) and isinstance(step, int) and 0 <= step < len(cur):
            path.append(step)
            names.append(f"[{step}]")
            cur = cur[step]
        elif step == "[key]":
            continue  # the error is about the mapping key itself; locate_error handles it
        elif last and isinstance(step, str):
            # a key that is missing or extra: name it; its position is the parent's
            names.append(step)
            path.append(step)
        # anything else is a union tag or validator label: skip it
    return tuple(path), names


def _pretty(names: list[str]) -> str:
    out = ""
    for n in names:
        out += n if n.startswith("[") else (("." if out else "") + n)
    return out or "(card)"


def locate_error(
    err: dict[str, Any], data: Any, source: SourceMap, model_cls: type[BaseModel] | None = None
) -> tuple[Span, str, str | None]:
    """Position, message and hint for one pydantic error."""
    loc = tuple(err.get("loc", ()))
    path, names = _walk_loc(loc, data)
    where = _pretty(names)
    etype = err.get("type", "")
    msg = err.get("msg", "invalid value")
    hint: str | None = None
    if etype == "extra_forbidden":
        span = source.key_span(*path)
        allowed = _allowed_keys(loc[:-1], model_cls)
        message = f"unknown key {path[-1]!r} in {_pretty(names[:-1])}"
        if allowed:
            close = _closest(str(path[-1]), allowed)
            hint = f"did you mean {close!r}?" if close else f"allowed keys: {', '.join(sorted(allowed))}"
        return span, message, hint
    if "[key]" in loc and path:
        span = source.key_span(*path)
        message = f"key {path[-1]!r} in {_pretty(names[:-1])}: {msg.removeprefix('Value error, ')}"
        hint = "ids are lower-case letters, digits and hyphens, e.g. 'intro-to-multimodal'" if etype == "string_pattern_mismatch" else None
        return span, message, hint
    if etype == "missing":
        span = source.span(*path[:-1]) if path else source.span()
        message = f"missing required field {where!r}"
        return Span(span.line, span.col, span.line, span.col), message, f"add '{path[-1] if path else where}:'"
    if etype in ("union_tag_invalid", "union_tag_not_found"):
        target: Any = data
        for step in path:
            target = target[step] if isinstance(target, (dict, list)) else None
        if isinstance(target, dict) and "kind" in target:
            path = path + ("kind",)
    span = source.span(*path)
    if etype == "union_tag_invalid" or etype == "union_tag_not_found":
        hint = "kind must be one of: " + ", ".join(_check_kinds())
    if etype == "enum":
        expected = err.get("ctx", {}).get("expected")
        if expected:
            hint = f"use one of {expected}"
    if etype == "string_pattern_mismatch" and names and not names[-1].startswith("["):
        hint = hint or "ids are lower-case letters, digits and hyphens, e.g. 'vision-transformer'"
    msg = msg.removeprefix("Value error, ")
    return span, f"{where}: {msg}", hint


def _check_kinds() -> list[str]:
    from kb import checks

    kinds: list[str] = []
    for cls in (checks.ParamsCheck, checks.ComputeCheck, checks.OutputShapeCheck, checks.WeightsMetaCheck,
                checks.FormulaCheck, checks.RatioCheck, checks.ArithmeticCheck):
        ann = cls.model_fields["kind"].annotation
        kinds.extend(getattr(ann, "__args__", ()))
    return kinds


def _allowed_keys(loc: tuple[Any, ...], model: Any) -> list[str]:
    """Field names allowed at ``loc`` inside ``model``, found by walking the fields."""
    for step in loc:
        if model is None:
            return []
        if isinstance(step, int) or step not in getattr(model, "model_fields", {}):
            continue  # list indexes, dict keys and union tags
        model = _inner_model(model.model_fields[step].annotation)
    return list(getattr(model, "model_fields", {}).keys()) if model is not None else []


def _inner_model(annotation: Any) -> Any:
    from pydantic import BaseModel as _BM

    if isinstance(annotation, type) and issubclass(annotation, _BM):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _closest(word: str, options: list[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return match[0] if match else None
