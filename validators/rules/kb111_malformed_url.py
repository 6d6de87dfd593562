"""A URL field holds something that is not an http(s) URL.

## What it does
Checks every `url` field of resources and digests: the scheme must be http
or https, there must be a host with a domain, and there must be no white
space inside. The message says which part is wrong.

## Why it matters
A malformed URL fails for every reader, and schemes such as `javascript:`
must never reach the published site.

## Example
```yaml
url: colah.github.io/posts/2014-07-Conv-Nets-Modular/
```

## Use instead
```yaml
url: https://colah.github.io/posts/2014-07-Conv-Nets-Modular/
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule
from validators.rules._urls import url_problem


class MalformedUrl(Rule):
    code = "KB111"
    name = "malformed-url"
    severity = Severity.error
    scope = "card"

    def check(self, ctx, options):
        for card in ctx.kb.topics.values():
            for i, res in enumerate(card.model.resources):
                if res.url and (problem := url_problem(res.url)):
                    yield ctx.at(card, "resources", i, "url", message=f"url {res.url!r} {problem}",
                                 hint="write the full address, starting with https://")
        for card in ctx.kb.digests.values():
            url = card.model.url
            if url and (problem := url_problem(url)):
                yield ctx.at(card, "url", message=f"url {url!r} {problem}",
                             hint="write the full address, starting with https://")


RULE = MalformedUrl
