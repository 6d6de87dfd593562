"""The content model: what a topic, digest and course card may contain.

Pydantic v2 models with ``extra="forbid"`` so a misspelt key is an error at
its line, not silently ignored.  Relations between cards (does this
prerequisite exist? is the course order sound?) are *not* checked here: they
are graph rules in ``validators``.  This module judges one card's shape.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic.json_schema import GenerateJsonSchema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints, WithJsonSchema

from kb.checks import Check

SLUG_RE = r"^[a-z0-9][a-z0-9-]*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_RE)]

LEVELS = ("beginner", "intermediate", "advanced")
#: every value a ``level`` may take: one level, or a rising range of two
LEVEL_VALUES = LEVELS + tuple(f"{a}/{b}" for i, a in enumerate(LEVELS) for b in LEVELS[i + 1:])


def _level(value: str) -> str:
    if value in LEVEL_VALUES:
        return value
    parts = value.split("/")
    if len(parts) == 2 and all(p in LEVELS for p in parts):
        raise ValueError(f"level range {value!r} must go from lower to higher, e.g. beginner/intermediate")
    if "/" in value and all(p.strip() in LEVELS for p in parts) and len(parts) == 2:
        raise ValueError(f"level {value!r} must be written without spaces, e.g. beginner/intermediate")
    raise ValueError(
        "level must be beginner, intermediate or advanced, or a rising range of two such as beginner/intermediate"
    )


_LEVEL_HELP = (
    "Who it suits: beginner, intermediate or advanced, or a rising range of two "
    "(beginner/intermediate, beginner/advanced, intermediate/advanced)."
)
Level = Annotated[
    str,
    Strict(),
    AfterValidator(_level),
    WithJsonSchema({"type": "string", "enum": list(LEVEL_VALUES), "description": _LEVEL_HELP}),
]


def level_bounds(level: str) -> tuple[int, int]:
    """(lowest, highest) index into LEVELS for a level or level range."""
    parts = level.split("/")
    return LEVELS.index(parts[0]), LEVELS.index(parts[-1])


class _Model(BaseModel):
    # Strict scalars: a YAML boolean is not an integer (``year: true`` is an error, not 1), a
    # number is not a string and a quoted number is not a number, as a JSON Schema validator in
    # an editor reads the same card; floats still take integers, as in JSON.  Enum fields opt
    # back in to reading their values (strict mode would want enum instances).
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


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
    note: str | None = Field(default=None, description="Anything else about the check (Markdown).")


class Claim(_Model):
    """A statement a tutor may repeat, with its verification status."""

    id: Slug = Field(description="Unique within the card: lower-case letters, digits and hyphens.")
    text: str = Field(min_length=1, description="The statement as a tutor would repeat it.")
    status: ClaimStatus = Field(
        default=ClaimStatus.not_verified,
        strict=False,
        description="verified, not-verified (the default), disputed or failing.",
    )
    source: str | None = Field(default=None, description="Where in the source it comes from: 'Table 4', 'Sec. 3.3'.")
    check: Check | None = Field(default=None, description="A machine check that re-runs the number.")
    evidence: Evidence | None = Field(default=None, description="How the status was established.")


class Resource(_Model):
    """One pick for a topic: a video, an explainer, a paper..."""

    id: Slug = Field(description="Unique within the topic; courses refer to resources by this id.")
    role: Role = Field(
        strict=False,
        description="What the pick is for: video, written-explainer, deep-dive, original-paper, code-walkthrough or alternative.",
    )
    title: str = Field(min_length=1, description="The resource's own title.")
    authors: list[str] = Field(default_factory=list, description="Authors or presenters, one per item.")
    source: str | None = Field(default=None, description="Where it lives: YouTube, a blog, NeurIPS proceedings.")
    url: str | None = Field(default=None, description="Address of the resource itself (http or https).")
    why: str | None = Field(default=None, description="Why this is the pick (Markdown).")
    level: Level | None = Field(default=None, description=_LEVEL_HELP)
    year: int | None = Field(default=None, description="Year of publication, written as an integer.")
    digest: Slug | None = Field(default=None, description="Id of a digest of this resource.")
    note: str | None = Field(default=None, description="Anything else a maintainer should know (Markdown).")


class Coverage(_Model):
    """What the picked resources cover well, poorly or not at all."""

    strong: str | None = Field(default=None, description="What the resources cover well (Markdown).")
    weak: str | None = Field(default=None, description="What they cover only thinly (Markdown).")
    gaps: str | None = Field(default=None, description="What none of them covers (Markdown).")
    needs_cards: list[Slug] = Field(
        default_factory=list,
        description="Concepts the notes mention that need a card of their own (topic ids).",
    )


class CourseUse(_Model):
    """How one course uses this topic."""

    emphasis: str = Field(min_length=1, description="What this course stresses about the topic, in a sentence or two.")
    resources: list[Slug] = Field(default_factory=list, description="Ids of this topic's resources picked for the course.")


class StatedCounts(_Model):
    """Counts written by hand in the source text, kept so they can be checked (KB303)."""

    courses: int | None = Field(default=None, ge=0, description="How many courses the source text said use the topic.")
    digests: int | None = Field(default=None, ge=0, description="How many digests the source text said the topic has.")


class Topic(_Model):
    """A topic card: the best resources for one concept, and how courses use it."""

    id: Slug = Field(description="The topic's id, the same as its file name: lower-case letters, digits and hyphens.")
    title: str = Field(min_length=1, description="The topic's name as readers see it.")
    aliases: list[str] = Field(default_factory=list, description="Other names for the topic (abbreviations, spellings).")
    summary: str | None = Field(default=None, description="What the topic is about, in a paragraph (Markdown).")
    level: Level | None = Field(default=None, description=_LEVEL_HELP)
    prerequisites: list[Slug] = Field(default_factory=list, description="Ids of topics to learn first.")
    related: list[Slug] = Field(default_factory=list, description="Ids of topics worth reading alongside.")
    resources: list[Resource] = Field(
        default_factory=list,
        description="The picks: one each for video, written-explainer, deep-dive, original-paper and code-walkthrough, plus alternatives.",
    )
    coverage: Coverage = Field(default_factory=Coverage, description="What the picks cover well, thinly or not at all.")
    courses: dict[Slug, CourseUse] = Field(
        default_factory=dict,
        description="Course id -> how that course uses the topic (its emphasis and the resources it picks).",
    )
    digests: list[Slug] = Field(default_factory=list, description="Ids of digests of papers and docs about the topic.")
    claims: list[Claim] = Field(default_factory=list, description="Statements a tutor may repeat, each with its status.")
    stated_counts: StatedCounts | None = Field(
        default=None, description="Counts written by hand in the source text, kept so they can be checked."
    )


class DigestKind(str, Enum):
    paper = "paper"
    reference_doc = "reference-doc"
    explainer = "explainer"
    code = "code"
    source = "source"


class Identifiers(_Model):
    """Identifiers of the digested work."""

    arxiv: str | None = Field(
        default=None,
        pattern=r"^\d{4}\.\d{4,5}(v\d+)?$|^[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?$",
        description="arXiv identifier, e.g. 2010.11929 or 2010.11929v2 (old style: cs/0101001).",
    )
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$", description="DOI, e.g. 10.1109/CVPR.2016.90.")


class Digest(_Model):
    """A digest card: the numbers and key points of one paper, doc or piece of code."""

    id: Slug = Field(description="The digest's id, the same as its file name: lower-case letters, digits and hyphens.")
    kind: DigestKind = Field(strict=False, description="What is digested: paper, reference-doc, explainer, code or source.")
    title: str = Field(min_length=1, description="Title of the digested work.")
    authors: list[str] = Field(default_factory=list, description="Its authors, one per item.")
    year: int | None = Field(default=None, ge=1900, le=2100, description="Year of publication (1900 to 2100), written as an integer.")
    url: str | None = Field(default=None, description="Address of the digested work (http or https).")
    identifiers: Identifiers = Field(default_factory=Identifiers, description="arXiv id and DOI of the work.")
    focus: str | None = Field(default=None, description="What the digest is for (Markdown).")
    key_points: str | None = Field(default=None, description="The digest's key content (Markdown).")
    claims: list[Claim] = Field(default_factory=list, description="Statements a tutor may repeat, each with its status and an optional check.")


class Module(_Model):
    """One module of a course: a title and its topics in teaching order."""

    title: str = Field(min_length=1, description="The module's title.")
    topics: list[Slug] = Field(default_factory=list, description="Topic ids, in teaching order.")


class Course(_Model):
    """A course card: its modules, each an ordered list of topics."""

    id: Slug = Field(description="The course's id, the same as its file name: lower-case letters, digits and hyphens.")
    title: str = Field(min_length=1, description="The course's title.")
    audience: str | None = Field(default=None, description="Who the course is for.")
    summary: str | None = Field(default=None, description="What the course teaches, in a paragraph (Markdown).")
    modules: list[Module] = Field(default_factory=list, description="The course's modules, in teaching order.")

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


class _CardSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema, minus the titles it gives every field.

    Editors join the titles of every schema that matches a value, so a field
    that is a union gets its title once per branch ("Level || Level").  Titles
    are added back after the unions are simplified, only where one schema
    holds the field (see :func:`_editor_friendly`).
    """

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def json_schemas() -> dict[str, dict]:
    """JSON Schema (draft 2020-12) for each card kind, for editors and CI validators.

    It says everything about one card's shape that JSON Schema can say; what
    only kb can check is listed in the README (section "What the schemas cannot
    say").  Beyond pydantic's own output:

    * mappings keyed by ids (``courses``) constrain their keys with
      ``propertyNames``, so a key such as ``Intro Course`` is an error rather
      than an unconstrained extra key;
    * a check's ``kind`` is one enum of every kind, each kind's shape applied
      with ``if``/``then``: an unknown kind is reported against the full list,
      and an editor completes ``kind:`` with all of them.
    """
    out = {}
    for kind, (_, model) in CARD_TYPES.items():
        schema = model.model_json_schema(schema_generator=_CardSchema)
        schema = _editor_friendly(schema)
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **{k: v for k, v in schema.items() if k != "$schema"},
        }
        schema["title"] = f"kb {kind} card"
        out[kind] = schema
    return out


