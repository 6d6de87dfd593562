"""A card file is not a clean, safe, single YAML document.

## What it does
Reports a card file that cannot be read as YAML at all: a syntax error, tab
indentation, a truncated document, more than one document, a tag such as
`!!python/object` that could construct code objects, an alias bomb, a file
over the size limit (`[tool.kb] max_file_bytes`, default 2 MiB) or one that
is not UTF-8. The position is where the parser gave up.

## Why it matters
Nothing else can be checked in a card that does not parse. Cards are loaded
with our own safe constructor, so a dangerous tag is refused, never run.

## Example
```yaml
id: cnns
title: CNNs
	summary: indented with a tab
```

## Use instead
```yaml
id: cnns
title: CNNs
summary: indented with spaces
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule
from validators.rules._problems import problems_with_code


class YamlSyntaxError(Rule):
    code = "KB101"
    name = "yaml-syntax-error"
    severity = Severity.error

    def check(self, ctx, options):
        return problems_with_code(ctx, self.code)


RULE = YamlSyntaxError
