"""Where the claims and facts rules point: a claim's card, and the best position inside it."""

from __future__ import annotations

from typing import Any

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
