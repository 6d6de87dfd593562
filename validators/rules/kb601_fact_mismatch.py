"""A number that torch or torchvision measures differently from what the claim states.

## What it does
For every claim with a machine check (parameter count, multiply-adds or
FLOPs, output shape, torchvision weights metadata, ratio, arithmetic), the
fact runner measures the value and compares it with the stated one at the
precision it was written with. This rule reports a mismatch, naming the
claimed value, the measured value, the convention and the model config:
"claimed 21,797,672 params for resnet18; measured 11,689,512". When the
claim holds under another reading (the other FLOP convention, convolutions
alone, ResNet v1 rather than torchvision's v1.5, other pretrained weights,
the classification head left out) the hint says so.

Claims already marked `status: disputed` are not reported here (KB403
lists them); output-size formulas have their own rule, KB603.

## Why it matters
A wrong number in a digest is repeated by the tutor to every student. A
re-measurement is cheap and exact, so there is no reason to keep one that
nobody checked against the real model.

## Example
```yaml
claims:
  - id: resnet18-params
    text: ResNet-18 has 21.8M parameters.
    check: {kind: params, model: resnet18, value: "21.8M"}
```

## Use instead
Correct the number, or keep it as a dispute with the evidence:
```yaml
claims:
  - id: resnet18-params
    text: ResNet-18 has 11.7M parameters.
    check: {kind: params, model: resnet18, value: "11.7M"}
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule
from validators.claims.locate import claim_span, fact_results


class FactMismatch(Rule):
    code = "KB601"
    name = "fact-mismatch"
    severity = Severity.error
    needs = "facts"

    def check(self, ctx, options):
        for card, result in fact_results(ctx, ("mismatch",), formula=False, skip_disputed=True):
            span = claim_span(card, result.claim_index, "check.value", "check.equals", "check.expression", "check")
            yield ctx.finding(card, span, result.message, result.hint, uid=result.uid,
                              claimed=result.claimed, measured=result.measured, convention=result.convention)


RULE = FactMismatch
