"""A digest has no key content.

## What it does
Reports a digest whose `key_points` is missing or blank.

## Why it matters
A digest exists to give the tutor precise, sourced detail. An empty one
promises depth the tutor does not have, and the topic counts it as a source.

## Example
```yaml
id: torch-conv2d
kind: reference-doc
title: torch.nn.Conv2d
url: https://docs.pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
```

## Use instead
```yaml
id: torch-conv2d
kind: reference-doc
title: torch.nn.Conv2d
url: https://docs.pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
key_points: |
  - Output height: floor((H + 2*padding - dilation*(kernel-1) - 1)/stride + 1).
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule


class EmptyDigest(Rule):
    code = "KB207"
    name = "empty-digest"
    severity = Severity.warning

    def check(self, ctx, options):
        for card in ctx.kb.digests.values():
            if not (card.model.key_points or "").strip():
                where = ("key_points",) if card.source.has("key_points") else ("title",)
                yield ctx.at(card, *where, message=f"digest {card.id!r} has no key content",
                             hint="summarise the source's key points, or remove the digest from its topics")


RULE = EmptyDigest
