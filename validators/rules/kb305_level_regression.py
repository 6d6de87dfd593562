"""A topic is rated easier than one of its prerequisites.

## What it does
Compares each topic's `level` with the levels of its prerequisites and
reports a topic whose highest level is below a prerequisite's lowest level
(a `beginner` topic that requires an `advanced` one).

## Why it matters
Levels guide learners to where to start. A beginner topic behind an
advanced prerequisite is a trap: either the level or the prerequisite is
wrong.

## Example
```yaml
id: cnns
level: beginner
prerequisites: [measure-theory]   # level: advanced
```

## Use instead
```yaml
id: cnns
level: intermediate
prerequisites: [linear-algebra]   # level: beginner
```
"""

from kb.schema import level_bounds
from validators.diagnostic import Severity
from validators.registry import Rule


class LevelRegression(Rule):
    code = "KB305"
    name = "level-regression"
    severity = Severity.warning

    def check(self, ctx, options):
        for card in ctx.kb.topics.values():
            level = card.model.level
            if not level:
                continue
            for i, pre in enumerate(card.model.prerequisites):
                other = ctx.kb.topics.get(pre)
                if other is None or not other.model.level:
                    continue
                if level_bounds(level)[1] < level_bounds(other.model.level)[0]:
                    yield ctx.at(card, "prerequisites", i,
                                 message=f"{card.id!r} is {level} but its prerequisite {pre!r} is {other.model.level}",
                                 hint="raise this topic's level, or check the prerequisite")


RULE = LevelRegression
