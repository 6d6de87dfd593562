"""A mapping in a card names the same key twice.

## What it does
Reports the second (and any later) occurrence of a key within one mapping.

## Why it matters
YAML readers keep only the last value, so the first one is lost without a
word: two `why:` lines, and the reviewer reads the one that is thrown away.

## Example
```yaml
- role: video
  url: https://example.org/a
  url: https://example.org/b
```

## Use instead
```yaml
- role: video
  url: https://example.org/b
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule
from validators.rules._problems import problems_with_code


class DuplicateKey(Rule):
    code = "KB103"
    name = "duplicate-key"
    severity = Severity.error

    def check(self, ctx, options):
        return problems_with_code(ctx, self.code)


RULE = DuplicateKey
