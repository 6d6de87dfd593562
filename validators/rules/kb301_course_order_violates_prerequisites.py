"""A course teaches a topic before one of its prerequisites.

## What it does
Walks each course's modules in order and reports a topic that comes before
a prerequisite the same course teaches later. The message names both
positions.

## Why it matters
Learners meet the topic without the ground it stands on; the course view
would show it first.

## Example
```yaml
modules:
  - title: Vision
    topics: [cnns, linear-algebra]  # cnns requires linear-algebra
```

## Use instead
```yaml
modules:
  - title: Vision
    topics: [linear-algebra, cnns]
```
"""

from kb.graph import course_topics, first_entries
from validators.diagnostic import Severity
from validators.registry import Rule


class CourseOrderViolatesPrerequisites(Rule):
    code = "KB301"
    name = "course-order-violates-prerequisites"
    severity = Severity.error

    def check(self, ctx, options):
        for cid, course in ctx.kb.courses.items():
            order = course_topics(ctx.graph, cid)
            pos = {t: i for i, t in enumerate(order)}
            first = first_entries(ctx.graph, cid)
            for tid in order:
                topic = ctx.kb.topics.get(tid)
                if topic is None:
                    continue
                for pre in dict.fromkeys(topic.model.prerequisites):  # a repeated id is KB203's
                    if pre in pos and pos[pre] > pos[tid]:
                        yield ctx.at(course, "modules", first[tid].module, "topics", first[tid].index,
                                     message=f"{tid!r} (position {pos[tid] + 1}) comes before its prerequisite {pre!r} (position {pos[pre] + 1})",
                                     hint=f"move {pre!r} before {tid!r}")


RULE = CourseOrderViolatesPrerequisites
