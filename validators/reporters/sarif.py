"""SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning and others).

One run whose ``tool.driver`` is ``kb`` and lists, in code order, every rule
that appears in the results (id, name, short and full description, help URI,
the rule's documentation as help text, and its default level).  Each result
points at its file through ``uriBaseId: "KBROOT"``; the run's
``originalUriBaseIds`` says where ``KBROOT`` is, so consumers can resolve the
relative URIs while the results themselves stay free of absolute paths.

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
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from validators.diagnostic import Diagnostic, Severity
from validators.registry import DOCS_URL
from validators.reporters._common import RuleInfo, escape_diagnostic, kb_relative, rule_catalogue

if TYPE_CHECKING:
    from validators.engine import Summary

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
URI_BASE_ID = "KBROOT"
FINGERPRINT_KEY = "kbFingerprint/v1"
DEFAULT_INFORMATION_URI = "https://kb.invalid/"

LEVELS = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}

# positions quoted in a message ("first defined at line 12", "x.yaml:3:7") move with edits
_FILE_POSITION = re.compile(r"(\.ya?ml):\d+(?::\d+)?")
_WORD_POSITION = re.compile(r"\b(lines?|columns?|cols?)\s+\d+(?:\s*(?:-|\u2013|to|and)\s*\d+)?", re.IGNORECASE)


def tool_info() -> tuple[str, str]:
    """The driver's version and information URI, from the installed distribution."""
    try:
        from kb import __version__ as version
    except ImportError:  # pragma: no cover - kb is always beside validators
        version = "0+unknown"
    uri = DEFAULT_INFORMATION_URI
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata("kb-curriculum")
        for entry in meta.get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("homepage", "documentation", "source") and url.strip():
                uri = url.strip()
                break
        else:
            uri = (meta.get("Home-page") or "").strip() or uri
    except (ImportError, PackageNotFoundError):
        pass
    return version, uri


def normalize_message(message: str) -> str:
    message = _FILE_POSITION.sub(r"\1", message)
    message = _WORD_POSITION.sub(lambda m: m.group(1).lower(), message)
    return " ".join(message.split())


def fingerprint(d: Diagnostic, rel_path: str) -> str:
    material = "\x00".join((d.code, rel_path, d.card or "", normalize_message(d.message)))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def artifact_uri(rel_path: str) -> str:
    # a relative URI reference: spaces and other reserved characters must be percent-encoded
    return quote(rel_path, safe="/-._~!$&'()*+,;=@")


def _rule_descriptor(code: str, first: Diagnostic, info: RuleInfo | None) -> dict[str, Any]:
    name = info.name if info else first.name
    summary = info.summary if info else name.replace("-", " ")
    descriptor: dict[str, Any] = {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": info.description if info else summary},
    }
    # the configured docs URL travels on each diagnostic; the registry default covers hand-made ones
    descriptor["helpUri"] = first.url or DOCS_URL.format(code=code, name=name)
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


def _result(d: Diagnostic, rule_index: int, rel: str, seen: dict[str, int]) -> dict[str, Any]:
    d = escape_diagnostic(d)
    text = d.message if not d.hint else f"{d.message}\nHint: {d.hint}"
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(rel), "uriBaseId": URI_BASE_ID},
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


def report(diagnostics: list[Diagnostic], summary: Summary, *, root: Path) -> dict[str, Any]:
    """The SARIF log as a plain dict."""
    catalogue = rule_catalogue()
    first_by_code: dict[str, Diagnostic] = {}
    for d in diagnostics:
        first_by_code.setdefault(d.code, d)
    codes = sorted(first_by_code)
    index = {code: i for i, code in enumerate(codes)}
    rules = [_rule_descriptor(code, first_by_code[code], catalogue.get(code)) for code in codes]
    seen: dict[str, int] = {}
    results = [_result(d, index[d.code], kb_relative(d.path, root), seen) for d in diagnostics]
    version, information_uri = tool_info()
    root_uri = Path(root).absolute().as_uri().rstrip("/") + "/"
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "kb",
                "version": version,
                "informationUri": information_uri,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {URI_BASE_ID: {"uri": root_uri, "description": {"text": "The knowledge base root."}}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"summary": summary.to_dict()},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(diagnostics: list[Diagnostic], summary: Summary, *, root: Path) -> str:
    return json.dumps(report(diagnostics, summary, root=root), indent=2, ensure_ascii=False) + "\n"
