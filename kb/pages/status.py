"""What the site shows about verification: claim statuses, link outcomes and findings.

The site computes none of this itself.  Claims come from the claims ledger
(``validators.claims``, handed in by the MkDocs plugin), statuses and link
outcomes from the last check report, findings from the lint run of the build
and from the report.  This module only turns them into the small records the
view models use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

REPORT_VERSION = 1

#: claim statuses, in the order the site lists them
CLAIM_STATUSES = ("verified", "not-verified", "disputed", "failing")
UNKNOWN = "unknown"

STATUS_ICONS = {
    "verified": "\u2713",  # check mark
    "not-verified": "?",
    "disputed": "!",
    "failing": "\u2717",  # ballot x
    UNKNOWN: "\u2013",  # en dash
}
STATUS_LABELS = {
    "verified": "verified",
    "not-verified": "not verified",
    "disputed": "disputed",
    "failing": "failing",
    UNKNOWN: "unknown",
}
STATUS_MEANINGS = {
    "verified": "a check or a person confirmed it",
    "not-verified": "nobody has confirmed it yet",
    "disputed": "someone has reason to doubt it",
    "failing": "a machine check contradicts it",
    UNKNOWN: "no status is known",
}
LINK_OUTCOMES = {
    "ok": ("\u2713", "link ok", "the link answered and is the page the card names"),
    "broken": ("\u2717", "link broken", "the link did not answer, or answered with an error"),
    "blocked": ("\u2298", "link blocked", "the site refused an automated check; a person should look"),
    "unknown": ("?", "link unknown", "the check could not decide"),
    "unchecked": ("\u2013", "link not checked", "the link check has not looked at this link"),
}


class ReportError(Exception):
    """The report file exists but cannot be used."""


@dataclass(frozen=True)
class LinkStatus:
    url: str
    outcome: str
    status: int | None = None
    final_url: str | None = None
    title: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Finding:
    """A diagnostic as a page lists it."""

    code: str
    severity: str
    path: str
    line: int
    col: int
    message: str
    card: str | None = None


@dataclass
class Report:
    """What the site uses from the last ``kb check --report``: none of it when there is no report."""

    path: Path | None = None
    found: bool = False
    generated_at: str | None = None
    diagnostics: list[Finding] = field(default_factory=list)
    claims: list[dict[str, Any]] | None = None
    links: dict[str, LinkStatus] | None = None

    def link(self, url: str | None) -> LinkStatus | None:
        if not url or self.links is None:
            return None
        return self.links.get(url_key(url))


def url_key(url: str) -> str:
    """A URL as the link report and the cards should both spell it: no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))


def finding(d: Any) -> Finding:
    """A :class:`Finding` from a Diagnostic or from its JSON form."""
    get = d.get if isinstance(d, dict) else (lambda k, default=None: getattr(d, k, default))
    severity = get("severity", "")
    return Finding(
        code=str(get("code", "") or ""),
        severity=str(getattr(severity, "value", severity) or ""),
        path=str(get("path", "") or ""),
        line=int(get("line", 0) or 0),
        col=int(get("col", 0) or 0),
        message=str(get("message", "") or ""),
        card=get("card"),
    )


