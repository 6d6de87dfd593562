"""A linked GitHub repository is archived: read-only and no longer maintained.

## What it does
When the GitHub API reports a linked repository (`github.com/<owner>/<repo>`)
as archived, notes each occurrence. The link itself works.

## Why it matters
Archived code stops receiving fixes: examples drift away from current
library versions and issues cannot be filed. A code walkthrough that learners
will run should point at maintained code, or the card should say why the
archived one is still the pick.

## Example
```yaml
- id: code-walkthrough
  role: code-walkthrough
  url: https://github.com/someone/old-tutorial   # archived in 2021
```

## Use instead
```yaml
- id: code-walkthrough
  role: code-walkthrough
  url: https://github.com/someone/maintained-tutorial
```
"""

from validators.diagnostic import Severity
from validators.links.findings import finding, results, shown
from validators.links.model import Outcome
from validators.registry import Rule


class ArchivedRepository(Rule):
    code = "KB507"
    name = "archived-repository"
    severity = Severity.warning
    needs = "links"

    def check(self, ctx, options):
        for r in results(ctx.links, Outcome.ok):
            if r.resolver == "github" and r.meta.get("archived"):
                for occ in r.occurrences:
                    yield finding(occ, f"{shown(occ.url)} is an archived (read-only) repository",
                                  "link a maintained repository, or say in 'why' why the archived one is the pick")


RULE = ArchivedRepository
