"""A link was not checked: excluded by configuration, no network, a private address, or out of time.

## What it does
Notes, at info level, each occurrence of a URL the link stage did not fetch:
one matched a `[tool.kb.links] exclude` pattern (or no `include` pattern);
the URL resolves to a loopback, private, link-local or cloud
metadata address (fetched only with `--allow-private-hosts`); or the run
reached `total_timeout_s` first.

When the machine has no network at all (every host fails to resolve or
connect), the stage says so once in its summary line and marks every link
unchecked in the machine report; no per-link finding is made, so an offline
run is one line rather than a finding for every link.

## Why it matters
An unchecked link is not a broken one, and CI must not fail on it, but
nobody should mistake it for a checked one either.

## Example
```yaml
url: http://169.254.169.254/latest/meta-data/
```

## Use instead
```yaml
url: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
```
"""

from validators.diagnostic import Severity
from validators.links.findings import finding, results, shown
from validators.links.model import Outcome
from validators.registry import Rule


class LinkUnchecked(Rule):
    code = "KB505"
    name = "link-unchecked"
    severity = Severity.info
    needs = "links"

    def check(self, ctx, options):
        offline = getattr(ctx.links, "offline", False)
        for r in results(ctx.links, Outcome.unchecked):
            if offline and r.reason.startswith("not checked: no network"):
                continue  # said once by the stage's summary line
            for occ in r.occurrences:
                yield finding(occ, f"{shown(occ.url)} was not checked: {r.reason.removeprefix('not checked: ')}",
                              None)


RULE = LinkUnchecked