def load_report(path: Path | None) -> Report:
    """Read the machine report; a missing file is an empty :class:`Report`, a broken one :class:`ReportError`."""
    if path is None or not path.is_file():
        return Report(path=path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read the check report: {exc}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: the check report is not a JSON object")
    version = data.get("version")
    if version != REPORT_VERSION:
        raise ReportError(f"{path}: check report version {version!r} is not supported (expected {REPORT_VERSION})")
    raw_links = data.get("links")
    if isinstance(raw_links, dict):  # the link stage's own summary: {"results": [...], ...}
        raw_links = raw_links.get("results")
    links = None
    if isinstance(raw_links, list):
        links = {}
        for entry in raw_links:
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                links[url_key(entry["url"])] = LinkStatus(
                    url=entry["url"],
                    outcome=str(entry.get("outcome") or "unknown"),
                    status=entry.get("status") if isinstance(entry.get("status"), int) else None,
                    final_url=entry.get("final_url") if isinstance(entry.get("final_url"), str) else None,
                    title=entry.get("title") if isinstance(entry.get("title"), str) else None,
                    reason=entry.get("reason") if isinstance(entry.get("reason"), str) else None,
                )
    claims = data.get("claims")
    return Report(
        path=path,
        found=True,
        generated_at=data.get("generated_at") if isinstance(data.get("generated_at"), str) else None,
        diagnostics=[finding(d) for d in data.get("diagnostics") or [] if isinstance(d, dict)],
        claims=[c for c in claims if isinstance(c, dict)] if isinstance(claims, list) else None,
        links=links,
    )


@dataclass(frozen=True)
class ClaimView:
    """One claim as the site shows it."""

    uid: str
    card_kind: str  # "topic" or "digest"
    card_id: str
    path: str  # relative to the cards root
    line: int
    col: int
    text: str
    status: str
    origin: str  # "claim" (an entry under claims:) or "marker" (a [NOT VERIFIED] in prose)
    source: str | None = None
    check: str | None = None
    evidence: tuple[tuple[str, str], ...] = ()
    #: True when the status comes from a machine report rather than the card
    checked: bool = False

    @property
    def anchor(self) -> str:
        return "claim-" + re.sub(r"[^a-z0-9-]+", "-", self.uid.split("#", 1)[-1].lower()).strip("-")


def _evidence_pairs(evidence: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(evidence, dict):
        return ()
    out = []
    for key, value in evidence.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        out.append((str(key), str(value)))
    return tuple(out)


def _check_kind(entry: dict[str, Any]) -> str | None:
    value = entry.get("check")
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and isinstance(value.get("kind"), str):
        return value["kind"]
    return None


def claim_views(ledger: Iterable[dict[str, Any]], report: Report) -> list[ClaimView]:
    """Every claim of the cards as they are now, with its status from the report where it has one.

    ``ledger`` is the claims ledger of the current cards (``LedgerEntry.to_dict()``);
    a report entry for a claim that no longer exists is stale and left out.
    """
    from_report = {c.get("uid"): c for c in report.claims or [] if isinstance(c.get("uid"), str)}
    views: list[ClaimView] = []
    for entry in ledger:
        uid = str(entry.get("uid"))
        checked = uid in from_report
        merged = {**entry, **{k: v for k, v in from_report.get(uid, {}).items() if v is not None}}
        status = str(merged.get("status") or UNKNOWN)
        views.append(ClaimView(
            uid=uid,
            card_kind=str(entry.get("card_kind")),
            card_id=str(entry.get("card_id")),
            path=str(merged.get("path") or ""),
            line=int(merged.get("line") or 1),
            col=int(merged.get("col") or 1),
            text=str(merged.get("text") or ""),
            status=status if status in CLAIM_STATUSES else UNKNOWN,
            origin="marker" if entry.get("origin") == "marker" else "claim",
            source=merged.get("source") if isinstance(merged.get("source"), str) else None,
            check=_check_kind(merged),
            evidence=_evidence_pairs(merged.get("evidence")),
            checked=checked,
        ))
    return views


def evidence_tip(claim: ClaimView) -> str:
    """The badge's tooltip: the status and how it was established."""
    bits = [STATUS_LABELS.get(claim.status, claim.status)]
    ev = dict(claim.evidence)
    for key in ("method", "measured", "date", "by"):
        if ev.get(key):
            bits.append(f"{key}: {ev[key]}")
    if not ev:
        bits.append("from the last check report" if claim.checked else "as the card states it; no evidence recorded")
    return "; ".join(bits)


def link_tip(link: LinkStatus, url: str) -> str | None:
    bits = [link.reason or (f"HTTP {link.status}" if link.status else "")]
    if link.final_url and url_key(link.final_url) != url_key(url):
        bits.append(f"ends at {link.final_url}")
    if link.title:
        bits.append(f"page title: {link.title}")
    tip = "; ".join(b for b in bits if b)
    return tip or None
