"""A claim's check that cannot be run: unknown model, unsupported op, unreadable value.

## What it does
Reports a check the fact runner could not carry out: a model name that is
neither in torchvision's registry nor a named config (the hint lists the
named configs), builder arguments the model does not accept, a compute check
on a model that does not take one image batch, weights that do not exist, a
formula with a variable the op does not have, a stated value that is not a
number, or an unexpected failure while measuring (reported, never cached, so
the next run retries it).

## Why it matters
A check that never runs verifies nothing, yet the claim looks checked. The
fact runner only builds models by registry name or named config, never from
an import path or code in a card, so a typo here is the usual cause.

## Example
```yaml
check: {kind: params, model: resnet-50, value: 25557032}
```

## Use instead
```yaml
check: {kind: params, model: resnet50, value: 25557032}
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule
from validators.claims.locate import claim_span, fact_results


class FactUncheckable(Rule):
    code = "KB602"
    name = "fact-uncheckable"
    severity = Severity.warning
    needs = "facts"

    def check(self, ctx, options):
        for card, result in fact_results(ctx, ("uncheckable", "error")):
            span = claim_span(card, result.claim_index, "check.model", "check.weights", "check.op", "check.numerator.model",
                              "check.expression", "check")
            prefix = "check could not be run" if result.status == "uncheckable" else "check failed unexpectedly"
            yield ctx.finding(card, span, f"{prefix}: {result.message}", result.hint, uid=result.uid)


RULE = FactUncheckable
