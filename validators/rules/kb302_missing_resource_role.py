"""A topic lacks one of the resource roles a card promises.

## What it does
Every topic card promises a best video, written explainer, deep dive,
original paper and code walkthrough. This rule reports each promised role
that no resource of the topic fills. The roles can be changed with the
`roles` option.

## Why it matters
Learners differ: some need the video, some the paper. A missing role is a
gap the course page would hide.

## Example
```yaml
resources:
  - {id: video, role: video, title: "...", url: "..."}
```

## Use instead
```yaml
resources:
  - {id: video, role: video, title: "...", url: "..."}
  - {id: written-explainer, role: written-explainer, title: "...", url: "..."}
  - {id: deep-dive, role: deep-dive, title: "...", url: "..."}
  - {id: original-paper, role: original-paper, title: "...", url: "..."}
  - {id: code-walkthrough, role: code-walkthrough, title: "...", url: "..."}
```
"""

from pydantic import BaseModel, ConfigDict, Field

from kb.schema import CORE_ROLES, Role
from validators.diagnostic import Severity
from validators.registry import Rule


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: list[Role] = Field(default_factory=lambda: list(CORE_ROLES), description="Roles every topic must fill.")


class MissingResourceRole(Rule):
    code = "KB302"
    name = "missing-resource-role"
    severity = Severity.warning
    judges_whole = frozenset({("topic", "resources")})
    Options = Options

    def check(self, ctx, options):
        for card in ctx.kb.topics.values():
            have = {r.role for r in card.model.resources}
            missing = [r.value for r in options.roles if r not in have]
            if missing:
                where = ("resources",) if card.source.has("resources") else ("id",)
                yield ctx.at(card, *where, key=True, message=f"topic {card.id!r} has no {', '.join(missing)} resource",
                             hint="add a resource with role: " + missing[0])


RULE = MissingResourceRole
