"""A card does not match its schema.

## What it does
Validates every topic, digest and course card against its model: unknown
keys, missing required fields, wrong types, ids that are not slugs, and
enumerations such as `role` or `level` (`beginner`, `intermediate`,
`advanced`, or a rising range such as `beginner/intermediate`). Each error
is reported at the line and column of the offending key or value.

## Why it matters
A misspelt key (`prerequisities:`) would otherwise be silently ignored, and
the topic would lose its prerequisites without anyone noticing.

## Example
```yaml
id: cnns
title: CNNs
level: expert
prerequisities: [linear-algebra]
```

## Use instead
```yaml
id: cnns
title: CNNs
level: advanced
prerequisites: [linear-algebra]
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule
from validators.rules._problems import problems_with_code


class SchemaViolation(Rule):
    code = "KB102"
    name = "schema-violation"
    severity = Severity.error

    def check(self, ctx, options):
        return problems_with_code(ctx, self.code)


RULE = SchemaViolation
