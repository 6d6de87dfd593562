"""SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning and others).

One run whose ``tool.driver`` is ``kb`` and lists, in code order, every rule
that appears in the results (id, name, short and full description, help URI
when a docs URL is configured, the rule's documentation as help text, and its
default level).

Each result names its file by a URI relative to the *source root*, with
``uriBaseId: "%SRCROOT%"``: ``--sarif-root`` when given, else the
repository root (``git rev-parse --show-toplevel`` from the cards root), else
the working directory when the cards lie under it, else the cards root
itself.  GitHub code scanning reads
relative URIs from the repository root and ignores base ids, so this is what
makes its alerts land on the right files; the run's ``originalUriBaseIds``
says where ``%SRCROOT%`` is for other consumers.  A file outside the source
root is named by an absolute ``file:`` URI, without a base id.

Columns are Unicode code points (``columnKind``), as PyYAML counts them, and
regions are 1-based with an exclusive end column, which is both SARIF's and
the diagnostics' convention.

``partialFingerprints["kbFingerprint/v1"]`` identifies a finding across runs
without using its line or column, so an alert survives edits that only move
it: it hashes the code, the path, the card and the message with any
positions in it removed.  Findings that would share a hash get a running
occurrence number (``<hash>:2``), the way GitHub numbers its own line hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from validators.diagnostic import Diagnostic, Severity
from validators.reporters._common import RuleInfo, escape_diagnostic, kb_relative, rule_catalogue

if TYPE_CHECKING:
    from validators.engine import Summary

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
URI_BASE_ID = "%SRCROOT%"
FINGERPRINT_KEY = "kbFingerprint/v1"

LEVELS = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}

# positions quoted in a message ("first defined at line 12", "x.yaml:3:7") move with edits
_FILE_POSITION = re.compile(r"(\.ya?ml):\d+(?::\d+)?")
_WORD_POSITION = re.compile(r"\b(lines?|columns?|cols?)\s+\d+(?:\s*(?:-|\u2013|to|and)\s*\d+)?", re.IGNORECASE)


def tool_info() -> tuple[str, str | None]:
    """The driver's version and information URI (None when the distribution names none)."""
    try:
        from kb import __version__ as version
    except ImportError:  # pragma: no cover - kb is always beside validators
        version = "0+unknown"
    uri: str | None = None
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata("kb-curriculum")
        for entry in meta.get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("homepage", "documentation", "source") and url.strip():
                uri = url.strip()
                break
        else:
            uri = (meta.get("Home-page") or "").strip() or None
    except (ImportError, PackageNotFoundError):
        pass
    return version, uri


def normalize_message(message: str) -> str:
    message = _FILE_POSITION.sub(r"\1", message)
    message = _WORD_POSITION.sub(lambda m: m.group(1).lower(), message)
    return " ".join(message.split())


def fingerprint(d: Diagnostic, rel_path: str) -> str:
    material = "\x00".join((d.code, rel_path, d.card or "", normalize_message(d.message)))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def artifact_uri(rel_path: str) -> str:
    # a relative URI reference: spaces and other reserved characters must be percent-encoded, and
    # so must each byte of a file name that is not UTF-8 (fsencode gives those bytes back)
    return quote(os.fsencode(rel_path), safe="/-._~!$&'()*+,;=@")


