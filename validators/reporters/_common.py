"""Small helpers shared by the reporters: paths, counts, rule metadata, control characters."""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from validators.diagnostic import Diagnostic, Severity

if TYPE_CHECKING:
    from validators.engine import Summary


# ---------------------------------------------------------------------------- control characters

#: Bidirectional overrides and isolates: invisible, and they reorder how the text around them
#: reads ("Trojan Source"), so a message could show one thing and say another.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_hidden(ch: str) -> bool:
    """Whether ``ch`` is shown as an escape: a control character other than line feed and tab, or a bidi override."""
    return ch not in "\n\t" and (unicodedata.category(ch) == "Cc" or ch in _BIDI)


def escape_controls(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\u202e``).

    Card text is untrusted: an escape sequence in a claim would drive the
    reader's terminal, recolour or hide CI log lines, or (carriage return)
    overwrite the line it is on.  Line feeds and tabs are kept; each format
    escapes those in its own way.  Every output format passes card-derived
    text through here, so they all show the same thing.
    """
    if text.isprintable():  # the common case, and fast
        return text
    return "".join(_shown(ch) for ch in text)


def _shown(ch: str) -> str:
    if not is_hidden(ch):
        return ch
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


_TEXT_FIELDS = ("code", "name", "path", "card", "message", "hint", "url")


def escape_diagnostic(d: Diagnostic) -> Diagnostic:
    """``d`` with its text fields passed through :func:`escape_controls` (``d`` itself if clean)."""
    changes = {}
    for name in _TEXT_FIELDS:
        value = getattr(d, name)
        if isinstance(value, str) and (escaped := escape_controls(value)) != value:
            changes[name] = escaped
    return dataclasses.replace(d, **changes) if changes else d


def escape_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [escape_diagnostic(d) for d in diagnostics]


def kb_relative(path: str, root: Path) -> str:
    """``path`` relative to the KB root, in posix form.

    Diagnostics normally carry relative paths already; an absolute path that
    lies under ``root`` is made relative so that no report leaks where the
    checkout happens to live.
    """
    posix = path.replace("\\", "/")
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            try:
                return candidate.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                return posix
    return str(PurePosixPath(posix))


def display_path(path: str, root: Path, base: Path | None = None) -> str:
    """``path`` as a person (or a CI annotation) should see it.

    Relative to ``base`` (the working directory unless given) when the file
    lies under it, so that ``cards/topics/cnns.yaml:12:5`` can be clicked in a
    terminal or matched to a repository file; otherwise relative to the KB root.
    """
    rel = kb_relative(path, root)
    base = Path.cwd() if base is None else base
    full = Path(os.path.abspath(root / rel))
    try:
        return full.relative_to(Path(os.path.abspath(base))).as_posix()
    except ValueError:
        return rel


def plural(n: int, word: str) -> str:
    # "info" is a mass noun: "2 info" reads better than "2 infos"
    if word == "info" or n == 1:
        return f"{n} {word}"
    return f"{n} {word}s"


def summary_line(summary: Summary) -> str:
    """``3 errors, 5 warnings, 2 info in 14 files``."""
    return (
        f"{plural(summary.error, 'error')}, {plural(summary.warning, 'warning')}, "
        f"{plural(summary.info, 'info')} in {plural(summary.files, 'file')}"
    )


def worst(diagnostics: list[Diagnostic]) -> Severity | None:
    if not diagnostics:
        return None
    return max((d.severity for d in diagnostics), key=lambda s: s.rank)


# --------------------------------------------------------------------------- rule metadata


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What the machine formats say about a rule beyond the diagnostic itself."""

    code: str
    name: str
    summary: str
    description: str
    doc: str
    default_severity: Severity | None


def rule_catalogue() -> dict[str, RuleInfo]:
    """Every registered rule's metadata, by code."""
    from validators.registry import all_rules

    out: dict[str, RuleInfo] = {}
    for code, rule in all_rules().items():
        summary = rule.summary()
        out[code] = RuleInfo(
            code=code,
            name=rule.name,
            summary=summary,
            description=doc_section(rule.doc, "What it does") or summary,
            doc=rule.doc.strip(),
            default_severity=rule.severity,
        )
    return out


def doc_section(doc: str, title: str) -> str:
    """The text of one ``## title`` section of a rule doc, as one paragraph."""
    match = re.search(rf"^#+\s*{re.escape(title)}\s*$(.*?)(?=^#+\s|\Z)", doc, re.MULTILINE | re.DOTALL)
    if not match:
        return ""
    return " ".join(match.group(1).split())
