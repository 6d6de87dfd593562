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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # the C composer is several times faster on large cards
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

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

    def __init__(self, text: str):
        self.text = text
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index) - 1
        return line + 1, index - self.starts[line] + 1

    def index(self, line: int, col: int) -> int:
        line = min(max(line, 1), len(self.starts))
        return min(self.starts[line - 1] + col - 1, len(self.text))


@dataclass(frozen=True, slots=True)
class ScalarInfo:
    """How a string scalar was written, so offsets inside it can be located."""

    style: str | None  # None (plain), "'", '"', "|" or ">"
    indent: int  # 1-based column where block-scalar content starts


@dataclass(slots=True)
class SourceMap:
    """Maps a value path such as ``("resources", 0, "url")`` to its span."""

    values: dict[PathKey, Span] = field(default_factory=dict)
    keys: dict[PathKey, Span] = field(default_factory=dict)
    scalars: dict[PathKey, ScalarInfo] = field(default_factory=dict)
    lines: LineIndex | None = None

    def span(self, *path: Key) -> Span:
        """Span of the value at ``path``; falls back to the nearest ancestor."""
        p: PathKey = tuple(path)
        while p:
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), Span(1, 1, 1, 1))

    def key_span(self, *path: Key) -> Span:
        """Span of the mapping key that names ``path`` (else the value's)."""
        p: PathKey = tuple(path)
        return self.keys.get(p) or self.span(*p)

    def has(self, *path: Key) -> bool:
        return tuple(path) in self.values

    def text_span(self, path: PathKey, start: int, end: int, text: str) -> Span:
        """Span of characters ``text[start:end]`` of the string at ``path``.

        The segment is found in the source itself, inside the scalar's span:
        line folds, indentation, quote escaping (``''``, ``\\"``) and block
        indicators then cost nothing. When the segment cannot be found there
        (escape sequences inside it), the start of the value is returned.
        """
        base = self.span(*path)
        seg = text[start:end]
        if self.lines is None or not seg.strip():
            return base
        info = self.scalars.get(path)
        style = info.style if info else None
        nth = text.count(seg, 0, start)  # which occurrence of the segment this is
        lo = self.lines.index(base.line, base.col)
        hi = self.lines.index(base.end_line, base.end_col)
        src, stop = self.lines.text, max(hi, lo)
        if not any(c.isspace() for c in seg):
            # one way to write it (a URL, a number): a plain search, no pattern to compile per segment
            literal = _source_text(seg, style)
            found, pos = -1, lo
            for _ in range(nth + 1):
                found = src.find(literal, pos, stop)
                if found < 0:
                    return base
                pos = found + len(literal)
            return Span(*self.lines.position(found), *self.lines.position(pos))
        pattern = _source_pattern(seg, style)
        for i, match in enumerate(pattern.finditer(src, lo, stop)):
            if i == nth:
                return Span(*self.lines.position(match.start()), *self.lines.position(match.end()))
        return base


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


