"""A hand-typed count disagrees with what the card lists.

## What it does
Compares `stated_counts` (numbers copied from prose such as "This topic
appears in 2 courses" or "10 sources") with the counts computed from the
graph: the courses whose modules list the topic, and the topic's digests.

## Why it matters
Machine-drafted text states counts that drift as cards change; a tutor that
repeats "appears in 3 courses" when it is in 2 is simply wrong.

## Example
```yaml
digests: [resnet, vgg]
stated_counts:
  digests: 10
```

## Use instead
Drop `stated_counts` (the site computes these numbers), or list the digests
the count promises.
"""

from kb.graph import courses_of_topic
from validators.diagnostic import Severity
from validators.registry import Rule


class StatedCountMismatch(Rule):
    code = "KB303"
    name = "stated-count-mismatch"
    severity = Severity.warning
    judges_whole = frozenset({("topic", "digests"), ("course", "modules")})

    def check(self, ctx, options):
        for tid, card in ctx.kb.topics.items():
            stated = card.model.stated_counts
            if stated is None:
                continue
            if stated.courses is not None:
                actual = courses_of_topic(ctx.graph, tid)
                if stated.courses != len(actual):
                    yield ctx.at(card, "stated_counts", "courses",
                                 message=f"says the topic appears in {stated.courses} courses; the courses list it in {len(actual)}"
                                 + (f" ({', '.join(actual)})" if actual else ""))
            if stated.digests is not None:
                actual_d = len(card.model.digests)
                if stated.digests != actual_d:
                    yield ctx.at(card, "stated_counts", "digests",
                                 message=f"says the topic has {stated.digests} sources; it lists {actual_d} digests")


RULE = StatedCountMismatch
