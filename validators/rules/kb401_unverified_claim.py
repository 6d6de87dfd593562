"""A claim nobody has verified: a `[NOT VERIFIED]` marker, or a claim with status not-verified.

## What it does
Every `[NOT VERIFIED]` marker anywhere in a card's prose (a topic's summary, a
resource's why or note, coverage notes, a course emphasis, a digest's focus or
key points, a claim's text) is a claim with status *not-verified*; so is every
`claims:` entry whose status is `not-verified`. This rule reports each one at
the marker (or the claim), quoting the clause it qualifies.

Evidence gathered in the same run settles a claim and silences the rule: a
check that holds (`kb check`, `kb facts`), or for a marker whose clause
contains a URL, the link checker confirming that the page is the one named.
A claim with a check is left alone by `kb lint`, which does not run checks;
`kb check` runs them.

## Why it matters
Machine-drafted text marks what it could not confirm, and an AI tutor repeats
marked and unmarked text alike. The marker is only useful if someone follows
it up; this rule keeps the list of such claims visible until they are.

## Example
```yaml
why: "Highly readable. The arxiv mirror is: https://arxiv.org/abs/1404.5997 [NOT VERIFIED]"
```

## Use instead
Check the claim and drop the marker, or record how it was checked:
```yaml
why: "Highly readable. The arXiv version is https://arxiv.org/abs/1404.5997."
claims:
  - id: alexnet-arxiv-mirror
    text: The arXiv version of the AlexNet paper is arXiv:1404.5997.
    status: verified
    evidence: {method: arXiv API title match, date: "2025-01-10"}
```
"""

from kb.loader import Span
from validators.diagnostic import Severity
from validators.registry import Rule
from validators.claims.locate import card_of, claim_span


class UnverifiedClaim(Rule):
    code = "KB401"
    name = "unverified-claim"
    severity = Severity.warning
    scope = "card"

    def check(self, ctx, options):
        for entry in ctx.claims_ledger():
            if entry.status != "not-verified":
                continue
            card = card_of(ctx, entry.card_kind, entry.card_id)
            if card is None:
                continue
            if entry.origin == "marker":
                span = Span(entry.line, entry.col, entry.end_line, entry.end_col)
                yield ctx.finding(
                    card, span,
                    f"unverified claim: \"{entry.text}\" is marked [NOT VERIFIED]",
                    "verify it, then drop the marker or record it as a claim with evidence or a check",
                    uid=entry.uid,
                )
                continue
            if entry.check is not None and ctx.facts is None:
                continue  # its check settles it when facts run (kb check / kb facts)
            index = entry.claim_index
            hint = ("its check could not be run; see KB602" if entry.check else
                    "verify it and set status: verified with evidence, or add a check")
            yield ctx.finding(
                card, claim_span(card, index, "status", "text"),
                f"claim {entry.claim_id!r} is not verified: \"{entry.text}\"", hint, uid=entry.uid,
            )


RULE = UnverifiedClaim
