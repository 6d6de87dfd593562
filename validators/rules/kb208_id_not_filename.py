"""A card's id differs from its file name.

## What it does
Reports a card whose `id` is not its file name without the extension
(`cards/topics/cnns.yaml` must say `id: cnns`).

## Why it matters
Authors find a card by its id; when the two disagree, edits go to the wrong
file and duplicate cards appear.

## Example
```yaml
# cards/topics/cnn.yaml
id: cnns
```

## Use instead
Rename the file to `cards/topics/cnns.yaml`, or change the id.
"""

from validators.diagnostic import Severity
from validators.registry import Rule


class IdNotFilename(Rule):
    code = "KB208"
    name = "id-not-filename"
    severity = Severity.warning

    def check(self, ctx, options):
        for card in ctx.kb.all_cards:
            if card.path.stem != card.id:
                yield ctx.at(card, "id", message=f"id {card.id!r} does not match the file name {card.path.name!r}",
                             hint=f"rename the file to {card.id}{card.path.suffix}")


RULE = IdNotFilename
