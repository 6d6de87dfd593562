"""A claim whose check or evidence disagrees with it.

## What it does
Reports every claim whose status is *disputed*: the card marks it so (a
measurement disagreed and the author kept the claim with the evidence), or
evidence gathered in this run refutes it (for instance the link checker
found that a URL in a `[NOT VERIFIED]` clause points at another page). The
message names what was claimed and what was found. A claim marked disputed
whose check now holds is reported too, so the status can be updated.

## Why it matters
A disputed number is still in the text a tutor reads. Keeping it, with the
measurement beside it, is honest (the paper did say 12×); hiding the dispute
is not. The report keeps every such claim in view.

## Example
```yaml
claims:
  - id: googlenet-vs-alexnet-params
    text: GoogLeNet uses ~12× fewer parameters than AlexNet.
    check: {kind: ratio, numerator: {measure: params, model: alexnet},
            denominator: {measure: params, model: googlenet}, value: "~12x"}
```
(`kb check` reports KB601: torchvision measures about 9.2×.)

## Use instead
Keep the claim, mark it disputed, and record the measurement:
```yaml
    status: disputed
    evidence: {method: "kb facts: params of alexnet / googlenet", measured: "9.22",
               note: "the paper counted a smaller GoogLeNet; torchvision's has 6.6M parameters"}
```
"""

from kb.loader import Span
from validators.diagnostic import Severity
from validators.registry import Rule
from validators.claims.locate import card_of, claim_span


class DisputedClaim(Rule):
    code = "KB403"
    name = "disputed-claim"
    severity = Severity.warning
    scope = "card"

    def check(self, ctx, options):
        for entry in ctx.claims_ledger():
            card = card_of(ctx, entry.card_kind, entry.card_id)
            if card is None:
                continue
            stale = entry.stated_status == "disputed" and entry.status == "verified"
            if entry.status != "disputed" and not stale:
                continue
            if entry.origin == "marker":
                span = Span(entry.line, entry.col, entry.end_line, entry.end_col)
            else:
                span = claim_span(card, entry.claim_index, "status", "text")
            ev = entry.evidence or {}
            if stale:
                yield ctx.finding(
                    card, span,
                    f"claim {entry.claim_id!r} is marked disputed, but its check now holds (measured {ev.get('measured')})",
                    "set status: verified and update the evidence",
                    uid=entry.uid,
                )
                continue
            found = ev.get("measured")
            detail = f"; found {found}" if found else ""
            if ev.get("note"):
                detail += f" ({ev['note']})"
            hint = None
            if entry.facts and entry.facts.get("hint"):
                hint = entry.facts["hint"]
            elif not entry.evidence:
                hint = "record the evidence (method, date, what was found) so readers see both sides"
            yield ctx.finding(
                card, span,
                f"disputed claim {entry.claim_id!r}: \"{entry.text}\"{detail}",
                hint,
                uid=entry.uid,
            )


RULE = DisputedClaim
