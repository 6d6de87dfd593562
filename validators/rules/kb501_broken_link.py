"""A link leads nowhere: the page is gone, the host does not exist, or the site is broken for everyone.

## What it does
Reports every occurrence of a URL whose check ended **broken**: a 404 or
410, another 4xx that is not about permission, a host name that does not
resolve (while other hosts do), a refused connection, a TLS certificate
failure, a redirect loop or too many redirects, a 200 page that says "not
found" (a soft 404), a deep link redirected to the site's home page, an
arXiv id or DOI that does not exist, a deleted GitHub repository or YouTube
video. The message gives the status or error; resolver-backed links name the
service that answered.

Runs only in the link stage (`kb check`, `kb links`); failures are never
cached, so the next run asks again.

## Why it matters
A reader who follows a dead link loses the resource the card promised, and
an AI tutor repeating the card sends students to nothing.

## Example
```yaml
- id: deep-dive
  role: deep-dive
  title: CS231n notes
  url: https://cs231n.github.io/convolutional-networks-old/   # 404
```

## Use instead
```yaml
- id: deep-dive
  role: deep-dive
  title: CS231n notes
  url: https://cs231n.github.io/convolutional-networks/
```
"""

from validators.diagnostic import Severity
from validators.links.findings import finding, results, shown
from validators.links.model import Outcome
from validators.registry import Rule


class BrokenLink(Rule):
    code = "KB501"
    name = "broken-link"
    severity = Severity.error
    needs = "links"

    def check(self, ctx, options):
        for r in results(ctx.links, Outcome.broken):
            for occ in r.occurrences:
                hint = "find where the page moved (or an archived copy) and update the URL"
                if r.key.startswith(("arxiv:", "doi:")):
                    hint = "check the identifier against the paper itself"
                yield finding(occ, f"broken link {shown(occ.url)}: {r.reason}", hint, status=r.status)


RULE = BrokenLink
