"""Two resources of one topic point at the same URL.

## What it does
Compares the URLs of a topic's resources after normalisation (scheme and
host case, `www.`, default ports, trailing slash, fragment and tracking
parameters are ignored) and reports the second of any pair.

## Why it matters
Two roles filled by one page usually means a copy-paste slip: the second
pick was meant to be something else, and readers get the same page twice.

## Example
```yaml
- id: written-explainer
  url: https://cs231n.github.io/convolutional-networks/
- id: deep-dive
  url: https://cs231n.github.io/convolutional-networks
```

## Use instead
```yaml
- id: written-explainer
  url: https://colah.github.io/posts/2014-07-Conv-Nets-Modular/
- id: deep-dive
  url: https://cs231n.github.io/convolutional-networks/
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule
from validators.rules._urls import normalize_url, url_problem


class DuplicateUrl(Rule):
    code = "KB204"
    name = "duplicate-url"
    severity = Severity.warning
    scope = "card"

    def check(self, ctx, options):
        for card in ctx.kb.topics.values():
            seen = {}
            for i, res in enumerate(card.model.resources):
                if not res.url or url_problem(res.url):
                    continue
                key = normalize_url(res.url)
                if key in seen:
                    yield ctx.at(card, "resources", i, "url",
                                 message=f"resource {res.id!r} has the same url as resource {seen[key]!r}",
                                 hint="each role deserves its own pick; remove one or find the page you meant")
                else:
                    seen[key] = res.id


RULE = DuplicateUrl
