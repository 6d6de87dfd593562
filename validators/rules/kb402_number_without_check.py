"""A number in a digest's key points that no claim checks.

## What it does
Lists, line by line, the numbers in a digest's `key_points` that no claim of
the digest covers. A number is covered when a claim's check states it (the
checked value, the numbers of an arithmetic expression or formula, a
non-default input size) or when a claim verified or disputed by hand, with
evidence, contains it in its text. Digits inside names (ResNet-50, ViT-B/16,
acc@1), references to the source (Sec. 3.3, Table 4), citation years and
versions are not numbers here; nor are the bare 0 and 1.

Option `ignore`: numbers (as written, without separators) never reported,
e.g. `["224"]`.

## Why it matters
Every number in key content is something a tutor will repeat. This rule
makes each one either machine-checked or visibly unchecked: the report is
the to-do list of numbers nobody has confirmed. `kb claims suggest` proposes
checks for the ones it recognises.

## Example
```yaml
key_points: |
  - ResNet-50: ~3.8B FLOPs.
```

## Use instead
```yaml
key_points: |
  - ResNet-50: ~3.8B FLOPs.
claims:
  - id: resnet50-macs
    text: "ResNet-50: ~3.8B FLOPs."
    check: {kind: macs, model: resnet50_v1, value: "~3.8B"}
```
"""

from pydantic import BaseModel, ConfigDict, Field

from validators.claims import numbers_without_check
from validators.diagnostic import Severity
from validators.registry import Rule


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ignore: list[str] = Field(default_factory=list, description="Numbers never reported, written without separators (e.g. '224').")


class NumberWithoutCheck(Rule):
    code = "KB402"
    name = "number-without-check"
    severity = Severity.info
    scope = "card"
    Options = Options

    def check(self, ctx, options):
        ignore = {n.replace(",", "") for n in options.ignore}
        for card in ctx.kb.digests.values():
            text = card.model.key_points or ""
            for group in numbers_without_check(card):
                group = [t for t in group if t.mantissa not in ignore]
                if not group:
                    continue
                first = group[0]
                span = card.source.text_span(("key_points",), first.start, first.end, text)
                shown = ", ".join(t.text for t in group)
                noun = "number" if len(group) == 1 else "numbers"
                yield ctx.finding(
                    card, span,
                    f"{len(group)} {noun} without a check: {shown}",
                    "add a claim with a check ('kb claims suggest' proposes some), or a claim verified by hand with evidence",
                    numbers=[t.text for t in group],
                )


RULE = NumberWithoutCheck
