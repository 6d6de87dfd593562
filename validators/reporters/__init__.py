"""Reporters: turn diagnostics and their summary into one output format.

========  =====================================================================
format    what it is for
========  =====================================================================
text      people at a terminal: ``path:line:col: CODE [severity] message``,
          a code frame, a hint, and a closing count (the default)
json      machines and the site: a versioned document, paths relative to the
          KB root, stable key order, room for extra top-level keys
sarif     code-scanning dashboards: SARIF 2.1.0 with rule metadata and
          line-independent fingerprints
github    GitHub Actions annotations (workflow commands)
junit     CI test dashboards: one testcase per card file
auto      ``github`` when ``GITHUB_ACTIONS`` is ``"true"``, else ``text``
========  =====================================================================

Every format is rendered by :func:`render` as a string; the caller decides
where it goes.  :func:`write_report` writes the JSON report to a file
atomically, so a reader (the site build, a dashboard) never sees half of one.
The typed machine report (:class:`kb.report.Report`: diagnostics, claims
ledger, link and fact results) is built by :mod:`validators.reporters.machine`.
Each format lives in its own module, imported only when it is used.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from validators.reporters.text import use_color

if TYPE_CHECKING:
    from validators.diagnostic import Diagnostic
    from validators.engine import Summary

__all__ = ["FORMATS", "render", "resolve_format", "use_color", "write_report"]

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "github", "junit", "auto")

_MODULES = {
    "text": "validators.reporters.text",
    "json": "validators.reporters.json_",
    "sarif": "validators.reporters.sarif",
    "github": "validators.reporters.github",
    "junit": "validators.reporters.junit",
}


def resolve_format(fmt: str) -> str:
    """The concrete format ``fmt`` names (``auto`` is decided from the environment)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (choose from {', '.join(FORMATS)})")
    if fmt == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return fmt


def render(
    fmt: str,
    diagnostics: list[Diagnostic],
    summary: Summary,
    *,
    root: Path,
    sources: dict[str, str] | None = None,
    color: bool | None = None,
    extra: dict[str, Any] | None = None,
    sarif_root: Path | None = None,
    show_info: bool = False,
) -> str:
    """Render ``diagnostics`` in format ``fmt``.

    ``root`` is the KB root the diagnostics' paths are relative to.
    ``sources`` maps those relative paths to file text; the text reporter
    draws code frames from it (reading from ``root`` for paths it lacks) and
    the JUnit reporter lists its files as testcases.  ``color`` forces ANSI
    colour on or off for ``text``; ``None`` decides from stdout and the
    environment (see :func:`use_color`).  ``extra`` adds top-level keys to
    the ``json`` document and is ignored by the other formats.  ``sarif_root``
    is the folder SARIF file URIs are relative to (default: the git
    repository's top folder; see :func:`validators.reporters.sarif.source_root`).
    ``show_info`` lists info findings one by one in ``text`` (by default they
    are summarised, one line per code); the other formats always list them.
    """
    concrete = resolve_format(fmt)
    module = importlib.import_module(_MODULES[concrete])
    root = Path(root)
    if concrete == "text":
        return module.render(diagnostics, summary, root=root, sources=sources, color=color, show_info=show_info)
    if concrete == "json":
        return module.render(diagnostics, summary, root=root, extra=extra)
    if concrete == "junit":
        return module.render(diagnostics, summary, root=root, sources=sources)
    if concrete == "sarif":
        return module.render(diagnostics, summary, root=root, sarif_root=sarif_root)
    return module.render(diagnostics, summary, root=root)


def write_report(
    path: Path | str,
    diagnostics: list[Diagnostic],
    summary: Summary,
    *,
    root: Path,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write the JSON report to ``path`` atomically and return the path.

    The document is written to a temporary file in the same folder, flushed
    to disk and then moved over ``path`` with :func:`os.replace`, so readers
    see either the old report or the whole new one.  Missing parent folders
    are created.
    """
    from kb.report import write_text_atomic
    from validators.reporters import json_

    # render first: a failure here must leave any previous report untouched
    text = json_.render(diagnostics, summary, root=Path(root), extra=extra)
    return write_text_atomic(Path(path), text)
