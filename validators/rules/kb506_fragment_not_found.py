"""A link's `#fragment` names no element of the page.

## What it does
For a working URL with a fragment (`...page.html#section`), reads the page
(up to `max_body_bytes`) and looks for an element with that `id` or `name`
(GitHub's `user-content-` prefix is understood). Reported only when the page
was read to its end, so a truncated read never produces it. Client-side
routes (`#/path`, `#!`), text fragments (`#:~:text=`) and GitHub line anchors
are not checked.

## Why it matters
The link still opens, but at the top of a long page rather than the section
the card meant; usually the section was renamed.

## Example
```yaml
url: https://cs231n.github.io/convolutional-networks/#pooling-layers
```

## Use instead
```yaml
url: https://cs231n.github.io/convolutional-networks/#pool
```
"""

from validators.diagnostic import Severity
from validators.links.findings import finding, results, shown
from validators.links.model import Outcome
from validators.registry import Rule


class FragmentNotFound(Rule):
    code = "KB506"
    name = "fragment-not-found"
    severity = Severity.warning
    needs = "links"

    def check(self, ctx, options):
        for r in results(ctx.links, Outcome.ok):
            for occ, frag in r.missing_fragments:
                yield finding(occ, f"{shown(occ.url)}: the page has no element with id {frag!r}",
                              "link the section's current anchor, or drop the fragment", fragment=frag)


RULE = FragmentNotFound
