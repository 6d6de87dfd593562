"""A topic names a concept that has no card yet.

## What it does
Reports each id in a topic's `related` list or its `coverage.needs_cards`
list that is not the id of a topic card. Coverage notes that say a
concept "needs its own resource card" are recorded in `needs_cards`, so the
request stays on the list until someone writes the card.

## Why it matters
Learners follow "see also" links; an instructor's note that a card is
needed is a work item, and it should not be lost in prose.

## Example
```yaml
related: [vision-transformer]
coverage:
  needs_cards: [vision-transformer]
```

## Use instead
Write `cards/topics/vision-transformer.yaml`, or drop the id when the
concept is covered elsewhere.
"""

from validators.diagnostic import Severity
from validators.registry import Rule


class MissingCard(Rule):
    code = "KB205"
    name = "missing-card"
    severity = Severity.warning

    def check(self, ctx, options):
        for card in ctx.kb.topics.values():
            t = card.model
            for i, rel in enumerate(t.related):
                if rel not in ctx.kb.topics:
                    yield ctx.at(card, "related", i, message=f"related topic {rel!r} has no card",
                                 hint=f"write cards/topics/{rel}.yaml", concept=rel)
            for i, concept in enumerate(t.coverage.needs_cards):
                if concept not in ctx.kb.topics:
                    yield ctx.at(card, "coverage", "needs_cards", i,
                                 message=f"the coverage notes say {concept!r} needs its own card, and none exists",
                                 hint=f"write cards/topics/{concept}.yaml", concept=concept)


RULE = MissingCard
