"""Positioned YAML loading.

Cards are parsed with PyYAML's *composer* (the C implementation when it is
available) rather than its constructor, and the node tree is turned into plain
Python values here.  Doing the construction ourselves gives three things the
stock loaders do not:

* every value and every mapping key keeps its source span, so a schema error
  can be reported at ``file:line:col`` (see :class:`SourceMap`);
* only the core YAML tags are accepted: ``!!python/object`` and friends are a
  located error, never an object, so no content is ever executed;
* aliases are expanded under a budget, so an alias bomb ("billion laughs") is
  a located error instead of a hang, and duplicate keys are reported rather
  than silently overwritten.

All positions in this module are 1-based (PyYAML marks are 0-based).
"""

from __future__ import annotations

import bisect
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

try:  # the C composer is several times faster on large cards
    from yaml import CSafeLoader as _BaseLoader

    #: the C reader gives a reader error's position in UTF-8 bytes, the Python one in characters
    _READER_BYTES = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

    _READER_BYTES = False

Key = str | int
PathKey = tuple[Key, ...]

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_NODES = 200_000
MAX_DEPTH = 200

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:timestamp",
}


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_PLAIN_STYLES = (None, "")  # the C composer says "" for a plain scalar, the Python one None

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), as editors read cards.
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_INT_RE = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF_RE = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN_RE = re.compile(r"\.(?:nan|NaN|NAN)")
_NUMBER_START = frozenset("0123456789+-.")