def _editor_friendly(node: Any) -> Any:
    if isinstance(node, list):
        return [_editor_friendly(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _editor_friendly(value) for key, value in node.items()}
    if isinstance(node.get("pattern"), str):
        node["pattern"] = _end_of_text(node["pattern"])
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
        (pattern, value), = patterns.items()
        del node["patternProperties"]
        node["propertyNames"] = {"pattern": _end_of_text(pattern)}
        node["additionalProperties"] = value
    branches = node.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        node = _nullable_scalar(node, next(b for b in branches if b != {"type": "null"}))
    discriminator = node.get("discriminator")
    if isinstance(discriminator, dict) and "oneOf" in node:
        node = _tagged_union(node, discriminator)
    properties = node.get("properties")
    # (not in a tagged union: each branch's own ``kind`` would bring a second title)
    if isinstance(properties, dict) and node.get("type") == "object" and "allOf" not in node:
        for key, prop in properties.items():
            # a heading for the hover; a union or a reference brings its own, and two would be joined
            if isinstance(prop, dict) and not {"$ref", "anyOf", "oneOf", "allOf", "title"} & prop.keys():
                prop["title"] = key.replace("_", " ").capitalize()
    return node


def _end_of_text(pattern: str) -> str:
    """``pattern`` with each ``$`` anchor made to mean the end of the text in every regex engine.

    kb (pydantic's Rust engine) and ECMA-262 (editors, check-jsonschema) read
    ``$`` as the end of the text; Python's ``re``, which the ``jsonschema``
    package uses, also lets it match before a final line break, so ``"cnns\\n"``
    would pass there as an id.  ``$(?!\\n)`` means the same in all three.
    """
    out: list[str] = []
    escaped = in_class = False
    for ch in pattern:
        out.append(ch)
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "$" and not in_class:
            out.append("(?!\\n)")
    return "".join(out)


def _nullable_scalar(node: dict, branch: dict) -> dict:
    """``anyOf: [{type: string, ...}, {type: null}]`` as one schema: ``type: [string, null]``.

    Editors show a hover for every schema that matches a value, so a union of
    two repeats the title and the description; one schema says it once.  Only
    plain scalar branches merge (their keywords apply to their own type only);
    a ``$ref`` or an object stays a union.
    """
    kind = branch.get("type")
    if not isinstance(kind, str) or kind in ("object", "array") or "$ref" in branch or "anyOf" in branch:
        return node
    merged = {k: v for k, v in node.items() if k != "anyOf"}
    for key, value in branch.items():
        if key == "description" and "description" in merged:
            continue
        merged[key] = value
    merged["type"] = [kind, "null"]
    if "enum" in merged:
        merged["enum"] = [*merged["enum"], None]
    return merged


def _tagged_union(node: dict, discriminator: dict) -> dict:
    tag = discriminator["propertyName"]
    from kb.checks import CHECK_KINDS

    mapping: dict[str, str] = discriminator["mapping"]
    order = {value: i for i, value in enumerate(CHECK_KINDS)}
    mapping = dict(sorted(mapping.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))
    rest = {k: v for k, v in node.items() if k not in ("oneOf", "discriminator")}
    return {
        **rest,
        "type": "object",
        "required": [tag],
        "properties": {
            tag: {
                "enum": list(mapping),
                "description": "What the check measures: " + ", ".join(mapping) + ".",
            }
        },
        "allOf": [
            {"if": {"properties": {tag: {"const": value}}, "required": [tag]}, "then": {"$ref": ref}}
            for value, ref in mapping.items()
        ],
    }