def source_root(cards_root: Path, explicit: Path | None = None) -> Path:
    """The folder result URIs are relative to: ``explicit``, else the git work tree, else the working
    directory when the cards lie under it, else the cards root itself."""
    if explicit is not None:
        return Path(os.path.abspath(explicit))
    cards_root = Path(os.path.abspath(cards_root))
    try:
        proc = subprocess.run(
            ["git", "-C", str(cards_root), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=10, check=False,
        )
        if proc.returncode == 0 and proc.stdout.strip():
            return Path(proc.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass  # no git: fall back to the working directory, or the cards root
    cwd = Path(os.path.abspath(Path.cwd()))
    return cwd if cards_root == cwd or cwd in cards_root.parents else cards_root


def _artifact_location(rel: str, cards_root: Path, src_root: Path) -> dict[str, str]:
    full = Path(os.path.abspath(cards_root / rel))
    try:
        under = full.relative_to(src_root)
    except ValueError:
        try:  # the same folders reached through symbolic links
            under = full.resolve().relative_to(src_root.resolve())
        except ValueError:
            return {"uri": full.as_uri()}  # outside the source root: an absolute URI takes no base id
    return {"uri": artifact_uri(under.as_posix()), "uriBaseId": URI_BASE_ID}


def _rule_descriptor(code: str, first: Diagnostic, info: RuleInfo | None) -> dict[str, Any]:
    name = info.name if info else first.name
    summary = info.summary if info else name.replace("-", " ")
    descriptor: dict[str, Any] = {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": info.description if info else summary},
    }
    # the configured docs URL travels on each diagnostic; with none configured there is no link at all
    if first.url:
        descriptor["helpUri"] = first.url
    if info and info.doc:
        descriptor["help"] = {"text": info.doc, "markdown": info.doc}
    default = info.default_severity if info and info.default_severity else first.severity
    descriptor["defaultConfiguration"] = {"level": LEVELS[default]}
    return descriptor


def _region(d: Diagnostic) -> dict[str, int]:
    line = max(d.line, 1)
    col = max(d.col, 1)
    end_line = max(d.end_line, line)
    end_col = max(d.end_col, 1)
    if end_line == line:
        end_col = max(end_col, col)
    return {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}


def _result(
    d: Diagnostic, rule_index: int, rel: str, seen: dict[str, int], artifact: dict[str, str]
) -> dict[str, Any]:
    d = escape_diagnostic(d)
    text = d.message if not d.hint else f"{d.message}\nHint: {d.hint}"
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": _region(d),
        }
    }
    if d.card:
        card_id = d.card.partition(":")[2] or d.card
        location["logicalLocations"] = [{"name": card_id, "fullyQualifiedName": d.card, "kind": "object"}]
    base = fingerprint(d, rel)
    seen[base] = seen.get(base, 0) + 1
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": LEVELS[d.severity],
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: base if seen[base] == 1 else f"{base}:{seen[base]}"},
    }
    properties = {key: value for key, value in (("card", d.card), ("hint", d.hint)) if value}
    if properties:
        result["properties"] = properties
    return result


def report(
    diagnostics: list[Diagnostic], summary: Summary, *, root: Path, sarif_root: Path | None = None
) -> dict[str, Any]:
    """The SARIF log as a plain dict; ``sarif_root`` overrides the source root (see :func:`source_root`)."""
    catalogue = rule_catalogue()
    first_by_code: dict[str, Diagnostic] = {}
    for d in diagnostics:
        first_by_code.setdefault(d.code, d)
    codes = sorted(first_by_code)
    index = {code: i for i, code in enumerate(codes)}
    rules = [_rule_descriptor(code, first_by_code[code], catalogue.get(code)) for code in codes]
    seen: dict[str, int] = {}
    src_root = source_root(Path(root), sarif_root)
    results = []
    for d in diagnostics:
        rel = kb_relative(d.path, root)
        results.append(_result(d, index[d.code], rel, seen, _artifact_location(rel, Path(root), src_root)))
    version, information_uri = tool_info()
    if information_uri is None:
        # the published site's home, when the rule pages live on it ({site}/rules/{code}/)
        information_uri = next(
            (d.url.partition("/rules/")[0] + "/" for d in diagnostics if d.url and "/rules/" in d.url), None
        )
    root_uri = src_root.as_uri().rstrip("/") + "/"
    driver: dict[str, Any] = {"name": "kb", "version": version}
    if information_uri:
        driver["informationUri"] = information_uri
    driver["rules"] = rules
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {
            URI_BASE_ID: {"uri": root_uri, "description": {"text": "The source root: the repository's top folder."}}
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"summary": summary.to_dict()},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(diagnostics: list[Diagnostic], summary: Summary, *, root: Path, sarif_root: Path | None = None) -> str:
    return json.dumps(report(diagnostics, summary, root=root, sarif_root=sarif_root), indent=2, ensure_ascii=False) + "\n"
