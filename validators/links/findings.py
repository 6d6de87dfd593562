"""Helpers the KB5xx rules share: turning an occurrence into a located finding."""

from __future__ import annotations

from typing import Any, Iterator

from validators.diagnostic import Finding
from validators.links.model import LinkReport, LinkResult, Occurrence, Outcome


def finding(occ: Occurrence, message: str, hint: str | None = None, **data: Any) -> Finding:
    return Finding(
        path=occ.rel,
        line=occ.line,
        col=occ.col,
        end_line=occ.end_line,
        end_col=occ.end_col,
        card=occ.card,
        message=message,
        hint=hint,
        data={"url": occ.url, "field": occ.field, **data},
    )


def results(report: Any, outcome: Outcome | None = None) -> Iterator[LinkResult]:
    """Results of the link stage (none when it did not run), optionally of one outcome."""
    if not isinstance(report, LinkReport):
        return
    for r in report.results.values():
        if outcome is None or r.outcome is outcome:
            yield r


def shown(url: str, limit: int = 90) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"
