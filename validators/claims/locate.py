"""Where the claims and facts rules point: a claim's card, and the best position inside it."""

from __future__ import annotations

from typing import Any, Iterator

from kb.loader import Span
from kb.store import Card
from validators.context import RuleContext


def card_of(ctx: RuleContext, kind: str, card_id: str) -> Card[Any] | None:
    return ctx.kb.by_kind(kind).get(card_id)


def claim_span(card: Card[Any], index: int, *fields: str) -> Span:
    """The first of ``claims[index].<field path>`` that exists in the file, else the claim itself."""
    for field in fields:
        path = ("claims", index, *field.split("."))
        if card.source.has(*path):
            return card.source.span(*path)
    return card.source.span("claims", index)


def claim_status(card: Card[Any], index: int) -> str:
    claims = getattr(card.model, "claims", []) or []
    return claims[index].status.value if index < len(claims) else "not-verified"


def fact_results(
    ctx: RuleContext, statuses: tuple[str, ...], *, formula: bool | None = None, skip_disputed: bool = False
) -> Iterator[tuple[Card[Any], Any]]:
    """(card, result) for the fact stage's results with one of ``statuses``.

    ``formula`` keeps only formula checks (True) or only the others (False);
    ``skip_disputed`` leaves out claims the card already marks disputed (their
    mismatch is reported as KB403 with the evidence instead).
    """
    if ctx.facts is None:
        return
    for result in ctx.facts.results.values():
        if result.status not in statuses:
            continue
        if formula is not None and (result.kind == "formula") != formula:
            continue
        card = card_of(ctx, result.card_kind, result.card_id)
        if card is None:
            continue
        if skip_disputed and claim_status(card, result.claim_index) == "disputed":
            continue
        yield card, result
