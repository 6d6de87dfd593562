"""The content model: what a topic, digest and course card may contain.

Pydantic v2 models with ``extra="forbid"`` so a misspelt key is an error at
its line, not silently ignored.  Relations between cards (does this
prerequisite exist? is the course order sound?) are *not* checked here: they
are graph rules in ``validators``.  This module judges one card's shape.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from kb.checks import Check

SLUG_RE = r"^[a-z0-9][a-z0-9-]*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_RE)]

LEVELS = ("beginner", "intermediate", "advanced")


def _level(value: str) -> str:
    parts = [p.strip() for p in value.split("/")]
    if not 1 <= len(parts) <= 2 or any(p not in LEVELS for p in parts):
        raise ValueError(
            "level must be beginner, intermediate or advanced, or a range of two such as beginner/intermediate"
        )
    if len(parts) == 2 and LEVELS.index(parts[0]) >= LEVELS.index(parts[1]):
        raise ValueError(f"level range {value!r} must go from lower to higher, e.g. beginner/intermediate")
    return "/".join(parts)


Level = Annotated[str, AfterValidator(_level)]


def level_bounds(level: str) -> tuple[int, int]:
    """(lowest, highest) index into LEVELS for a level or level range."""
    parts = level.split("/")
    return LEVELS.index(parts[0]), LEVELS.index(parts[-1])


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Role(str, Enum):
    video = "video"
    written_explainer = "written-explainer"
    deep_dive = "deep-dive"
    original_paper = "original-paper"
    code_walkthrough = "code-walkthrough"
    alternative = "alternative"


#: The five roles a topic card promises to fill (KB302).
CORE_ROLES = (Role.video, Role.written_explainer, Role.deep_dive, Role.original_paper, Role.code_walkthrough)


class ClaimStatus(str, Enum):
    verified = "verified"
    not_verified = "not-verified"
    disputed = "disputed"
    failing = "failing"


class Evidence(_Model):
    """How a claim's status was established."""

    method: str = Field(description="What was done: 'torchvision weights metadata', 'arXiv API title match', 'read the paper'.")
    date: str | None = Field(default=None, description="ISO date of the check.")
    by: str | None = Field(default=None, description="Who or what checked it (a person, 'kb facts').")
    versions: dict[str, str] = Field(default_factory=dict, description="Tool versions, e.g. torch, torchvision.")
    measured: str | None = Field(default=None, description="The value found, as text.")
    note: str | None = None


class Claim(_Model):
    """A statement a tutor may repeat, with its verification status."""

    id: Slug
    text: str = Field(min_length=1)
    status: ClaimStatus = ClaimStatus.not_verified
    source: str | None = Field(default=None, description="Where in the source it comes from: 'Table 4', 'Sec. 3.3'.")
    check: Check | None = Field(default=None, description="A machine check that re-runs the number.")
    evidence: Evidence | None = None


class Resource(_Model):
    """One pick for a topic: a video, an explainer, a paper..."""

    id: Slug = Field(description="Unique within the topic; courses refer to resources by this id.")
    role: Role
    title: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list)
    source: str | None = Field(default=None, description="Where it lives: YouTube, a blog, NeurIPS proceedings.")
    url: str | None = None
    why: str | None = Field(default=None, description="Why this is the pick (Markdown).")
    level: Level | None = None
    year: int | None = None
    digest: Slug | None = Field(default=None, description="Id of a digest of this resource.")
    note: str | None = Field(default=None, description="Anything else a maintainer should know (Markdown).")


class Coverage(_Model):
    strong: str | None = None
    weak: str | None = None
    gaps: str | None = None
    needs_cards: list[Slug] = Field(
        default_factory=list,
        description="Concepts the notes mention that need a card of their own (topic ids).",
    )


class CourseUse(_Model):
    """How one course uses this topic."""

    emphasis: str = Field(min_length=1)
    resources: list[Slug] = Field(default_factory=list, description="Ids of this topic's resources picked for the course.")


class StatedCounts(_Model):
    """Counts written by hand in the source text, kept so they can be checked (KB303)."""

    courses: int | None = None
    digests: int | None = None


class Topic(_Model):
    id: Slug
    title: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    summary: str | None = None
    level: Level | None = None
    prerequisites: list[Slug] = Field(default_factory=list)
    related: list[Slug] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    coverage: Coverage = Field(default_factory=Coverage)
    courses: dict[Slug, CourseUse] = Field(default_factory=dict)
    digests: list[Slug] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    stated_counts: StatedCounts | None = None


class DigestKind(str, Enum):
    paper = "paper"
    reference_doc = "reference-doc"
    explainer = "explainer"
    code = "code"
    source = "source"


class Identifiers(_Model):
    arxiv: str | None = Field(default=None, pattern=r"^\d{4}\.\d{4,5}(v\d+)?$|^[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?$")
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")


class Digest(_Model):
    id: Slug
    kind: DigestKind
    title: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list)
    year: int | None = Field(default=None, ge=1900, le=2100)
    url: str | None = None
    identifiers: Identifiers = Field(default_factory=Identifiers)
    focus: str | None = Field(default=None, description="What the digest is for (Markdown).")
    key_points: str | None = Field(default=None, description="The digest's key content (Markdown).")
    claims: list[Claim] = Field(default_factory=list)


class Module(_Model):
    title: str = Field(min_length=1)
    topics: list[Slug] = Field(default_factory=list, description="Topic ids, in teaching order.")


class Course(_Model):
    id: Slug
    title: str = Field(min_length=1)
    audience: str | None = None
    summary: str | None = None
    modules: list[Module] = Field(default_factory=list)

    def topic_order(self) -> list[str]:
        seen: list[str] = []
        for module in self.modules:
            for t in module.topics:
                if t not in seen:
                    seen.append(t)
        return seen


CardKind = Literal["topic", "digest", "course"]

#: card kind -> (folder under the cards root, model)
CARD_TYPES: dict[str, tuple[str, type[_Model]]] = {
    "topic": ("topics", Topic),
    "digest": ("digests", Digest),
    "course": ("courses", Course),
}

NOT_VERIFIED_RE = re.compile(r"\[\s*NOT\s+VERIFIED\s*\]", re.IGNORECASE)


def json_schemas() -> dict[str, dict]:
    """JSON Schema for each card kind, for editor autocomplete."""
    out = {}
    for kind, (_, model) in CARD_TYPES.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"kb {kind} card"
        out[kind] = schema
    return out
