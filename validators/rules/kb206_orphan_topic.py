"""A topic is taught in no course.

## What it does
Reports a topic card that no course lists in its modules (membership is
computed from the courses, not from what the topic says about itself).

## Why it matters
An orphan topic is never published in any course view, so the work that
went into it reaches no learner.

## Example
```yaml
# courses/intro.yaml
modules:
  - title: Basics
    topics: [linear-algebra]   # cnns is missing
```

## Use instead
```yaml
modules:
  - title: Basics
    topics: [linear-algebra, cnns]
```
"""

from kb.graph import courses_of_topic
from validators.diagnostic import Severity
from validators.registry import Rule


class OrphanTopic(Rule):
    code = "KB206"
    name = "orphan-topic"
    severity = Severity.warning
    judges_whole = frozenset({("course", "modules")})

    def check(self, ctx, options):
        for tid, card in ctx.kb.topics.items():
            if not courses_of_topic(ctx.graph, tid):
                yield ctx.at(card, "id", message=f"topic {tid!r} is in no course",
                             hint="add it to a module of a course in cards/courses/")


RULE = OrphanTopic
