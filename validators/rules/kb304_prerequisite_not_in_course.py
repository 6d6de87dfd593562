"""A course teaches a topic but not that topic's prerequisite.

## What it does
Reports, for each course, a topic whose prerequisite (an existing topic) is
not taught in that course. Informational: a course may rely on prior
knowledge, but the course page should say so.

## Why it matters
Learners who start with this course meet the topic without its ground.

## Example
```yaml
# topics/cnns.yaml: prerequisites: [linear-algebra]
# courses/intro.yaml
modules:
  - {title: Vision, topics: [cnns]}
```

## Use instead
```yaml
modules:
  - {title: Foundations, topics: [linear-algebra]}
  - {title: Vision, topics: [cnns]}
```
"""

from kb.graph import course_entries, course_topics
from validators.diagnostic import Severity
from validators.registry import Rule


class PrerequisiteNotInCourse(Rule):
    code = "KB304"
    name = "prerequisite-not-in-course"
    severity = Severity.info
    judges_whole = frozenset({("course", "modules")})

    def check(self, ctx, options):
        for cid, course in ctx.kb.courses.items():
            taught = set(course_topics(ctx.graph, cid))
            for entry in course_entries(ctx.graph, cid):
                topic = ctx.kb.topics.get(entry.topic)
                if topic is None:
                    continue
                for pre in topic.model.prerequisites:
                    if pre in ctx.kb.topics and pre not in taught:
                        yield ctx.at(course, "modules", entry.module, "topics", entry.index,
                                     message=f"{entry.topic!r} needs {pre!r}, which this course does not teach",
                                     hint=f"add {pre!r} to an earlier module, or state it as an entry requirement")


RULE = PrerequisiteNotInCourse
