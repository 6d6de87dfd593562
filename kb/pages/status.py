"""What the site shows about verification: claim statuses, link outcomes and findings.

The site computes none of this itself: it reads two typed reports
(:class:`kb.report.Report`), the one of the build's own offline lint run (the
findings and the claims ledger of the cards as they are now) and the last
``kb check`` report (statuses, evidence, link outcomes, the findings of the
link and fact stages).  This module only indexes them and turns claims into
the small records the view models use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

from kb.report import ClaimEntry, LinkOutcome, Report

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


def url_key(url: str) -> str:
    """A URL as the link report and the cards should both spell it: no fragment, no trailing slash."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # not a URL at all ("http://[::1"): KB111 reports it, and no link result has it
        return url.strip()
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))


class Statuses:
    """Lookups into the typed reports the site reads: the build's own lint run and the last ``kb check``.

    ``live`` is this build's offline run (findings and the claims ledger of the
    cards as they are now); ``checked`` is the last ``kb check`` report, or
    None.  Nothing is recomputed here: the claims are the ledger's, statuses and
    evidence the report's, findings the rules'.
    """

    def __init__(self, live: Report | None, checked: Report | None, offline_codes: frozenset[str] = frozenset()):
        self.checked = checked
        self.links: dict[str, LinkOutcome] | None = None
        if checked is not None and checked.links is not None:
            self.links = {url_key(r.url): r for r in checked.links.results}
        findings = list(live.diagnostics) if live is not None else []
        if checked is not None:
            # a finding of a stage the build does not run comes from the report; the build's own run is newer
            findings += [d for d in checked.diagnostics if d.code not in offline_codes]
        self.findings = findings
        self.claims = claim_views(live.claims or [] if live is not None else [], checked)

    @property
    def found(self) -> bool:
        return self.checked is not None

    @property
    def generated_at(self) -> str | None:
        return self.checked.generated_at if self.checked is not None else None

    def link(self, url: str | None) -> LinkOutcome | None:
        if not url or self.links is None:
            return None
        return self.links.get(url_key(url))


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


def claim_views(ledger: Iterable[ClaimEntry], checked: Report | None) -> list[ClaimView]:
    """Every claim of the cards as they are now, with its status from the report where it has one.

    ``ledger`` is the claims ledger of the current cards; a report entry for a
    claim that no longer exists is stale and left out.
    """
    from_report = {c.uid: c for c in (checked.claims or [] if checked is not None else [])}
    views: list[ClaimView] = []
    for entry in ledger:
        known = from_report.get(entry.uid)
        src = known or entry
        views.append(ClaimView(
            uid=entry.uid, card_kind=entry.card_kind, card_id=entry.card_id, path=entry.path,
            line=entry.line, col=entry.col, text=entry.text,
            status=src.status if src.status in CLAIM_STATUSES else UNKNOWN,
            origin=entry.origin, source=src.source or entry.source, check=src.check or entry.check,
            evidence=_evidence_pairs(src.evidence if src.evidence is not None else entry.evidence),
            checked=known is not None,
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


def link_tip(link: LinkOutcome, url: str) -> str | None:
    bits = [link.reason or (f"HTTP {link.status}" if link.status else "")]
    if link.final_url and url_key(link.final_url) != url_key(url):
        bits.append(f"ends at {link.final_url}")
    if link.title:
        bits.append(f"page title: {link.title}")
    tip = "; ".join(b for b in bits if b)
    return tip or None