def resolve_plain(text: str) -> str:
    """The YAML 1.2 core-schema tag of a plain (unquoted, untagged) scalar.

    Unlike PyYAML's YAML 1.1 resolver: only ``true``/``false`` (three
    spellings each) are booleans, so ``yes``, ``no``, ``on`` and ``off`` stay
    text; integers are decimal, ``0o`` octal or ``0x`` hex (``010`` is ten,
    ``0b1``, ``1_000`` and ``1:30`` are text); dates are text.
    """
    if text in _NULLS:
        return _NULL
    first = text[0]
    if first in _NUMBER_START:
        if _INT_RE.fullmatch(text):
            return _INT
        if _FLOAT_RE.fullmatch(text) or _INF_RE.fullmatch(text) or _NAN_RE.fullmatch(text):
            return _FLOAT
        return _STR
    if text in _TRUE or text in _FALSE:
        return _BOOL
    return _STR


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """PyYAML's composer with YAML 1.2 core-schema resolution of implicit tags."""

    # The composer tells the resolver of every node it enters and leaves, for path resolvers,
    # which cards never register. Builtins that ignore the call cost a fraction of the
    # inherited Python methods (a tenth of the composing); a builtin is not bound to the loader,
    # so each is called with exactly the composer's arguments: (parent, index), then none.
    descend_resolver = operator.is_
    ascend_resolver = tuple

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return resolve_plain(value) if implicit[0] else _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file, 1-based and end-exclusive on the column."""

    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def from_node(cls, node: yaml.Node, lines: "LineIndex | None" = None) -> "Span":
        s, e = node.start_mark, node.end_mark
        if lines is not None:
            # PyYAML also breaks lines at U+2028, U+2029 and NEL; editors and CI do not
            return cls(*lines.position(s.index), *lines.position(e.index))
        return cls(s.line + 1, s.column + 1, e.line + 1, e.column + 1)

    @classmethod
    def point(cls, line: int, col: int) -> "Span":
        return cls(line, col, line, col)


class LineIndex:
    """Character index <-> (line, col), counting only ``\n`` as a line break."""

    __slots__ = ("text", "starts")

    def __init__(self, text: str):
        self.text = text
        starts = [0]
        find, i = text.find, text.find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.starts = starts

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index) - 1
        return line + 1, index - self.starts[line] + 1

    def index(self, line: int, col: int) -> int:
        line = min(max(line, 1), len(self.starts))
        return min(self.starts[line - 1] + col - 1, len(self.text))


#: a span is stored as one int, ``start * _SHIFT + end`` (character offsets), and turned into
#: lines and columns only when a diagnostic asks: most values never need a position
_SHIFT = 1 << 32


class SourceMap:
    """Maps a value path such as ``("resources", 0, "url")`` to its span.

    Positions are kept as character offsets into the source text; the line
    index is built, and offsets become a :class:`Span`, only when a span is
    asked for.
    """

    __slots__ = ("values", "keys", "styles", "text", "_lines")

    def __init__(
        self,
        values: dict[PathKey, int] | None = None,
        keys: dict[PathKey, int] | None = None,
        styles: dict[PathKey, str] | None = None,
        text: str = "",
    ):
        #: path -> packed offsets of the value
        self.values: dict[PathKey, int] = values if values is not None else {}
        #: path -> packed offsets of the mapping key that names the path
        self.keys: dict[PathKey, int] = keys if keys is not None else {}
        #: path -> how a string scalar was written, for quoted and block scalars ("'", '"', "|", ">")
        self.styles: dict[PathKey, str] = styles if styles is not None else {}
        self.text = text
        self._lines: LineIndex | None = None

    def __getstate__(self) -> tuple:
        return (self.values, self.keys, self.styles, self.text)

    def __setstate__(self, state: tuple) -> None:
        self.values, self.keys, self.styles, self.text = state
        self._lines = None

    def _ensure(self) -> None:
        """Make the offsets available (a subclass may compute them on first use)."""

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    def _span(self, packed: int) -> Span:
        lines = self.lines
        return Span(*lines.position(packed // _SHIFT), *lines.position(packed % _SHIFT))

    def _find(self, p: PathKey) -> int | None:
        self._ensure()
        values = self.values
        while p:
            packed = values.get(p)
            if packed is not None:
                return packed
            p = p[:-1]
        return values.get(())

    def span(self, *path: Key) -> Span:
        """Span of the value at ``path``; falls back to the nearest ancestor."""
        packed = self._find(tuple(path))
        return self._span(packed) if packed is not None else Span(1, 1, 1, 1)

    def key_span(self, *path: Key) -> Span:
        """Span of the mapping key that names ``path`` (else the value's)."""
        self._ensure()
        packed = self.keys.get(tuple(path))
        return self._span(packed) if packed is not None else self.span(*path)

    def has(self, *path: Key) -> bool:
        self._ensure()
        return tuple(path) in self.values

    def text_span(self, path: PathKey, start: int, end: int, text: str) -> Span:
        """Span of characters ``text[start:end]`` of the string at ``path``.

        The segment is found in the source itself, inside the scalar's span:
        line folds, indentation, quote escaping (``''``, ``\\"``) and block
        indicators then cost nothing. When the segment cannot be found there
        (escape sequences inside it), the start of the value is returned.
        """
        packed = self._find(tuple(path))  # also makes the offsets and styles available
        if packed is None:
            return Span(1, 1, 1, 1)
        seg = text[start:end]
        if not self.text or not seg.strip():
            return self._span(packed)
        style = self.styles.get(tuple(path))
        nth = text.count(seg, 0, start)  # which occurrence of the segment this is
        lo, hi = packed // _SHIFT, packed % _SHIFT
        src, stop = self.text, max(hi, lo)
        lines = self.lines
        if not any(c.isspace() for c in seg):
            # one way to write it (a URL, a number): a plain search, no pattern to compile per segment
            literal = _source_text(seg, style)
            found, pos = -1, lo
            for _ in range(nth + 1):
                found = src.find(literal, pos, stop)
                if found < 0:
                    return self._span(packed)
                pos = found + len(literal)
            return Span(*lines.position(found), *lines.position(pos))
        pattern = _source_pattern(seg, style)
        for i, match in enumerate(pattern.finditer(src, lo, stop)):
            if i == nth:
                return Span(*lines.position(match.start()), *lines.position(match.end()))
        return self._span(packed)


#: what the builder leaves for a source map: the data, the packed offsets of its values and of its
#: mapping keys in visiting order, and (visit number, style) of each quoted or block string
Visits = tuple[Any, Sequence[int], Sequence[int], Sequence[tuple[int, str]]]


def paths_from_offsets(
    data: Any, offsets: Sequence[int], key_offsets: Sequence[int], styles: Sequence[tuple[int, str]]
) -> tuple[dict[PathKey, int], dict[PathKey, int], dict[PathKey, str]] | None:
    """Each value's path and offsets, each key's and each style's, by walking ``data`` in the builder's order
    (a value, then each mapping key and its value); None when the offsets do not fit the data."""
    values: dict[PathKey, int] = {}
    keys: dict[PathKey, int] = {}
    next_value, next_key = iter(offsets).__next__, iter(key_offsets).__next__

    def walk(value: Any, path: PathKey) -> None:
        values[path] = next_value()
        if isinstance(value, dict):
            for key, child in value.items():
                sub = path + (key,)
                keys[sub] = next_key()
                walk(child, sub)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                walk(child, path + (i,))

    try:
        walk(data, ())
    except StopIteration:
        return None
    if len(values) != len(offsets) or len(keys) != len(key_offsets):
        return None
    order = list(values)
    styled: dict[PathKey, str] = {}
    for visit, style in styles:
        if not (isinstance(visit, int) and 0 <= visit < len(order) and isinstance(style, str)):
            return None
        styled[order[visit]] = style
    return values, keys, styled


class DeferredSourceMap(SourceMap):
    """A source map whose paths are made only when a position is first asked for: from what
    :meth:`_kept_paths` finds (offsets kept beside the data, no parsing), else by parsing the
    text again."""

    __slots__ = ("_max_nodes",)

    def __init__(self, text: str, max_nodes: int):
        super().__init__(None, None, None, text)
        #: the node budget to parse again with; None once the paths are made
        self._max_nodes: int | None = max_nodes

    def _kept_paths(self) -> tuple[Any, Any, Any] | None:
        """(values, keys, styles) from what this map kept, or None to parse the text again."""
        return None

    def _drop_kept(self) -> None:
        """Let go of what :meth:`_kept_paths` read."""

    def _ensure(self) -> None:
        if self._max_nodes is None:
            return
        paths = self._kept_paths()
        if paths is None:
            source = load_text(self.text, max_nodes=self._max_nodes).source
            source._ensure()
            paths = source.values, source.keys, source.styles
        self.values, self.keys, self.styles = paths
        self._max_nodes = None
        self._drop_kept()

    def __getstate__(self) -> tuple:
        self._ensure()
        return super().__getstate__()

    def __setstate__(self, state: tuple) -> None:
        super().__setstate__(state)
        self._max_nodes = None
        self._drop_kept()


class VisitedSourceMap(DeferredSourceMap):
    """The source map of a fresh parse, kept as the builder left it until a position is first asked for.

    Most cards never need one, so no path is made for them. The data must not
    be changed meanwhile; if it was, the text is parsed again.
    """

    __slots__ = ("visits",)

    def __init__(self, text: str, max_nodes: int, visits: Visits):
        super().__init__(text, max_nodes)
        #: what the builder left (see :data:`Visits`); the parse cache stores the offsets from it
        self.visits: Visits | None = visits

    def _kept_paths(self) -> tuple[Any, Any, Any] | None:
        # None only if the data was changed after loading
        return paths_from_offsets(*self.visits) if self.visits is not None else None

    def _drop_kept(self) -> None:
        self.visits = None


def _source_text(word: str, style: str | None) -> str:
    """How ``word`` (no white space in it) is written in the source of a scalar of ``style``."""
    if style == "'":
        return word.replace("'", "''")
    if style == '"':
        return word.replace("\\", "\\\\").replace('"', '\\"')
    return word


def _source_pattern(segment: str, style: str | None) -> re.Pattern[str]:
    """How ``segment`` of a value may be written in the source of a scalar of ``style``."""
    # a run of white space in the value may be a folded line break and indentation in the source
    return re.compile(r"\s+".join(re.escape(_source_text(w, style)) for w in segment.split()))


class LoadError(Exception):
    """A YAML file could not be turned into data.

    ``kind`` is ``"syntax"`` (KB101) or ``"limit"`` / ``"tag"`` / ``"duplicate-key"``
    which are still reported under KB101 with their own wording.
    """

    def __init__(self, message: str, span: Span, kind: str = "syntax", hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.kind = kind
        self.hint = hint


@dataclass(slots=True)
class LoadedYaml:
    data: Any
    source: SourceMap
    text: str
    #: non-fatal problems (duplicate keys): the data is usable, but say so
    problems: list[LoadError] = field(default_factory=list)
    #: False when the data holds what JSON cannot say exactly (an integer mapping key)
    json_exact: bool = True


class _Builder:
    """Turns a composed node tree into plain values, recording each value's offsets on the way.

    This is the loader's hot loop (every value of every card passes through
    it), so it does as little per node as the guarantees allow: offsets are
    two attribute reads packed into one int, appended in the order the values
    are visited (a value, then each mapping key and its value); no path is
    made here. Walking the data in the same order gives each offset its path
    back (:func:`paths_from_offsets`), when a diagnostic first asks.
    """

    __slots__ = ("max_nodes", "count", "aliases", "seen", "active", "origin", "offsets", "key_offsets", "styles", "duplicates", "text", "json_exact")

    def __init__(self, max_nodes: int, text: str):
        self.max_nodes = max_nodes
        self.text = text
        self.count = 0
        #: whether the text can hold an alias (it needs an anchor, &name, and a use, *name); without
        #: one every node is met once, and which were met need not be kept
        self.aliases = "*" in text and "&" in text
        #: ids of nodes already built once; a node met again came through an alias
        self.seen: set[int] = set()
        #: ids of the collections being built (an alias to one of them is a recursive alias)
        self.active: set[int] = set()
        #: the deepest node being built for the first time (not via an alias);
        #: an alias bomb is reported there, where the author wrote the expansion
        self.origin: yaml.Node | None = None
        #: packed offsets of every value, in visiting order
        self.offsets: list[int] = []
        #: packed offsets of every mapping key, in visiting order
        self.key_offsets: list[int] = []
        #: (visit number, style) of each string scalar written quoted or as a block
        self.styles: list[tuple[int, str]] = []
        self.duplicates: list[LoadError] = []
        self.json_exact = True

    def at(self, node: yaml.Node) -> Span:
        return Span.from_node(node, LineIndex(self.text))

    def _budget(self, node: yaml.Node) -> None:
        raise LoadError(
            f"document expands to more than {self.max_nodes:,} values "
            "(an alias bomb, or a card far larger than any real one)",
            self.at(self.origin or node),
            kind="limit",
            hint="remove the repeated aliases (*name) or split the card",
        )

    def _bad_tag(self, node: yaml.Node) -> LoadError:
        return LoadError(
            f"tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed in cards",
            self.at(node),
            kind="tag",
            hint="cards may only use plain YAML values: strings, numbers, booleans, null, lists and mappings",
        )

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        aliases = self.aliases
        if not aliases:
            self.origin = node
        elif (nid := id(node)) not in self.seen:
            self.seen.add(nid)
            self.origin = node
        elif nid in self.active:
            raise LoadError("recursive alias: a value contains itself", self.at(node), kind="limit")
        if self.count > self.max_nodes:
            self._budget(node)
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", self.at(node), kind="limit")
        tag = node.tag
        if tag not in _CORE_TAGS:
            raise self._bad_tag(node)
        offsets = self.offsets
        offsets.append(node.start_mark.index * _SHIFT + node.end_mark.index)
        cls = node.__class__
        if cls is yaml.ScalarNode:
            if tag == _STR:
                style = node.style
                if style:
                    self.styles.append((len(offsets) - 1, style))
                return node.value
            return self._scalar(node)
        if aliases:
            self.active.add(nid)
        depth += 1
        if cls is yaml.SequenceNode:
            build = self.build
            out_list = [build(child, depth) for child in node.value]
            if aliases:
                self.active.discard(nid)
            return out_list
        if cls is yaml.MappingNode:
            out: dict[Any, Any] = {}
            key_offsets = self.key_offsets
            for key_node, value_node in node.value:
                if key_node.__class__ is not yaml.ScalarNode:
                    raise LoadError("mapping keys must be plain scalars", self.at(key_node), kind="syntax")
                if key_node.tag == _MERGE or (key_node.value == "<<" and key_node.style in _PLAIN_STYLES):
                    # YAML 1.1's merge key, which editors reading YAML 1.2 may or may not apply
                    raise LoadError("merge keys (<<) are not supported in cards", self.at(key_node), kind="tag")
                self.count += 1
                if self.count > self.max_nodes:
                    self._budget(key_node)
                key: Any = key_node.value if key_node.tag == _STR else self._key(key_node)
                if key in out:
                    self.duplicates.append(
                        LoadError(
                            f"duplicate key {key!r} (the later value would silently win)",
                            self.at(key_node),
                            kind="duplicate-key",
                            hint="remove one of the two entries",
                        )
                    )
                key_offsets.append(key_node.start_mark.index * _SHIFT + key_node.end_mark.index)
                out[key] = self.build(value_node, depth)
            if aliases:
                self.active.discard(nid)
            return out
        raise LoadError("unsupported YAML node", self.at(node))  # pragma: no cover

    def _key(self, node: yaml.ScalarNode) -> Any:
        """A mapping key not tagged as a string: its value where that is a string or an integer, else the text written."""
        if node.tag not in _CORE_TAGS:
            raise self._bad_tag(node)
        key = self._scalar(node)
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            key = node.value  # true, null, 1.5 as keys: the text written
        if not isinstance(key, str):
            self.json_exact = False
        return key

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        value = node.value
        tag = node.tag
        if tag == _STR:
            return value
        if tag == _NULL:
            if value in _NULLS:
                return None
            raise LoadError(f"invalid null {value!r} (YAML 1.2: null, ~ or nothing)", self.at(node))
        if tag == _BOOL:
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
            raise LoadError(f"invalid boolean {value!r} (YAML 1.2: true or false)", self.at(node))
        if tag == _INT:
            try:
                return _int(value)
            except ValueError:
                raise LoadError(f"invalid integer {value!r}", self.at(node)) from None
        if tag == _FLOAT:
            if _INF_RE.fullmatch(value):
                return float("-inf") if value.startswith("-") else float("inf")
            if _NAN_RE.fullmatch(value):
                return float("nan")
            if _FLOAT_RE.fullmatch(value):
                return float(value)
            raise LoadError(f"invalid number {value!r}", self.at(node))
        if tag == "tag:yaml.org,2002:timestamp":
            # an explicit !!timestamp: kept as the text written (dates are not a type in YAML 1.2's core schema)
            return value
        return value  # pragma: no cover - guarded by _CORE_TAGS


def _int(text: str) -> int:
    """A YAML 1.2 core-schema integer: decimal, ``0o`` octal or ``0x`` hex."""
    if not _INT_RE.fullmatch(text):
        raise ValueError(text)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


_NUL = re.compile("[\x00]")


def load_text(text: str, *, max_nodes: int = DEFAULT_MAX_NODES) -> LoadedYaml:
    """Parse one YAML document from ``text`` into data plus a source map.

    Raises :class:`LoadError` (located) for anything that is not a clean,
    single, safe document.  Duplicate keys do not stop the load: they are
    listed in ``problems`` and the later value is kept, as YAML readers do.
    """
    if _NUL.search(text):
        idx = text.index("\x00")
        line = text.count("\n", 0, idx) + 1
        raise LoadError("file contains a NUL byte (is it binary?)", Span.point(line, 1))
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = LineIndex(text).position(mark.index) if mark else (1, 1)
        line, col = _clamp(text, line, col)
        problem = exc.problem or exc.context or "invalid YAML"
        hint = None
        if "tab" in problem or "\\t" in problem:
            hint = "YAML indentation must use spaces, not tabs"
        if "expected a single document" in problem:
            hint = "a card file holds exactly one YAML document; remove the extra '---'"
        raise LoadError(_clean_problem(problem, exc.context), Span.point(line, col), hint=hint) from None
    except yaml.YAMLError as exc:  # reader errors (bad encoding, control chars)
        position = getattr(exc, "position", None)  # reader errors have no mark
        if isinstance(position, int) and _READER_BYTES:
            position = len(text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "ignore"))
        line, col = LineIndex(text).position(position) if isinstance(position, int) else (1, 1)
        raise LoadError(str(getattr(exc, "reason", exc)).splitlines()[0], Span.point(line, col)) from None
    if root is None:
        return LoadedYaml(None, VisitedSourceMap(text, max_nodes, (None, [0], [], [])), text)
    builder = _Builder(max_nodes, text)
    data = builder.build(root, 0)
    source: SourceMap
    if builder.duplicates:
        # the later of two equal keys replaced a value the builder had visited, so the data no longer
        # holds every visit: the paths come from the node tree, as the builder met them
        source = SourceMap(*_node_positions(root, builder), text=text)
    else:
        source = VisitedSourceMap(text, max_nodes, (data, builder.offsets, builder.key_offsets, builder.styles))
    return LoadedYaml(data, source, text, builder.duplicates, builder.json_exact)


def _node_positions(root: yaml.Node, builder: _Builder) -> tuple[dict[PathKey, int], dict[PathKey, int], dict[PathKey, str]]:
    """Each path's offsets, its key's and its style, recorded along the node tree (a later duplicate key wins).

    Only for a tree ``builder`` has built: its limits and aliases have been checked.
    """
    values: dict[PathKey, int] = {}
    keys: dict[PathKey, int] = {}
    styles: dict[PathKey, str] = {}

    def walk(node: yaml.Node, path: PathKey) -> None:
        values[path] = node.start_mark.index * _SHIFT + node.end_mark.index
        if node.__class__ is yaml.ScalarNode:
            if node.tag == _STR and node.style:
                styles[path] = node.style
        elif node.__class__ is yaml.SequenceNode:
            for i, child in enumerate(node.value):
                walk(child, path + (i,))
        else:
            for key_node, value_node in node.value:
                child = path + (key_node.value if key_node.tag == _STR else builder._key(key_node),)
                keys[child] = key_node.start_mark.index * _SHIFT + key_node.end_mark.index
                walk(value_node, child)

    walk(root, ())
    return values, keys, styles


def _clamp(text: str, line: int, col: int) -> tuple[int, int]:
    """Keep a position on a real line: at end of input the parser points past the last one."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    if lines and line > len(lines):
        return len(lines), len(lines[-1].rstrip("\r")) + 1
    return line, col


def _clean_problem(problem: str, context: str | None) -> str:
    msg = problem
    if context and context not in problem:
        msg = f"{problem} ({context})"
    return msg.replace("\n", " ")


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> tuple[bytes, str]:
    """The bytes and text of ``path``, with the size limit applied before reading."""
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(
            f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for a card",
            Span.point(1, 1),
            kind="limit",
            hint="split the card, or raise [tool.kb] max_file_bytes if this is intended",
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise LoadError(f"file is not valid UTF-8 (byte {exc.start})", Span.point(line, 1)) from None
    return raw, text


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES, max_nodes: int = DEFAULT_MAX_NODES) -> LoadedYaml:
    """Read and parse ``path`` with the size limit applied before reading."""
    return load_text(read_source(path, max_bytes=max_bytes)[1], max_nodes=max_nodes)
