"""The machine format: one JSON document with a summary and every diagnostic.

The shape is a public contract (``"version": 1``); keys come in a fixed
order so that reports diff cleanly::

    {
      "version": 1,
      "summary": {"error": 1, "warning": 2, "info": 0, "files": 14},
      "diagnostics": [
        {"code": ..., "name": ..., "severity": ..., "path": ..., "line": ...,
         "col": ..., "end_line": ..., "end_col": ..., "card": ...,
         "message": ..., "hint": ..., "url": ...}
      ]
    }

Paths are relative to the KB root.  Callers may add further top-level keys
(``claims``, ``links``...) through ``extra``; they follow the three above and
may not replace them.  The module is named ``json_`` so that it does not
shadow the standard library inside this package.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from validators.diagnostic import Diagnostic
from validators.reporters._common import escape_diagnostic, kb_relative

if TYPE_CHECKING:
    from validators.engine import Summary

SCHEMA_VERSION = 1
RESERVED_KEYS = ("version", "summary", "diagnostics")
DIAGNOSTIC_KEYS = (
    "code", "name", "severity", "path", "line", "col", "end_line", "end_col", "card", "message", "hint", "url",
)


def diagnostic_dict(d: Diagnostic, root: Path) -> dict[str, Any]:
    d = escape_diagnostic(d)  # JSON escapes C0 controls but not DEL or the C1 range (CSI is \x9b)
    values = {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.value,
        "path": kb_relative(d.path, root),
        "line": d.line,
        "col": d.col,
        "end_line": d.end_line,
        "end_col": d.end_col,
        "card": d.card,
        "message": d.message,
        "hint": d.hint,
        "url": d.url,
    }
    return {key: values[key] for key in DIAGNOSTIC_KEYS}


def report(
    diagnostics: list[Diagnostic], summary: Summary, *, root: Path, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The report as a plain dict (what :func:`render` serialises)."""
    clash = sorted(set(extra or {}) & set(RESERVED_KEYS))
    if clash:
        raise ValueError(f"extra report keys may not replace {', '.join(map(repr, clash))}")
    doc: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "summary": summary.to_dict(),
        "diagnostics": [diagnostic_dict(d, root) for d in diagnostics],
    }
    doc.update(extra or {})
    return doc


def render(
    diagnostics: list[Diagnostic], summary: Summary, *, root: Path, extra: dict[str, Any] | None = None
) -> str:
    doc = report(diagnostics, summary, root=root, extra=extra)
    # ensure_ascii off: card text is full of names and symbols people should read as written
    return json.dumps(doc, indent=2, ensure_ascii=False, default=_plain) + "\n"


def _plain(value: Any) -> Any:
    """Values callers commonly put in ``extra`` that JSON has no type for."""
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"cannot write {type(value).__name__} to the JSON report")
