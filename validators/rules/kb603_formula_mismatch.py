"""An output-size formula that disagrees with the real torch op.

## What it does
A `formula` check states an output-size formula for an op (Conv1d/2d/3d,
ConvTranspose1d/2d, MaxPool1d/2d, AvgPool1d/2d). The fact runner evaluates
it with a safe arithmetic evaluator over a grid of input sizes, kernels,
strides, paddings, dilations and output paddings, runs the real op for each
case, and reports the smallest case where they differ:
"at i=2, k=1, s=2, p=0 it gives 1.5, torch gives 1".

Variables the formula does not use are held at their neutral value (stride
1, no padding, dilation 1), so a formula is only tested for the cases it
describes; `where` and `grid` narrow it further ("same" padding for odd
kernels).

## Why it matters
Output-size arithmetic is where students go wrong, and a formula missing
its floor, or with the padding counted once instead of twice, looks right
until someone plugs in numbers. The counterexample shows where it breaks.

## Example
```yaml
check: {kind: formula, op: Conv2d, formula: "(i + 2*p - k) / s + 1"}
```

## Use instead
```yaml
check: {kind: formula, op: Conv2d, formula: "floor((i + 2*p - k) / s) + 1"}
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule
from validators.claims.locate import claim_span, fact_results


class FormulaMismatch(Rule):
    code = "KB603"
    name = "formula-mismatch"
    severity = Severity.error
    needs = "facts"

    def check(self, ctx, options):
        for card, result in fact_results(ctx, ("mismatch",), formula=True, skip_disputed=True):
            span = claim_span(card, result.claim_index, "check.formula", "check")
            yield ctx.finding(card, span, result.message, result.hint, uid=result.uid,
                              counterexample=result.counterexample)


RULE = FormulaMismatch
