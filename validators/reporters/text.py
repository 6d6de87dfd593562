"""The human format: one located line per diagnostic, a code frame and a hint.

::

    cards/topics/cnns.yaml:12:5: KB110 [warning] video resource 'Lecture 5' has no url
       11 |   - role: video
    >  12 |     title: "Lecture 5"
          |     ^^^^^^^^^^^^^^^^^^
       13 |     source: YouTube
      hint: add the address of the resource itself

    1 error, 1 warning, 0 info in 14 files

Paths are shown relative to the working directory when the file lies under
it (so terminals and editors can open them), else relative to the KB root.
Colour is ANSI only; :func:`use_color` decides it from the stream and the
``NO_COLOR`` / ``FORCE_COLOR`` conventions.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from validators.diagnostic import Diagnostic, Severity
from validators.reporters._common import display_path, escape_controls, is_hidden, kb_relative, plural

if TYPE_CHECKING:
    from validators.engine import Summary

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
BLUE = "\x1b[34m"
CYAN = "\x1b[36m"

SEVERITY_STYLE = {Severity.error: RED + BOLD, Severity.warning: YELLOW + BOLD, Severity.info: CYAN + BOLD}

#: a span longer than this many lines is shown as its head and its last line
MAX_FRAME_SPAN = 4
MAX_FRAME_WIDTH = 100  # characters of a source line shown in a frame

# PyYAML counts these as line breaks, so line numbers must be counted the same way
_LINE_BREAK = re.compile(r"\r?\n")  # as kb.loader.LineIndex counts lines: a line feed ends one
_FALSY = {"", "0", "false", "no", "off"}


def use_color(stream: TextIO | None = None) -> bool:
    """Whether output for ``stream`` (default stdout) should be coloured.

    ``NO_COLOR`` (any non-empty value) always wins, as no-color.org asks;
    then ``FORCE_COLOR`` (any value but empty/0/false) forces colour, for CI
    logs that render ANSI; otherwise colour only for a terminal that is not
    ``TERM=dumb``.
    """
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("FORCE_COLOR", "").strip().lower() not in _FALSY:
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    stream = sys.stdout if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


class _Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or not text:
            return text
        return f"{style}{text}{RESET}"


def render(
    diagnostics: list[Diagnostic],
    summary: Summary,
    *,
    root: Path,
    sources: dict[str, str] | None = None,
    color: bool | None = None,
    show_info: bool = False,
) -> str:
    """Every error and warning in full; info findings one line per code unless ``show_info``."""
    paint = _Style(use_color() if color is None else color)
    files = _Sources(root, sources)
    shown = diagnostics if show_info else [d for d in diagnostics if d.severity is not Severity.info]
    blocks = [_diagnostic_block(d, root, files, paint) for d in shown]
    if not show_info:
        folded = _info_lines([d for d in diagnostics if d.severity is Severity.info], paint)
        if folded:
            blocks.append(folded)
    blocks.append(_summary(summary, paint))
    return "\n\n".join(blocks) + "\n"


def _info_lines(info: list[Diagnostic], paint: _Style) -> str:
    """``KB401 [info] unverified-claim: 38 findings in 9 files``, one line per code."""
    by_code: dict[str, list[Diagnostic]] = {}
    for d in info:
        by_code.setdefault(d.code, []).append(d)
    lines = []
    for code in sorted(by_code):
        found = by_code[code]
        files = len({d.path for d in found})
        tag = paint("[info]", SEVERITY_STYLE[Severity.info])
        lines.append(
            f"{paint(code, BOLD)} {tag} {sanitize(found[0].name)}: "
            f"{plural(len(found), 'finding')} in {plural(files, 'file')}"
        )
    if lines:
        lines.append(paint("(info findings are summarised; --show-info lists each one)", DIM))
    return "\n".join(lines)


def _diagnostic_block(d: Diagnostic, root: Path, files: _Sources, paint: _Style) -> str:
    first, *rest = sanitize(d.message).split("\n")
    where = f"{sanitize(display_path(d.path, root))}:{d.line}:{d.col}:"
    head = (
        f"{paint(where, BOLD)} {paint(d.code, BOLD)} "
        f"{paint('[' + d.severity.value + ']', SEVERITY_STYLE[d.severity])} {first}"
    )
    out = [head]
    out.extend(f"  {line}" for line in rest)
    lines = files.lines(kb_relative(d.path, root))
    if lines is not None:
        out.extend(code_frame(lines, d, paint))
    if d.hint:
        hint_first, *hint_rest = sanitize(d.hint).split("\n")
        out.append(f"  {paint('hint:', GREEN + BOLD)} {hint_first}")
        out.extend(f"        {line}" for line in hint_rest)
    return "\n".join(out)


def _summary(summary: Summary, paint: _Style) -> str:
    parts = [
        paint(plural(summary.error, "error"), RED + BOLD) if summary.error else plural(0, "error"),
        paint(plural(summary.warning, "warning"), YELLOW + BOLD) if summary.warning else plural(0, "warning"),
        paint(plural(summary.info, "info"), CYAN + BOLD) if summary.info else plural(0, "info"),
    ]
    return f"{', '.join(parts)} in {plural(summary.files, 'file')}"


#: the most of a file the code frame reads from disk (a card the loader refused may be any size)
_FRAME_READ_LIMIT = 8 * 1024 * 1024


class _Sources:
    """File text by KB-relative path: the given mapping first, then the disk."""

    def __init__(self, root: Path, given: dict[str, str] | None) -> None:
        self.root = root
        self.given = given or {}
        self.cache: dict[str, list[str] | None] = {}

    def lines(self, rel: str) -> list[str] | None:
        if rel not in self.cache:
            text = self.given.get(rel)
            if text is None:
                try:
                    path = (self.root / rel).resolve()
                    # never a file a symbolic link leads to outside the cards root (the loader refuses it too)
                    if path.is_relative_to(self.root.resolve()):
                        with path.open("rb") as fh:  # a file over the size limit was never loaded: its start is enough
                            text = fh.read(_FRAME_READ_LIMIT).decode("utf-8", errors="replace")
                except OSError:
                    text = None
            lines = None if text is None else _LINE_BREAK.split(text)
            if lines and len(lines) > 1 and lines[-1] == "":
                lines.pop()  # the "line" after a final newline holds nothing to show
            self.cache[rel] = lines
        return self.cache[rel]


# --------------------------------------------------------------------------- code frame


def sanitize(text: str) -> str:
    """Make control characters visible so card text cannot drive the terminal."""
    return escape_controls(text)


def _cells(ch: str) -> tuple[str, int]:
    """How one source character is shown and how many terminal cells it takes."""
    if ch == "\t":
        return ch, 1
    if is_hidden(ch):  # the same characters every format escapes, shown the same way
        shown = escape_controls(ch)
        return shown, len(shown)
    if unicodedata.combining(ch):
        return ch, 0
    return ch, 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _underline(text: str, start: int, end: int) -> tuple[str, str]:
    """Padding up to 1-based column ``start`` and carets up to ``end`` (exclusive)."""
    pad: list[str] = []
    for ch in text[: start - 1]:
        shown, width = _cells(ch)
        # a tab is mirrored so the caret lands under the same tab stop
        pad.append("\t" if shown == "\t" else " " * width)
    carets = sum(max(_cells(ch)[1], 1) for ch in text[start - 1 : end - 1])
    return "".join(pad), "^" * max(carets, 1)


def _shown(text: str) -> str:
    return "".join(_cells(ch)[0] for ch in text)


def _window(lines: list[str], numbers: list[int], col: int) -> int:
    """Index of the first character shown of each frame line (0: from the start).

    Cards hold long prose on one line; the frame shows a window of
    MAX_FRAME_WIDTH characters that puts the span's start in its first third,
    the same window on every line so carets stay aligned.
    """
    if all(len(lines[n - 1]) <= MAX_FRAME_WIDTH for n in numbers):
        return 0
    return max(0, col - 1 - MAX_FRAME_WIDTH // 3)


def _clip(text: str, lo: int) -> tuple[str, int]:
    """The shown part of ``text`` and how many characters moved left (for the carets)."""
    if lo == 0 and len(text) <= MAX_FRAME_WIDTH:
        return text, 0
    prefix = "…" if lo > 0 else ""
    suffix = "…" if len(text) > lo + MAX_FRAME_WIDTH else ""
    return prefix + text[lo : lo + MAX_FRAME_WIDTH] + suffix, lo - len(prefix)


def code_frame(lines: list[str], d: Diagnostic, paint: _Style | None = None) -> list[str]:
    """The offending lines with one line of context each side and carets under the span."""
    paint = paint or _Style(False)
    total = len(lines)
    if d.line == total + 1:
        # the end of the file (where YAML reports an unexpected end): show it as an empty line
        lines = [*lines, ""]
        total += 1
    if d.line < 1 or d.line > total:
        return []
    end_line, end_col = max(d.end_line, d.line), d.end_col
    if end_line > d.line and end_col <= 1:
        # PyYAML ends a block node at column 1 of the line after it: that line is not in the span
        end_line -= 1
        end_col = len(lines[end_line - 1]) + 1 if end_line <= total else 1
    end_line = min(end_line, total)
    first_shown, last_shown = max(1, d.line - 1), min(total, end_line + 1)
    numbers = list(range(first_shown, last_shown + 1))
    if end_line - d.line + 1 > MAX_FRAME_SPAN:
        keep = set(range(first_shown, d.line + 2)) | {end_line, last_shown}
        numbers = [n for n in numbers if n in keep]
    width = len(str(last_shown))
    gutter_blank = " " * (width + 3)
    style = SEVERITY_STYLE[d.severity]
    lo = _window(lines, numbers, d.col)
    out: list[str] = []
    previous = None
    for no in numbers:
        if previous is not None and no != previous + 1:
            out.append(paint(f"{gutter_blank}...", BLUE))
        previous = no
        full = lines[no - 1]
        inside = d.line <= no <= end_line
        # a context line that ends before the window is shown from its own start
        text, shift = _clip(full, lo if inside or len(full) > lo else 0)
        marker = ">" if inside else " "
        gutter = paint(f"{marker} {no:>{width}} |", BLUE)
        out.append(f"{gutter} {_shown(text)}".rstrip())
        if not inside or (d.line < no < end_line):
            continue
        limit = len(full) + 1
        if d.line == end_line:
            start = min(max(d.col, 1), limit)
            end = min(max(end_col, start + 1), limit) if end_col > d.col else start + 1
        elif no == d.line:
            start = min(max(d.col, 1), limit)
            end = max(limit, start + 1)
        else:  # the last line of a multi-line span: from its first non-blank to the end column
            start = len(full) - len(full.lstrip(" \t")) + 1
            end = max(min(end_col, limit), start + 1)
        # into the clipped line's columns; a span running past the window stops at its edge
        start = max(start - shift, 1)
        end = max(min(end - shift, len(text) + 1), start + 1)
        pad, carets = _underline(text, start, end)
        out.append(f"{paint(gutter_blank + '|', BLUE)} {pad}{paint(carets, style)}")
    return out
