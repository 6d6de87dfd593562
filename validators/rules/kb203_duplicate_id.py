"""Two things share an id that must be unique.

## What it does
Reports a card whose id is already used by another card of the same kind,
a resource id used twice within a topic, a claim id used twice within a
card, and an id listed twice in one of a topic's `prerequisites`, `related`
or `digests` lists. The message names where the first one is.

## Why it matters
References resolve to only one of them, so the other silently vanishes from
the graph, the site and the export.

## Example
```yaml
resources:
  - id: video
    role: video
  - id: video
    role: alternative
```

## Use instead
```yaml
resources:
  - id: video
    role: video
  - id: alternative
    role: alternative
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule


class DuplicateId(Rule):
    code = "KB203"
    name = "duplicate-id"
    severity = Severity.error

    def check(self, ctx, options):
        first = {}
        for card in ctx.kb.all_cards:
            key = (card.kind, card.id)
            if key in first:
                other = first[key]
                yield ctx.at(card, "id", message=f"{card.kind} id {card.id!r} is already used by {other.rel}",
                             hint="give each card its own id (the file name without .yaml)")
            else:
                first[key] = card
        for card in ctx.kb.all_cards:
            if card.kind == "topic":
                seen = {}
                for i, res in enumerate(card.model.resources):
                    if res.id in seen:
                        yield ctx.at(card, "resources", i, "id",
                                     message=f"resource id {res.id!r} is used twice in this topic (first at resources[{seen[res.id]}])")
                    seen.setdefault(res.id, i)
            if card.kind == "topic":
                for field in ("prerequisites", "related", "digests"):
                    first_at = {}
                    for i, ident in enumerate(getattr(card.model, field)):
                        if ident in first_at:
                            yield ctx.at(card, field, i,
                                         message=f"{ident!r} is listed twice in {field} (first at {field}[{first_at[ident]}])",
                                         hint="remove the repeated entry")
                        first_at.setdefault(ident, i)
            if card.kind in ("topic", "digest"):
                seen = {}
                for i, claim in enumerate(card.model.claims):
                    if claim.id in seen:
                        yield ctx.at(card, "claims", i, "id",
                                     message=f"claim id {claim.id!r} is used twice in this card (first at claims[{seen[claim.id]}])")
                    seen.setdefault(claim.id, i)


RULE = DuplicateId
