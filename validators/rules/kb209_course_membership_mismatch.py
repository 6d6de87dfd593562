"""A topic and a course disagree about whether the course uses the topic.

## What it does
A topic says how each course uses it (`courses:` with an emphasis) and a
course lists its topics in `modules`. This rule reports a topic that gives
an emphasis for a course that does not list it, and a course that lists a
topic which says nothing about that course.

## Why it matters
The course page shows the topic with the emphasis its card gives for that
course; if one side is missing, the page is wrong or the emphasis is lost.

## Example
```yaml
# topics/cnns.yaml
courses:
  ml-engineering-foundations:
    emphasis: Parameter counts and compute.
# courses/ml-engineering-foundations.yaml lists no cnns
```

## Use instead
List `cnns` in a module of `ml-engineering-foundations`, or drop the entry.
"""

from kb.graph import course_entries, in_course
from validators.diagnostic import Severity
from validators.registry import Rule


class CourseMembershipMismatch(Rule):
    code = "KB209"
    name = "course-membership-mismatch"
    severity = Severity.warning
    judges_whole = frozenset({("topic", "courses"), ("course", "modules")})

    def check(self, ctx, options):
        for tid, card in ctx.kb.topics.items():
            for cid in card.model.courses:
                if cid in ctx.kb.courses and not in_course(ctx.graph, tid, cid):
                    yield ctx.at(card, "courses", cid, key=True,
                                 message=f"topic gives an emphasis for course {cid!r}, but that course does not list it",
                                 hint=f"add {tid!r} to a module of cards/courses/{cid}.yaml")
        for cid, course in ctx.kb.courses.items():
            for entry in course_entries(ctx.graph, cid):
                tid = entry.topic
                topic = ctx.kb.topics.get(tid)
                if topic is not None and cid not in topic.model.courses:
                    yield ctx.at(course, "modules", entry.module, "topics", entry.index,
                                 message=f"course lists topic {tid!r}, whose card gives no emphasis for this course",
                                 hint=f"add 'courses: {{{cid}: {{emphasis: ...}}}}' to cards/topics/{tid}.yaml")


RULE = CourseMembershipMismatch