class _Builder:
    def __init__(self, max_nodes: int, index: LineIndex):
        self.max_nodes = max_nodes
        self.index = index
        self.lines = index.text.split("\n")
        self.count = 0
        self.visited: set[int] = set()
        #: span of the deepest node being built for the first time (not via an alias);
        #: an alias bomb is reported there, where the author wrote the expansion
        self.origin: Span | None = None
        self.source = SourceMap(lines=index)
        self.duplicates: list[LoadError] = []

    def at(self, node: yaml.Node) -> Span:
        return Span.from_node(node, self.index)

    def build(self, node: yaml.Node, path: PathKey, active: frozenset[int], depth: int) -> Any:
        self.count += 1
        if id(node) not in self.visited:
            self.visited.add(id(node))
            self.origin = self.at(node)
        if self.count > self.max_nodes:
            raise LoadError(
                f"document expands to more than {self.max_nodes:,} values "
                "(an alias bomb, or a card far larger than any real one)",
                self.origin or self.at(node),
                kind="limit",
                hint="remove the repeated aliases (*name) or split the card",
            )
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", self.at(node), kind="limit")
        if id(node) in active:
            raise LoadError("recursive alias: a value contains itself", self.at(node), kind="limit")
        tag = node.tag
        if tag not in _CORE_TAGS:
            raise LoadError(
                f"tag {tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed in cards",
                self.at(node),
                kind="tag",
                hint="cards may only use plain YAML values: strings, numbers, booleans, null, lists and mappings",
            )
        self.source.values[path] = self.at(node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        inner = active | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,), inner, depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise LoadError("merge keys (<<) are not supported in cards", self.at(key_node), kind="tag")
                if not isinstance(key_node, yaml.ScalarNode):
                    raise LoadError("mapping keys must be plain scalars", self.at(key_node), kind="syntax")
                key = self.build(key_node, path + ("<key>",), inner, depth + 1)
                self.source.values.pop(path + ("<key>",), None)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    key = str(key)
                if key in out:
                    self.duplicates.append(
                        LoadError(
                            f"duplicate key {key!r} (the later value would silently win)",
                            self.at(key_node),
                            kind="duplicate-key",
                            hint="remove one of the two entries",
                        )
                    )
                self.source.keys[path + (key,)] = self.at(key_node)
                out[key] = self.build(value_node, path + (key,), inner, depth + 1)
            return out
        raise LoadError("unsupported YAML node", self.at(node))  # pragma: no cover

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        value = node.value
        tag = node.tag
        if tag == "tag:yaml.org,2002:str":
            indent = node.start_mark.column + 1
            if node.style in ("|", ">"):
                indent = _block_indent(node, self.lines)
            self.source.scalars[path] = ScalarInfo(node.style, indent)
            return value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() in ("yes", "true", "on", "y")
        if tag == "tag:yaml.org,2002:int":
            try:
                return _int(value)
            except ValueError:
                raise LoadError(f"invalid integer {value!r}", self.at(node)) from None
        if tag == "tag:yaml.org,2002:float":
            v = value.replace("_", "").lower()
            if v in (".inf", "+.inf"):
                return float("inf")
            if v == "-.inf":
                return float("-inf")
            if v == ".nan":
                return float("nan")
            try:
                if ":" in v:  # YAML 1.1 sexagesimal, e.g. 1:30.5
                    sign = -1.0 if v.startswith("-") else 1.0
                    total = 0.0
                    for part in v.lstrip("+-").split(":"):
                        total = total * 60 + float(part)
                    return sign * total
                return float(v)
            except ValueError:
                raise LoadError(f"invalid number {value!r}", self.at(node)) from None
        if tag == "tag:yaml.org,2002:timestamp":
            # Dates and times are kept as the text written: cards compare and print them as written.
            return value
        return value  # pragma: no cover - guarded by _CORE_TAGS


def _int(text: str) -> int:
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t.startswith("0x"):
        return sign * int(t[2:], 16)
    if t.startswith("0o"):
        return sign * int(t[2:], 8)
    if t.startswith("0b"):
        return sign * int(t[2:], 2)
    if ":" in t:  # YAML 1.1 sexagesimal
        n = 0
        for part in t.split(":"):
            n = n * 60 + int(part)
        return sign * n
    if len(t) > 1 and t.startswith("0"):
        return sign * int(t, 8)
    return sign * int(t)


def _block_indent(node: yaml.ScalarNode, lines: list[str]) -> int:
    """Column (1-based) where the content lines of a block scalar start.

    Read from the document's own lines: the C parser's marks carry no buffer.
    """
    first, last = node.start_mark.line + 1, node.end_mark.line
    for line in lines[first : last + 1]:
        if line.strip():
            return len(line) - len(line.lstrip(" ")) + 1
    return node.start_mark.column + 1


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
        position = getattr(exc, "position", None)  # a character index; reader errors have no mark
        line, col = LineIndex(text).position(position) if isinstance(position, int) else (1, 1)
        raise LoadError(str(getattr(exc, "reason", exc)).splitlines()[0], Span.point(line, col)) from None
    if root is None:
        return LoadedYaml(None, SourceMap({(): Span(1, 1, 1, 1)}), text)
    builder = _Builder(max_nodes, LineIndex(text))
    data = builder.build(root, (), frozenset(), 0)
    return LoadedYaml(data, builder.source, text, builder.duplicates)


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


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES, max_nodes: int = DEFAULT_MAX_NODES) -> LoadedYaml:
    """Read and parse ``path`` with the size limit applied before reading."""
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
    return load_text(text, max_nodes=max_nodes)
