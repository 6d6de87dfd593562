"""A resource or digest has no URL.

## What it does
Reports every resource of a topic, and every digest, whose `url` is missing
or empty. The resource's title is quoted in the message.

## Why it matters
A pick a reader cannot open is a dead end: "Watch: YouTube" names a site,
not a video. Links are also how the link checker confirms that the work is
the one the card names.

## Example
```yaml
resources:
  - id: video
    role: video
    title: "Lecture 5: Convolutional Neural Networks"
    source: YouTube
```

## Use instead
```yaml
resources:
  - id: video
    role: video
    title: "Lecture 5: Convolutional Neural Networks"
    source: YouTube
    url: https://www.youtube.com/watch?v=bNb2fEVKeEo
```
"""

from validators.diagnostic import Severity
from validators.registry import Rule


class ResourceWithoutUrl(Rule):
    code = "KB110"
    name = "resource-without-url"
    severity = Severity.warning
    scope = "card"

    def check(self, ctx, options):
        for card in ctx.kb.topics.values():
            for i, res in enumerate(card.model.resources):
                if not (res.url or "").strip():
                    where = ("resources", i, "url") if card.source.has("resources", i, "url") else ("resources", i)
                    yield ctx.at(
                        card, *where,
                        message=f"{res.role.value} resource {res.title!r} has no url",
                        hint="add the address of the resource itself, not just the site it is on",
                    )
        for card in ctx.kb.digests.values():
            if not (card.model.url or "").strip():
                where = ("url",) if card.source.has("url") else ("title",)
                yield ctx.at(
                    card, *where,
                    message=f"digest {card.model.title!r} has no url for its source",
                    hint="add the URL of the paper or document this digest summarises",
                )


RULE = ResourceWithoutUrl
