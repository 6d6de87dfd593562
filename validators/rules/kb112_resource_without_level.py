"""A resource does not say who it suits.

## What it does
Reports every resource of a topic that has no `level`. The resource's role
and title are quoted in the message.

## Why it matters
The level is how a learner picks between a lecture and a paper, and how the
course pages order a topic's resources. A resource imported from text with no
`Level:` line is otherwise silently unrated.

## Example
```yaml
resources:
  - id: paper
    role: original-paper
    title: Deep Residual Learning for Image Recognition
    url: https://arxiv.org/abs/1512.03385
```

## Use instead
```yaml
resources:
  - id: paper
    role: original-paper
    title: Deep Residual Learning for Image Recognition
    url: https://arxiv.org/abs/1512.03385
    level: advanced          # or a rising range: intermediate/advanced
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule


class ResourceWithoutLevel(Rule):
    code = "KB112"
    name = "resource-without-level"
    severity = Severity.info
    scope = "card"

    def check(self, ctx, options):
        for card in ctx.kb.topics.values():
            for i, res in enumerate(card.model.resources):
                if res.level is None:
                    where = ("resources", i, "level") if card.source.has("resources", i, "level") else ("resources", i)
                    yield ctx.at(
                        card, *where,
                        message=f"{res.role.value} resource {res.title!r} has no level",
                        hint="add level: beginner, intermediate or advanced, or a rising range such as beginner/intermediate",
                    )


RULE = ResourceWithoutLevel
