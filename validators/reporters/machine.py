"""Build the machine report (:class:`kb.report.Report`) from a run's diagnostics and stage results.

The report model lives in the core (:mod:`kb.report`) so the site can read
it without the validators; this module is the one place that turns the
validators' own objects (diagnostics, the claims ledger, the link and fact
stages' reports) into it.  Link results are listed by target and fact
results by claim uid, so a report does not depend on the order the work was
done in (or on how it was split between shards).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from kb import __version__
from kb.report import (
    ClaimEntry,
    Diagnostic,
    FactResultEntry,
    FactsSection,
    IdentityEntry,
    LinkCounts,
    LinkOccurrence,
    LinkOutcome,
    LinksSection,
    Report,
    RunInfo,
    Shard,
    Summary,
)
from validators.reporters._common import kb_relative

if TYPE_CHECKING:
    from validators.context import RuleContext
    from validators.diagnostic import Diagnostic as RunDiagnostic
    from validators.engine import Summary as RunSummary
    from validators.facts import FactReport
    from validators.links import LinkReport


def diagnostic_entry(d: RunDiagnostic, root: Path) -> Diagnostic:
    return Diagnostic(
        code=d.code, name=d.name, severity=d.severity.value, path=kb_relative(d.path, root),
        line=d.line, col=d.col, end_line=d.end_line, end_col=d.end_col, card=d.card,
        message=d.message, hint=d.hint, url=d.url,
    )


def links_section(links: LinkReport) -> LinksSection:
    results = [
        LinkOutcome(
            url=r.key,
            outcome=r.outcome.value,
            status=r.status,
            reason=r.reason,
            final_url=r.final_url,
            moved_to=r.moved_to,
            redirects=[(u, s) for u, s in r.redirects],
            title=r.title,
            cached=r.cached,
            occurrences=[LinkOccurrence(card=o.card, path=o.rel, field=o.field, line=o.line, col=o.col)
                         for o in r.occurrences],
        )
        for r in links.results.values()
    ]
    c = links.counts
    return LinksSection(
        offline=links.offline,
        offline_reason=links.offline_reason,
        counts=LinkCounts(checked=c.checked, ok=c.ok, broken=c.broken, blocked=c.blocked, unchecked=c.unchecked,
                          cached=c.cached, requests=c.requests, seconds=round(c.seconds, 3)),
        summary=links.summary_line(),
        results=sorted(results, key=lambda r: r.url),
        identity={k: IdentityEntry(expected_title=v.expected_title, found_title=v.found_title,
                                   verdict=getattr(v.verdict, "value", v.verdict))
                  for k, v in sorted(links.identity.items())},
        evidence={uid: dict(ev) for uid, ev in sorted(links.evidence.items())},
    )


def facts_section(facts: FactReport) -> FactsSection:
    return FactsSection(
        versions=facts.versions,
        device=facts.device,
        measured=facts.measured,
        cached=facts.cached,
        seconds=round(facts.seconds, 3),
        counts=facts.counts(),
        results=sorted((FactResultEntry.model_validate(r.to_dict()) for r in facts.results.values()),
                       key=lambda r: r.uid),
    )


def build_report(
    diagnostics: Iterable[RunDiagnostic],
    summary: RunSummary,
    *,
    root: Path,
    ctx: RuleContext | None = None,
    stages: Iterable[str] = (),
    shard: tuple[int, int] | None = None,
    cards_digest: str = "",
    fail_on: str | None = None,
    generated_at: str | None = None,
) -> Report:
    """The report of one run: its diagnostics, and from ``ctx`` the claims ledger and the stage results."""
    return Report(
        summary=Summary.model_validate(summary.to_dict()),
        diagnostics=[diagnostic_entry(d, Path(root)) for d in diagnostics],
        generated_at=generated_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        claims=[ClaimEntry.model_validate(e.to_dict()) for e in ctx.claims_ledger()] if ctx is not None else None,
        links=links_section(ctx.links) if ctx is not None and ctx.links is not None else None,
        facts=facts_section(ctx.facts) if ctx is not None and ctx.facts is not None else None,
        run=RunInfo(
            kb_version=__version__,
            stages=list(stages),
            shard=Shard(index=shard[0], count=shard[1]) if shard else None,
            cards_digest=cards_digest,
            fail_on=fail_on,
        ),
    )
