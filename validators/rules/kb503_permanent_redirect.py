"""A link works only through a permanent redirect: the page has a new address.

## What it does
Reports a URL whose chain starts with a permanent redirect (301 or 308, or a
renamed GitHub repository) and ends at a working page. The hint gives the
address the permanent redirects lead to; temporary redirects (302, 303, 307)
are followed silently.

## Why it matters
Sites keep old redirects only for a while. Writing the new address now keeps
the link working after the redirect is dropped, saves readers a hop, and
shows the real host on the published site.

## Example
```yaml
url: http://colah.github.io/posts/2014-07-Conv-Nets-Modular/
```

## Use instead
```yaml
url: https://colah.github.io/posts/2014-07-Conv-Nets-Modular/
```
"""

from validators.diagnostic import Severity
from validators.links.findings import finding, results, shown
from validators.links.model import Outcome
from validators.registry import Rule


class PermanentRedirect(Rule):
    code = "KB503"
    name = "permanent-redirect"
    severity = Severity.warning
    needs = "links"

    def check(self, ctx, options):
        for r in results(ctx.links, Outcome.ok):
            if not r.moved_to or r.moved_to == r.key:
                continue
            hops = " -> ".join(f"{status}" for _, status in r.redirects)
            for occ in r.occurrences:
                new = r.moved_to
                if occ.fragment and "#" not in new:
                    new = f"{new}#{occ.url.split('#', 1)[1]}"
                yield finding(occ, f"{shown(occ.url)} has moved permanently ({hops}) to {shown(new)}",
                              f"replace the URL with {new}", fix=new)


RULE = PermanentRedirect
