"""Topics require each other in a circle.

## What it does
Finds every cycle in the prerequisite graph and prints it
(`a -> b -> c -> a`), located at the prerequisite entry that closes the
cycle in the first topic of it.

## Why it matters
No teaching order can satisfy a cycle: every course that contains it is
reported as out of order whatever the author does.

## Example
```yaml
# topics/attention.yaml
id: attention
prerequisites: [transformers]
# topics/transformers.yaml
id: transformers
prerequisites: [attention]
```

## Use instead
```yaml
# topics/transformers.yaml
id: transformers
prerequisites: [attention]
```
"""

from kb.graph import prerequisite_cycles
from validators.diagnostic import Severity
from validators.registry import Rule


class PrerequisiteCycle(Rule):
    code = "KB202"
    name = "prerequisite-cycle"
    severity = Severity.error

    def check(self, ctx, options):
        for cycle in prerequisite_cycles(ctx.graph):
            first, nxt = cycle[0], cycle[(1) % len(cycle)]
            card = ctx.kb.topics[first]
            index = card.model.prerequisites.index(nxt)
            shown = " -> ".join(cycle + [cycle[0]])
            yield ctx.at(card, "prerequisites", index, message=f"prerequisite cycle: {shown}",
                         hint="remove the prerequisite that is really a 'related' topic")


RULE = PrerequisiteCycle
