"""Shared by the loader-stage rules: turn load problems of one code into findings."""

from __future__ import annotations

from typing import Iterator

from validators.context import RuleContext
from validators.diagnostic import Finding


def problems_with_code(ctx: RuleContext, code: str) -> Iterator[Finding]:
    for p in ctx.kb.problems:
        if p.code != code:
            continue
        yield Finding(
            path=ctx.kb.relpath(p.path),
            line=p.span.line,
            col=p.span.col,
            end_line=p.span.end_line,
            end_col=p.span.end_col,
            card=p.card,
            message=p.message,
            hint=p.hint,
        )
