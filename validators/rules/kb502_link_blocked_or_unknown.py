r"""A link could not be confirmed: the site refused the checker, or did not answer in time.

## What it does
Reports every occurrence of a URL whose check ended **blocked or unknown**:
401 or 403, 429 still after the retries (or a `Retry-After` longer than
`retry_after_max_s`), LinkedIn's 999, a bot-check or captcha page, a timeout,
a dropped connection, or a server error (5xx) that persisted through the
retries. Such a link may well work in a browser, so this is a warning, not
an error: CI does not fail on a site that merely dislikes robots.

## Why it matters
Nobody has confirmed the link works. A link that stays in this state run
after run deserves a look by hand; one that always blocks checkers can be
listed in `[tool.kb.links] exclude` to turn this into KB505 (info).

## Example
```yaml
url: https://www.linkedin.com/in/someone/   # answers robots with 999
```

## Use instead
```toml
[tool.kb.links]
exclude = ['^https://www\.linkedin\.com/']
```
"""

from validators.diagnostic import Severity
from validators.links.findings import finding, results, shown
from validators.links.model import Outcome
from validators.registry import Rule


class LinkBlockedOrUnknown(Rule):
    code = "KB502"
    name = "link-blocked-or-unknown"
    severity = Severity.warning
    needs = "links"

    def check(self, ctx, options):
        for r in results(ctx.links, Outcome.blocked):
            for occ in r.occurrences:
                yield finding(occ, f"could not confirm {shown(occ.url)}: {r.reason}",
                              "open it in a browser; if the site always blocks checkers, add it to "
                              "[tool.kb.links] exclude", status=r.status)


RULE = LinkBlockedOrUnknown
