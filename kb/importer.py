"""Import resource cards from their plain-text export into YAML cards.

Curriculum cards were first written as text exports: one file per topic, in
a loose format that a person reads easily and a program reads only with
care.  This module turns such files into the YAML cards the rest of ``kb``
works with::

    result = import_cards([Path("cnns.txt")], Path("cards"))
    for p in result.problems:
        print(p)          # path:line:col: KB190 message

The text format
---------------
* The first non-empty line is the topic's title ("Cnns").  The id is its
  slug; the title is made readable ("CNNs") and the raw form is kept as an
  alias when it differs.
* Resource sections: a heading line ("Video (best)", "Blog / Written
  explainer (best)", "Deep dive", "Original paper", "Code walkthrough",
  "Alternative (...)") followed by bullets.  The first bullet credits the
  work, ``Author, Author (2012) — “Title” (Nickname)``; the others are
  ``Link:`` / ``Watch:`` / ``Read:``, ``Why:``, ``Level:`` and ``Note:``.  A
  link bullet that names a site but no address ("Watch: YouTube") gives the
  resource a ``source`` and a null ``url`` (KB110 reports it); an address that
  is malformed ("htps://...", "www.example.org/x") stays in ``url`` as written,
  so that KB111 says what is wrong with it.  A resource without a ``Level:``
  line gets no level, which KB112 reports.  A one-line ``Alternative
  (qualifier): ... “Title” at URL ...`` becomes a resource with the role
  ``alternative`` whose ``why`` is the whole sentence.
* "Coverage notes": ``Strong:``, ``Weak:`` and ``Gap:`` bullets.  A concept
  that "needs its own (resource) card" is added to ``coverage.needs_cards``.
* "Cross-validation": "This topic appears in N courses: a, b" and one
  ``For <course>: <emphasis>`` bullet per course.  The resources an emphasis
  names ("The Olah blog and CS231n notes") are matched against the topic's
  resources by the distinctive words of their authors, titles and sources.
* "Additional Resources for Tutor Depth": "N sources — ..." and then one
  digest per emoji-marked header (📄 paper, 📖 reference doc, 🔍 explainer,
  📋 code or source), a type line ("Paper · source", "Source ·"), a focus
  line and "Key content" bullets, kept as Markdown in ``key_points``.

Hand-typed counts ("appears in 2 courses", "10 sources") are stored in
``stated_counts`` so a rule can compare them with what the cards list.

Export quirks the importer undoes
---------------------------------
* Bullets wrapped over several lines, and a new bullet glued to the end of a
  wrapped line ("... well. - For").
* Words run together where the export dropped the spaces around a formatted
  span: a known course id glued to its neighbour ("intro-to-multimodalcourse")
  and the concept in "The related conceptvision transformerlikely needs its
  own resource card" are separated again.  Other run-together text is kept
  as written: guessing word breaks would change facts.
* Nesting lost from "Key content": when the source indents its bullets the
  indentation is kept; when it is flat, a bullet that ends in ":" (with no
  wrapped lines of its own) opens a group, and the bullets after it are
  nested under it until the next bullet that cites its place in the source
  ("(Sec. 4)", "(Table 2)") or opens a group.
  Nesting is written with four spaces per level, which every Markdown
  renderer the site uses understands.

``[NOT VERIFIED]`` markers are kept in the prose exactly where they are; the
linter turns each one into a not-verified claim.

Nothing is dropped silently: every line the importer cannot place (an
unknown section, an unknown bullet key, a level it cannot read, text between
known parts) becomes an :class:`ImportProblem` with the source position,
reported under ``KB190`` (importer-unmapped-content).  The only text not
kept is the format's own scaffolding: headings, the "Key content" label, the
word "source" on a type line (a link label whose address the export does not
carry) and the description after the digest count.

Output
------
One entity per file: ``<out>/topics/<id>.yaml``, ``<out>/digests/<id>.yaml``
and ``<out>/courses/<id>.yaml``.  Keys follow the order of the models in
:mod:`kb.schema`, empty fields are left out (except a resource's ``url``,
written as null so the gap is visible), Markdown with line breaks is written
as a ``|`` block, and unicode is written as is.

Every card written fits the schema: before a card is written it is
validated, and a part that does not fit (a year out of range, a claim with
no text) is dropped and reported under ``KB190``; a card whose own fields
cannot fit (no usable id) is not written, and that is reported as an error.
Ids made from free text are at most :data:`MAX_ID_LENGTH` characters (cut
at a word, with a hash of the whole, see :func:`bounded_id`), so a long
title cannot make a file name the file system refuses.  Strings that YAML
1.2 would read as numbers, booleans or null ("1e3", "0o17") are quoted.

Topic and digest files are rewritten on every import, so importing the same
source twice gives the same files.  A digest that two sources both carry
(same title and kind) is written once; a different digest that would get an
id already taken gets ``-2``.  Course files are shared between topics: an
existing course file is read and the topic is appended to its "Imported
topics" module (created if needed) unless some module already lists it.  The
rest of its data is kept, though not its comments, since the file is written
anew; a course file that cannot be read is left untouched and reported.

Every file starts with an editor modeline,
``# yaml-language-server: $schema=<path>/<kind>.schema.json``, where
``<path>`` is relative to the card.  The schema folder is the nearest
``schemas/`` folder at or above ``out``; failing that, ``schemas/`` in the
nearest folder at or above ``out`` that holds a ``pyproject.toml`` or ``.git`` (the
project root, where ``kb schema --out schemas`` writes them).  When ``out``
is in no project the modeline is left out rather than pointing at a path
that only works on one machine.  ``schema_dir`` overrides the search.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Any

import yaml
from pydantic import BaseModel, ValidationError

from kb.schema import LEVELS, SLUG_RE, Course, Digest, Role, Topic

CODE = "KB190"
NAME = "importer-unmapped-content"

#: Title of the course module that imported topics are added to.
IMPORTED_MODULE = "Imported topics"

_SLUG = re.compile(SLUG_RE)


# --------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """Source text the importer could not map onto a card field."""

    path: Path
    line: int
    col: int
    message: str
    code: str = CODE
    name: str = NAME
    #: "error" when a card was lost (not written at all), "warning" when only some text was
    severity: str = "warning"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass(slots=True)
class ImportResult:
    """What an import wrote, and what it could not map."""

    written: list[Path] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    courses: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------
# Small text helpers

_URL_RE = re.compile(r"https?://[^\s<>\"“”‘’\[\]]+")
_QUOTED_RE = re.compile(r"[“\"](?P<q>[^“”\"]+)[”\"]")
_BULLET_RE = re.compile(r"^(?P<indent>\s*)[-*•]\s+(?P<text>.*)$")
_KEY_RE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]{0,24}?)\s*:\s*(?P<value>.*)$")
_YEAR_RE = re.compile(r"\((?P<year>(?:19|20)\d\d)\)")
# A new bullet that the export glued onto the end of a wrapped line: "... well. - For".
_GLUED_BULLET_RE = re.compile(r"(?:(?<=\S)\s+|(?<=[.)]))-\s+(?=[A-Z])")
# Where a "Key content" bullet cites its place in the source.
_CITATION_RE = re.compile(
    r"\((?:Sec(?:tion)?s?\.?|Table|Tables|Fig(?:ure)?\.?|Eq\.?|Rel\.?|Intro|Abstract|Appendix|App\.)[^)]*\)"
)

#: Words that carry an acronym's capitals when a title is made readable.
_ACRONYMS = {
    "ai": "AI", "vae": "VAE", "vaes": "VAEs", "gan": "GAN", "gans": "GANs", "vit": "ViT", "vits": "ViTs",
    "bert": "BERT", "relu": "ReLU", "gelu": "GELU", "gpu": "GPU", "gpus": "GPUs", "cuda": "CUDA",
    "pca": "PCA", "dinov2": "DINOv2", "resnet": "ResNet", "pytorch": "PyTorch", "imagenet": "ImageNet",
    "lora": "LoRA", "adam": "Adam", "adamw": "AdamW", "clip": "CLIP",
}

#: Long words shortened when an id is built from a title's first and last words.
_SHORT_WORDS = {
    "convolution": "conv", "convolutional": "conv", "convolutions": "conv", "network": "net", "networks": "nets",
    "normalization": "norm", "normalisation": "norm", "transformer": "transformer", "introduction": "intro",
}

_STOPWORDS = set(
    "a an the and or of for to in on at by with from as is are be been should will can this that these those "
    "it its into over under than then here there most more very well best cover covers covered relevant emphasis "
    "course courses topic notes via per".split()
)
# "notes" is a stopword for matching names but a role word for deep dives; see _ROLE_WORDS.

_ROLE_WORDS: dict[str, set[str]] = {
    "video": {"video", "lecture", "talk", "watch"},
    "written-explainer": {"blog", "post", "explainer", "article", "essay"},
    "deep-dive": {"notes", "reference", "deep", "dive", "book", "chapter"},
    "original-paper": {"paper", "original"},
    "code-walkthrough": {"code", "walkthrough", "implementation", "notebook", "repo"},
    "alternative": set(),
}


def slugify(text: str) -> str:
    """A card id from free text: ascii, lower case, hyphens between words."""
    text = text.replace("×", "x")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug


#: Longest id the importer makes from free text: ids are file names, and file systems limit those.
MAX_ID_LENGTH = 64


def bounded_id(slug: str, limit: int = MAX_ID_LENGTH) -> str:
    """``slug`` cut to at most ``limit`` characters at a word break, with a short hash of the whole.

    Two long titles that share their first words still get different ids
    (the hash is of the full slug); a short slug is returned unchanged.
    """
    if len(slug) <= limit:
        return slug
    import hashlib

    digest = hashlib.sha1(slug.encode("utf-8")).hexdigest()[:8]
    head = slug[: limit - len(digest) - 1]
    if "-" in head[limit // 2 :]:
        head = head[: head.rindex("-")]
    return f"{head.rstrip('-')}-{digest}"


def humanize(raw: str) -> str:
    """A readable title from a raw one or an id: "Cnns" -> "CNNs", "ml-foundations" -> "ML foundations"."""
    words = [w for w in re.split(r"[\s_-]+", raw.strip()) if w]
    out = []
    for i, word in enumerate(words):
        low = word.lower()
        if low in _ACRONYMS:
            out.append(_ACRONYMS[low])
        elif _looks_like_acronym(low):
            stem = low[:-1] if low.endswith("s") and len(low) > 2 else low
            out.append(stem.upper() + ("s" if stem != low else ""))
        elif any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word):
            out.append(word)  # already deliberate casing: DeiT, ResNet50
        elif i == 0:
            out.append(low[:1].upper() + low[1:])
        else:
            out.append(low)
    return " ".join(out)


def _looks_like_acronym(word: str) -> bool:
    # "cnns", "rnn", "lstm", "mlp": no vowels means it is not an English word.
    letters = word.rstrip("s") if len(word) > 2 else word
    return len(letters) >= 2 and letters.isalpha() and not re.search(r"[aeiouy]", letters)


def _first_url(text: str) -> str | None:
    m = _URL_RE.search(text)
    return m.group(0).rstrip(".,;:)") if m else None


# an address that is meant as one but is not http(s): "htps://...", "www.example.org/x", "example.org/x"
_URLISH_RE = re.compile(r"\S*://\S+|\bwww\.\S+|^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*$", re.IGNORECASE)


def _attempted_url(text: str) -> str | None:
    """A link bullet's address that is malformed, kept as written so ``kb lint`` reports it (KB111).

    A site's name alone ("YouTube", "Stanford CS231n") is not an address and
    becomes the resource's ``source`` instead.
    """
    m = _URLISH_RE.search(text.strip())
    return m.group(0).rstrip(".,;:)") if m else None


def _clean_multiline(text: str) -> str:
    # Block scalars cannot carry tabs or trailing spaces; neither means anything in Markdown prose here.
    lines = [ln.expandtabs(4).rstrip() for ln in text.strip("\n").split("\n")]
    return "\n".join(lines).strip("\n")


def normalize_level(raw: str) -> str | None:
    """"Beginner/Intermediate", "beginner to intermediate" -> "beginner/intermediate"; None if unreadable."""
    parts = [p for p in re.split(r"\s*(?:/|–|—|-|\bto\b)\s*", raw.strip().lower().rstrip(".")) if p]
    if not 1 <= len(parts) <= 2 or any(p not in LEVELS for p in parts):
        return None
    if len(parts) == 2 and LEVELS.index(parts[0]) >= LEVELS.index(parts[1]):
        return None if parts[0] != parts[1] else parts[0]
    return "/".join(parts)


# --------------------------------------------------------------------------
# Lines, sections and bullets


@dataclass(slots=True)
class _Line:
    no: int  # 1-based
    text: str  # without the line break, trailing spaces removed

    @property
    def stripped(self) -> str:
        return self.text.strip()

    @property
    def col(self) -> int:
        return len(self.text) - len(self.text.lstrip()) + 1


@dataclass(slots=True)
class _Bullet:
    line: int
    col: int
    text: str
    indent: int = 0
    #: lines that continued this bullet, as written (for Markdown that keeps line breaks)
    continuation: list[str] = field(default_factory=list)

    @property
    def joined(self) -> str:
        return " ".join([self.text, *self.continuation]).strip()


@dataclass(slots=True)
class _Section:
    kind: str  # a Role value, "coverage", "courses", "digests", "unknown", "preamble", "alternative-inline"
    heading: _Line | None
    label: str = ""
    qualifier: str | None = None
    lines: list[_Line] = field(default_factory=list)


_HEADING_SHAPE = re.compile(
    r"^(?P<label>[A-Z][A-Za-z0-9 /&'’-]{0,60}?)\s*(?:\((?P<qual>[^()]{0,80})\))?\s*:?$"
)
_ALT_INLINE = re.compile(r"^Alternative\b\s*(?:\((?P<qual>[^()]*)\))?\s*:\s*(?P<body>\S.*)$", re.IGNORECASE)
_STRONG_HEADINGS = (
    ("coverage", re.compile(r"^coverage(?:\s+notes)?\s*:?$", re.IGNORECASE)),
    ("courses", re.compile(r"^cross[\s-]*validation\s*:?$", re.IGNORECASE)),
    ("digests", re.compile(r"^additional\s+resources\b.*$", re.IGNORECASE)),
)


def _role_for_label(label: str) -> str | None:
    low = label.lower()
    if "alternative" in low:
        return Role.alternative.value
    if re.search(r"\bvideo\b|\blecture\b", low):
        return Role.video.value
    if re.search(r"\bexplainer\b|\bblog\b|\bwritten\b|\barticle\b", low):
        return Role.written_explainer.value
    if re.search(r"\bdeep[\s-]?dive\b", low):
        return Role.deep_dive.value
    if re.search(r"\b(?:original\s+)?paper\b", low):
        return Role.original_paper.value
    if re.search(r"\bcode\b|\bwalkthrough\b", low):
        return Role.code_walkthrough.value
    return None


def _strong_heading(text: str) -> str | None:
    for kind, rx in _STRONG_HEADINGS:
        if rx.match(text):
            return kind
    return None


def _split_sections(lines: list[_Line]) -> list[_Section]:
    """Cut the lines after the title into sections at the headings."""
    sections: list[_Section] = [_Section("preamble", None)]
    for ln in lines:
        text = ln.stripped
        if not text:
            continue
        current = sections[-1]
        strong = _strong_heading(text)
        if strong:
            sections.append(_Section(strong, ln, label=text))
            continue
        if current.kind == "digests":
            # Inside the digest block only the big headings end it: key content
            # has many short lines that look like headings ("Soft KD (Eq. 2):").
            current.lines.append(ln)
            continue
        alt = _ALT_INLINE.match(text)
        if alt:
            sections.append(_Section("alternative-inline", ln, label="Alternative", qualifier=alt["qual"]))
            continue
        shape = _HEADING_SHAPE.match(text)
        if shape and len(shape["label"].split()) <= 6 and not _BULLET_RE.match(text):
            role = _role_for_label(shape["label"])
            if role:
                sections.append(_Section(role, ln, label=shape["label"].strip(), qualifier=shape["qual"]))
                continue
            if current.kind != "courses":
                sections.append(_Section("unknown", ln, label=text))
                continue
        current.lines.append(ln)
    return sections


def _bullets(lines: list[_Line]) -> tuple[list[_Bullet], list[_Line]]:
    """Bullets with their wrapped continuation lines; lines before any bullet are returned apart."""
    bullets: list[_Bullet] = []
    stray: list[_Line] = []
    for ln in lines:
        m = _BULLET_RE.match(ln.text)
        if m:
            bullets.append(_Bullet(ln.no, len(m["indent"]) + 1, m["text"].strip(), indent=len(m["indent"].expandtabs(4))))
            continue
        if not bullets:
            stray.append(ln)
            continue
        # A wrapped line may carry the start of the next bullet: "... well. - For".
        pieces = _GLUED_BULLET_RE.split(ln.stripped)
        bullets[-1].continuation.append(pieces[0].strip())
        offset = 0
        for piece in pieces[1:]:
            offset = ln.text.find(piece, offset)
            bullets.append(_Bullet(ln.no, max(offset, 0) + 1, piece.strip(), indent=bullets[-1].indent))
    for b in bullets:
        b.continuation = [c for c in b.continuation if c]
    return bullets, stray


class _Joined:
    """Several lines joined with spaces, able to map an offset back to (line, col)."""

    def __init__(self, lines: list[_Line]):
        self.text = ""
        self._starts: list[tuple[int, _Line, int]] = []
        for ln in lines:
            if self.text:
                self.text += " "
            lead = len(ln.text) - len(ln.text.lstrip())
            self._starts.append((len(self.text), ln, lead))
            self.text += ln.stripped

    def locate(self, offset: int) -> tuple[int, int]:
        line, col = 1, 1
        for start, ln, lead in self._starts:
            if start <= offset:
                line, col = ln.no, lead + (offset - start) + 1
        return line, col


# --------------------------------------------------------------------------
# Repairing run-together words


def _unglue_ids(text: str, ids: list[str]) -> str:
    """Put back the spaces the export lost around known ids: "intro-to-multimodalcourse"."""
    for ident in sorted(ids, key=len, reverse=True):
        if "-" not in ident:
            continue  # a one-word id could be part of any ordinary word
        text = re.sub(rf"(?<=[A-Za-z]){re.escape(ident)}", f" {ident}", text)
        text = re.sub(rf"{re.escape(ident)}(?=[A-Za-z])", f"{ident} ", text)
    return text


_NEEDS_CARD_RE = re.compile(
    r"(?P<lead>(?:the\s+)?(?:related\s+)?(?:concepts?\b|concept(?=[a-z]))?)\s*"
    r"(?P<name>[A-Za-z][A-Za-z0-9 /-]{1,60}?)\s*"
    r"(?P<hedge>(?:likely|probably|also|still|may|might|should|would)\s*)?"
    r"(?:needs?|deserves?|warrants?|requires?)\s+(?:its|their|an?)\s+own\s+(?:resource\s+)?cards?\b",
    re.IGNORECASE,
)


def _needs_cards(text: str) -> tuple[str, list[str]]:
    """Find "X needs its own (resource) card" sentences: the concept slugs, and the text with spaces restored."""
    found: list[str] = []
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?])(\s+)", text):
        m = _NEEDS_CARD_RE.match(sentence)
        if not m or not sentence.strip():
            out.append(sentence)
            continue
        name = m["name"].strip()
        slug = bounded_id(slugify(name))
        if slug and _SLUG.match(slug) and len(name.split()) <= 6:
            found.append(slug)
            repaired = sentence
            # re-insert the spaces on either side of the concept, right to left so offsets hold
            end, start = m.end("name"), m.start("name")
            if end < len(repaired) and repaired[end].isalpha():
                repaired = repaired[:end] + " " + repaired[end:]
            if start > 0 and repaired[start - 1].isalpha():
                repaired = repaired[:start] + " " + repaired[start:]
            sentence = repaired
        out.append(sentence)
    return "".join(out), found


# --------------------------------------------------------------------------
# Parsing one card


@dataclass(slots=True)
class ParsedCard:
    """One text card, parsed: plain data in card shape, plus what could not be mapped."""

    path: Path
    topic: dict[str, Any]
    digests: list[dict[str, Any]]
    #: course id -> line where the card names it
    courses: dict[str, int]
    problems: list[ImportProblem]
    topic_line: int = 1
    digest_lines: dict[str, int] = field(default_factory=dict)


class _Parser:
    def __init__(self, text: str, path: Path):
        self.path = path
        self.lines = [_Line(i + 1, raw.rstrip()) for i, raw in enumerate(text.lstrip("\ufeff").splitlines())]
        self.problems: list[ImportProblem] = []
        self.course_ids: list[str] = []

    def problem(self, line: int, col: int, message: str, severity: str = "warning") -> None:
        self.problems.append(ImportProblem(self.path, line, col, message, severity=severity))

    # -- the whole card --

    def parse(self) -> ParsedCard:
        first = next((ln for ln in self.lines if ln.stripped), None)
        if first is None:
            self.problem(1, 1, "file is empty: no topic title on the first line", "error")
            return ParsedCard(self.path, {}, [], {}, self.problems)
        raw_title = first.stripped
        topic_id = bounded_id(slugify(raw_title))
        title = humanize(raw_title)
        topic: dict[str, Any] = {"id": topic_id, "title": title}
        if raw_title != title:
            topic["aliases"] = [raw_title]
        if not topic_id:
            self.problem(first.no, first.col, f"cannot make a topic id from the title {raw_title!r}; the card was not imported",
                         "error")

        sections = _split_sections([ln for ln in self.lines if ln.no > first.no])
        # Courses first: their ids are needed to repair glued words elsewhere.
        courses: dict[str, dict[str, Any]] = {}
        course_lines: dict[str, int] = {}
        stated: dict[str, int] = {}
        for sec in sections:
            if sec.kind == "courses":
                self._courses_block(sec, courses, course_lines, stated)

        resources: list[dict[str, Any]] = []
        coverage: dict[str, Any] = {}
        digests: list[dict[str, Any]] = []
        digest_lines: dict[str, int] = {}
        for sec in sections:
            if sec.kind == "preamble":
                for ln in sec.lines:
                    self.problem(ln.no, ln.col, f"text before the first section is not part of any field: {ln.stripped[:60]!r}")
            elif sec.kind == "unknown":
                self._unknown(sec)
            elif sec.kind == "alternative-inline":
                resources.append(self._alternative_inline(sec))
            elif sec.kind in {r.value for r in Role}:
                res = self._resource(sec)
                if res is not None:
                    resources.append(res)
            elif sec.kind == "coverage":
                self._coverage(sec, coverage)
            elif sec.kind == "digests":
                self._digest_block(sec, digests, digest_lines, stated)

        _assign_resource_ids(resources)
        for course_id, use in courses.items():
            use["resources"] = _pick_resources(use.pop("_text"), resources, topic)

        by_url = {d["url"]: d["id"] for d in digests if d.get("url")}
        for res in resources:
            if res.get("url") in by_url:
                res["digest"] = by_url[res["url"]]

        topic["resources"] = resources
        topic["coverage"] = coverage
        topic["courses"] = courses
        topic["digests"] = [d["id"] for d in digests]
        if stated:
            topic["stated_counts"] = stated
        return ParsedCard(self.path, topic, digests, course_lines, self.problems, first.no, digest_lines)

    # -- sections --

    def _unknown(self, sec: _Section) -> None:
        assert sec.heading is not None
        n = len(sec.lines)
        tail = f" and its {n} line{'s' if n != 1 else ''}" if n else ""
        self.problem(
            sec.heading.no,
            sec.heading.col,
            f"unknown section {sec.label!r}{tail} not imported: no card field holds it",
        )
        for ln in sec.lines:
            self.problem(ln.no, ln.col, f"line in unknown section {sec.label!r} not imported: {ln.stripped[:60]!r}")

    def _resource(self, sec: _Section) -> dict[str, Any] | None:
        assert sec.heading is not None
        bullets, stray = _bullets(sec.lines)
        for ln in stray:
            self.problem(ln.no, ln.col, f"text under {sec.label!r} that is not a bullet: {ln.stripped[:60]!r}")
        res: dict[str, Any] = {"id": "", "role": sec.kind, "title": "", "url": None}
        notes: list[str] = []
        qual = (sec.qualifier or "").strip()
        if qual and qual.lower() != "best":
            notes.append(f"Listed as: {sec.label} ({qual}).")
        if not bullets:
            self.problem(sec.heading.no, sec.heading.col, f"section {sec.label!r} has no bullets: no resource imported")
            return None
        seen: set[str] = set()
        for i, b in enumerate(bullets):
            text = b.joined
            m = _KEY_RE.match(text)
            key = _bullet_key(m["key"]) if m else None
            if key is None and i == 0:
                self._attribution(text, res, notes)
                continue
            if key is None:
                what = f"bullet key {m['key']!r}" if m else "bullet"
                self.problem(b.line, b.col, f"{what} under {sec.label!r} is not a resource field: {text[:60]!r}")
                continue
            if key in seen:
                self.problem(b.line, b.col, f"second {key!r} bullet under {sec.label!r} not imported: {text[:60]!r}")
                continue
            seen.add(key)
            value = m["value"].strip()
            if key == "link":
                url = _first_url(value) or _attempted_url(value)
                if url:
                    res["url"] = url
                    rest = value.replace(url, "").strip(" .,;:()")
                    if rest:
                        notes.append(f"Link text: {rest}.")
                elif value:
                    res["source"] = value
            elif key == "why":
                res["why"] = value
            elif key == "level":
                level = normalize_level(value)
                if level is None:
                    self.problem(b.line, b.col, f"level {value!r} is not beginner, intermediate or advanced (or a range of two)")
                    notes.append(f"Level as written: {value}.")
                else:
                    res["level"] = level
            elif key == "note":
                notes.append(value)
        if not res["title"]:
            self.problem(bullets[0].line, bullets[0].col, f"no 'Author — “Title”' bullet under {sec.label!r}; the heading is used as the title")
            res["title"] = sec.label
        if notes:
            res["note"] = " ".join(notes)
        return res

    def _attribution(self, text: str, res: dict[str, Any], notes: list[str]) -> None:
        """``Author, Author (2012) — “Title” (Nickname)`` -> authors, year, title, note."""
        year = _YEAR_RE.search(text)
        if year:
            res["year"] = int(year["year"])
            text = (text[: year.start()] + text[year.end() :]).replace("  ", " ")
        quoted = _QUOTED_RE.search(text)
        if quoted:
            who = text[: quoted.start()]
            title = quoted["q"].strip()
            after = text[quoted.end() :].strip()
        else:
            parts = re.split(r"\s+[—–]\s+|\s+-\s+", text, maxsplit=1)
            who, title, after = (parts[0], parts[1], "") if len(parts) == 2 else ("", text, "")
        who = re.sub(r"\s*[—–-]\s*$", "", who.strip())
        authors = [a.strip() for a in re.split(r"\s*(?:,|;|&|/|\band\b)\s*", who) if a.strip()]
        res["title"] = title
        if authors:
            res["authors"] = authors
        if after:
            nick = re.fullmatch(r"\(([^()]+)\)", after)
            notes.append(f"Also known as {nick[1]}." if nick else after)

    def _alternative_inline(self, sec: _Section) -> dict[str, Any]:
        assert sec.heading is not None
        m = _ALT_INLINE.match(sec.heading.stripped)
        assert m is not None
        body = " ".join([m["body"].strip(), *(ln.stripped for ln in sec.lines)]).strip()
        res: dict[str, Any] = {"id": "", "role": Role.alternative.value, "title": "", "url": _first_url(body)}
        quoted = _QUOTED_RE.search(body)
        if quoted:
            res["title"] = quoted["q"].strip()
            lead = re.sub(r"^(?:the|a|an)\s+", "", body[: quoted.start()].strip(), flags=re.IGNORECASE)
            if lead and len(lead.split()) <= 6:
                res["source"] = lead
        else:
            self.problem(sec.heading.no, sec.heading.col, "alternative has no “quoted title”; its first words are used as the title")
            res["title"] = " ".join(body.split()[:8]) or "Alternative"
        res["why"] = body
        notes = []
        if m["qual"]:
            notes.append(f"Listed as: Alternative ({m['qual'].strip()}).")
        stands_for = _role_mentioned(body[quoted.end() :] if quoted else body)
        if stands_for:
            notes.append(f"Offered as an alternative {stands_for} pick.")
        if notes:
            res["note"] = " ".join(notes)
        return res

    def _coverage(self, sec: _Section, coverage: dict[str, Any]) -> None:
        bullets, stray = _bullets(sec.lines)
        for ln in stray:
            self.problem(ln.no, ln.col, f"text under coverage notes that is not a bullet: {ln.stripped[:60]!r}")
        needs: list[str] = list(coverage.get("needs_cards", []))
        for b in bullets:
            m = _KEY_RE.match(b.joined)
            key = {"strong": "strong", "weak": "weak", "gap": "gaps", "gaps": "gaps", "missing": "gaps"}.get(
                m["key"].strip().lower() if m else ""
            )
            if key is None:
                self.problem(b.line, b.col, f"coverage bullet is not Strong/Weak/Gap: {b.joined[:60]!r}")
                continue
            value = _unglue_ids(m["value"].strip(), self.course_ids)
            value, found = _needs_cards(value)
            needs.extend(s for s in found if s not in needs)
            coverage[key] = f"{coverage[key]}\n\n{value}" if key in coverage else value
        if needs:
            coverage["needs_cards"] = needs

    def _courses_block(self, sec: _Section, courses: dict, course_lines: dict, stated: dict) -> None:
        rest: list[_Line] = []
        for ln in sec.lines:
            m = re.search(r"appears\s+in\s+(?P<n>\d+)\s+courses?\s*:?\s*(?P<list>.*)$", ln.stripped, re.IGNORECASE)
            if m and "courses" not in stated:
                stated["courses"] = int(m["n"])
                start = ln.text.find(m["list"]) if m["list"] else 0
                for name in re.split(r"\s*(?:,|\band\b)\s*", m["list"].strip().rstrip(".")):
                    if not name:
                        continue
                    if _SLUG.match(name):
                        name = bounded_id(name)
                        if name not in self.course_ids:
                            self.course_ids.append(name)
                            course_lines[name] = ln.no
                    else:
                        self.problem(ln.no, ln.text.find(name, start) + 1, f"course {name!r} is not a course id (lower-case words joined by hyphens)")
                before = ln.stripped[: m.start()].strip()
                if before and not re.fullmatch(r"(?i)this topic", before):
                    self.problem(ln.no, ln.col, f"text before the course count not imported: {before!r}")
                continue
            rest.append(ln)
        joined = _Joined(rest)
        text = joined.text
        matches = list(
            re.finditer(
                r"(?:^|(?<=\s)|(?<=[.)]))-?\s*For\s*(?:the\s+)?(?P<course>[a-z0-9][a-z0-9-]*?)(?:\s+course)?\s*:",
                text,
            )
        )
        lead = text[: matches[0].start()] if matches else text
        if lead.strip(" -"):
            line, col = joined.locate(len(lead) - len(lead.lstrip()))
            self.problem(line, col, f"cross-validation text that is not a 'For <course>:' bullet: {lead.strip()[:60]!r}")
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            emphasis = text[m.end() : end].strip().rstrip("-").strip()
            cid = bounded_id(m["course"])
            line, col = joined.locate(m.start("course"))
            if not emphasis:
                self.problem(line, col, f"course {cid!r} is named with no emphasis")
                continue
            if cid not in self.course_ids:
                self.course_ids.append(cid)
            course_lines.setdefault(cid, line)
            if cid in courses:
                self.problem(line, col, f"second emphasis for course {cid!r} not imported")
                continue
            courses[cid] = {"emphasis": emphasis, "_text": emphasis}
        for cid in self.course_ids:
            if cid not in courses:
                self.problem(course_lines.get(cid, sec.heading.no if sec.heading else 1), 1,
                             f"course {cid!r} is listed but has no 'For {cid}:' emphasis; the topic is added to the course without one")
        for use in courses.values():
            use["emphasis"] = _unglue_ids(use["emphasis"], self.course_ids)

    def _digest_block(self, sec: _Section, digests: list, digest_lines: dict, stated: dict) -> None:
        groups: list[tuple[_Line, list[_Line]]] = []
        before: list[_Line] = []
        lines = sec.lines
        for idx, ln in enumerate(lines):
            nxt = lines[idx + 1].stripped if idx + 1 < len(lines) else ""
            if _digest_header(ln.stripped, nxt):
                groups.append((ln, []))
            elif groups:
                groups[-1][1].append(ln)
            else:
                before.append(ln)
        for ln in before:
            m = re.match(r"^(?P<n>\d+)\s+(?:sources?|digests?|resources?|references?)\b", ln.stripped, re.IGNORECASE)
            if m and "digests" not in stated:
                stated["digests"] = int(m["n"])
            else:
                self.problem(ln.no, ln.col, f"text before the first digest not imported: {ln.stripped[:60]!r}")
        parsed = [self._digest(header, body) for header, body in groups]
        _assign_digest_ids(parsed)
        for d, (header, _) in zip(parsed, groups):
            d.pop("_qualifier", None)
            digests.append(d)
            digest_lines[d["id"]] = header.no

    def _digest(self, header: _Line, body: list[_Line]) -> dict[str, Any]:
        emoji, title = _split_emoji(header.stripped)
        kind = _KIND_BY_EMOJI.get(emoji)
        url = None
        src = re.match(r"^#*\s*Source\s*:\s*(?P<url>\S+)\s*$", title, re.IGNORECASE)
        if src or re.fullmatch(r"https?://\S+", title):
            url = (src["url"] if src else title).rstrip(".,;")
            last = url.rstrip("/").rsplit("/", 1)[-1]
            title = re.sub(r"\.(?:html?|php|aspx?|md)$", "", last) or url
        rest = list(body)
        if rest:
            m = re.match(r"^(?P<type>[A-Za-z][A-Za-z ]*?)\s*·\s*(?P<src>.*)$", rest[0].stripped)
            if m:
                typed = _KIND_BY_TYPE.get(m["type"].strip().lower())
                if typed is None:
                    fallback = f"kind {kind!r} taken from its marker" if kind else "kind set to 'source'"
                    self.problem(
                        rest[0].no,
                        rest[0].col,
                        f"digest type {m['type']!r} is not paper, reference doc, explainer, code or source; {fallback}",
                    )
                    kind = kind or "source"
                else:
                    kind = typed
                label = m["src"].strip()
                link = _first_url(label)
                if link and not url:
                    url = link
                elif label and label.lower() != "source" and not link:
                    self.problem(rest[0].no, rest[0].col + m.start("src"), f"text after the digest type not imported: {label!r}")
                rest = rest[1:]
        if kind is None:
            self.problem(header.no, header.col, f"no type line for digest {title!r} and its marker is unknown; kind set to 'source'")
            kind = "source"
        focus: list[str] = []
        key_lines: list[_Line] = []
        in_key = False
        for ln in rest:
            if not in_key and re.match(r"^key\s+(?:content|points)\s*:?$", ln.stripped, re.IGNORECASE):
                in_key = True
                continue
            if not in_key and _BULLET_RE.match(ln.text):
                in_key = True  # bullets without the label still are the key content
            (key_lines if in_key else focus).append(ln)
        if not title.strip():
            self.problem(header.no, header.col, "digest has no title after its marker; it is called 'Untitled digest'")
            title = "Untitled digest"
        digest: dict[str, Any] = {"id": "", "kind": kind, "title": title, "url": url}
        arxiv = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", url or "")
        if arxiv:
            digest["identifiers"] = {"arxiv": arxiv[1]}
        if focus:
            digest["focus"] = " ".join(ln.stripped for ln in focus)
        if key_lines:
            bullets, stray = _bullets(key_lines)
            for ln in stray:
                self.problem(ln.no, ln.col, f"key content line before the first bullet not imported: {ln.stripped[:60]!r}")
            if bullets:
                digest["key_points"] = key_points_markdown(bullets)
        qual = re.search(r"\(([^()]+)\)\s*$", title)
        digest["_qualifier"] = qual[1] if qual else None
        return digest


def _bullet_key(key: str) -> str | None:
    k = key.strip().lower()
    if k in {"link", "links", "watch", "read", "listen", "url", "video", "code", "repo", "paper", "blog"}:
        return "link"
    if k in {"why", "why this", "why it"}:
        return "why"
    if k in {"level", "difficulty"}:
        return "level"
    if k in {"note", "notes"}:
        return "note"
    return None


def _role_mentioned(text: str) -> str | None:
    low = text.lower()
    for phrase, role in (
        ("code walkthrough", "code-walkthrough"),
        ("deep dive", "deep-dive"),
        ("written explainer", "written-explainer"),
        ("explainer", "written-explainer"),
        ("original paper", "original-paper"),
        ("video", "video"),
    ):
        if phrase in low:
            return role
    return None


_KIND_BY_EMOJI = {"📄": "paper", "📖": "reference-doc", "🔍": "explainer", "📋": "code", "💻": "code", "📑": "paper"}
_KIND_BY_TYPE = {
    "paper": "paper",
    "reference doc": "reference-doc",
    "reference": "reference-doc",
    "reference documentation": "reference-doc",
    "docs": "reference-doc",
    "explainer": "explainer",
    "code": "code",
    "source": "source",
}


def _split_emoji(text: str) -> tuple[str, str]:
    emoji = text[0]
    rest = text[1:].lstrip("\ufe0f\u200d").strip()
    return emoji, rest


def _digest_header(text: str, next_line: str) -> bool:
    """A digest starts at a line opening with a pictograph: a known one, or any followed by a type line."""
    if not text or unicodedata.category(text[0]) != "So":
        return False
    if text[0] in _KIND_BY_EMOJI:
        return True
    return bool(re.match(r"^[A-Za-z][A-Za-z ]*?\s*·", next_line))


# --------------------------------------------------------------------------
# Key content as Markdown


def key_points_markdown(bullets: list[_Bullet]) -> str:
    """Bullets as a Markdown list, nested by the source's indentation or, when flat, by its ':' groups."""
    if any(b.indent for b in bullets):
        indents = sorted({b.indent for b in bullets})
        levels = [indents.index(b.indent) for b in bullets]
    else:
        levels = _infer_levels(bullets)
    out: list[str] = []
    for level, b in zip(levels, bullets):
        pad = "    " * level
        out.append(f"{pad}- {b.text}".rstrip())
        for cont in b.continuation:
            out.append(f"{pad}  {cont}".rstrip())
    return _clean_multiline("\n".join(out))


def _infer_levels(bullets: list[_Bullet]) -> list[int]:
    levels: list[int] = []
    group_open = False
    for b in bullets:
        head = b.text.split(":", 1)[0] if ":" in b.text else b.text
        cited = bool(_CITATION_RE.search(head))
        opens = b.text.endswith(":") and not b.continuation
        if cited or opens:
            level = 0
            group_open = opens
        else:
            level = 1 if group_open else 0
        levels.append(level)
    return levels


# --------------------------------------------------------------------------
# Ids


def _assign_resource_ids(resources: list[dict[str, Any]]) -> None:
    used: Counter[str] = Counter()
    for res in resources:
        base = res["role"]
        used[base] += 1
        res["id"] = base if used[base] == 1 else f"{base}-{used[base]}"


def _namelike(word: str) -> bool:
    w = word.strip(".,;:()[]")
    if not w or not w[0].isalnum():
        return False
    return (
        any(c.isdigit() for c in w)
        or "_" in w
        or any(c.isupper() for c in w[1:])
        or (len(w) >= 2 and w.isupper())
    )


_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def _dotted_short(word: str) -> str:
    """torch.nn.Conv2d -> "torch Conv2d": the package and the name, without the module path."""
    if not _DOTTED.fullmatch(word):
        return word
    parts = word.split(".")
    return f"{parts[0]} {parts[-1]}"


def digest_base_id(title: str) -> str:
    """A short id from a digest title: the name it leads with ("ResNet—Residual blocks..." -> "resnet")."""
    t = title.strip()
    if _DOTTED.fullmatch(t):
        return slugify(_dotted_short(t))
    head = re.split(r"\s*[(—–:]|\s+-\s+", t, maxsplit=1)[0].strip() or t
    alts = [a.strip() for a in re.split(r"\s*/\s*", head) if a.strip()]
    singles = [a for a in alts if " " not in a and _namelike(a)]
    if len(alts) > 1 and singles:
        return slugify(singles[0])
    words = [_dotted_short(w) for w in head.split()]
    named = [i for i, w in enumerate(words[:3]) if _namelike(w)]
    if named:
        return slugify(" ".join(words[: named[-1] + 1]))
    paren = re.search(r"\(([A-Za-z][\w-]{1,20})\)", t)
    if paren:
        return slugify(paren[1])
    if head != t and len(head.split()) <= 3:
        # "Batch Normalization: Accelerating ..." -> the short name before the subtitle
        return slugify(" ".join(_SHORT_WORDS.get(w.lower(), w) for w in head.split()))
    plain = [w for w in re.findall(r"[A-Za-z0-9]+", t) if w.lower() not in _STOPWORDS]
    if not plain:
        return slugify(t) or "digest"
    picked = [plain[0]] if len(plain) == 1 else [plain[0], plain[-1]]
    return slugify(" ".join(_SHORT_WORDS.get(w.lower(), w) for w in picked))


def _assign_digest_ids(digests: list[dict[str, Any]]) -> None:
    bases = [bounded_id(digest_base_id(d["title"]) or "digest", MAX_ID_LENGTH - 16) for d in digests]
    counts = Counter(bases)
    used: set[str] = set()
    for d, base in zip(digests, bases):
        ident = base
        if counts[base] > 1:
            # Two digests lead with the same name (a paper and its code): say which is which.
            words = (d.get("_qualifier") or "").split()
            suffix = bounded_id(slugify(words[-1]), 12) if words and d["kind"] != "paper" else ""
            if not suffix:
                suffix = d["kind"] if d["kind"] != "reference-doc" else "docs"
            ident = f"{base}-{suffix}"
        n, candidate = 1, ident
        while candidate in used:
            n += 1
            candidate = f"{ident}-{n}"
        used.add(candidate)
        d["id"] = candidate


# --------------------------------------------------------------------------
# Which resources a course emphasis names


def _tokens(text: str) -> list[tuple[str, bool, int]]:
    """(token, looks like a name, offset) triples; a capital at a sentence start does not make a name."""
    out = []
    for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9_.+-]*[A-Za-z0-9+]|[A-Za-z0-9]", text):
        word = m.group(0)
        before = text[: m.start()].rstrip()
        sentence_start = not before or before[-1] in ".!?:"
        name = _namelike(word) or (word[0].isupper() and not sentence_start)
        out.append((word.lower(), name, m.start()))
    return out


def _resource_tokens(res: dict[str, Any]) -> set[str]:
    text = " ".join([res.get("title", ""), " ".join(res.get("authors", [])), res.get("source") or ""])
    if res["role"] == Role.alternative.value:
        text += " " + (res.get("why") or "")  # an alternative is described only by its sentence
    tokens = {t for t, _, _ in _tokens(text)} | _ROLE_WORDS.get(res["role"], set())
    if res["role"] == Role.alternative.value:
        tokens |= _ROLE_WORDS.get(_role_mentioned(res.get("why") or "") or "", set())
    return {t for t in tokens if t not in _STOPWORDS or t in {"notes"}}


def _pick_resources(text: str, resources: list[dict[str, Any]], topic: dict[str, Any]) -> list[str]:
    """Ids of the resources an emphasis names, in the order it names them.

    The text is cut into phrases ("The Olah blog", "CS231n notes cover ...").
    A phrase picks the resource that shares the most of its words, each word
    weighted by how few resources have it, provided at least one shared word
    is a name (Olah, CS231n, PyTorch) rather than an ordinary word, or the
    phrase spells out a role in two words ("the original paper").
    """
    topic_words = {t for t, _, _ in _tokens(" ".join([topic.get("title", ""), *topic.get("aliases", [])]))}
    bags = {res["id"]: _resource_tokens(res) - topic_words for res in resources}
    roles = {res["id"]: _ROLE_WORDS.get(res["role"], set()) for res in resources}
    df = Counter(t for bag in bags.values() for t in bag)
    picked: list[str] = []
    for sentence in re.split(r"(?<=[.!?;])\s+", text):
        tokens = [tok for tok in _tokens(sentence) if tok[0] not in topic_words]
        cuts = [0, *(m.end() for m in re.finditer(r",\s*|\s+and\s+|\s+&\s+", sentence)), len(sentence) + 1]
        for lo, hi in zip(cuts, cuts[1:]):
            toks = [(t, n) for t, n, at in tokens if lo <= at < hi]
            best, best_score = None, 0.0
            for rid, bag in bags.items():
                shared = [(t, n) for t, n in toks if t in bag]
                spelled_role = len({t for t, _ in shared} & roles[rid]) >= 2
                if not any(n for _, n in shared) and not spelled_role:
                    continue
                score = sum(1.0 / df[t] for t, _ in shared)
                if score > best_score:
                    best, best_score = rid, score
            if best and best not in picked:
                picked.append(best)
    return picked


# --------------------------------------------------------------------------
# Writing YAML


class _CardDumper(yaml.SafeDumper):
    """Block style for multi-line strings; list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


#: Plain scalars that YAML 1.2's core schema reads as something other than a string, and that
#: PyYAML's YAML 1.1 rules would write unquoted ("0o17" is an int there, "1e3" a float).
_CORE_NON_STR = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        # PyYAML falls back to a quoted scalar when a block cannot hold the text as it is
        return dumper.represent_scalar("tag:yaml.org,2002:str", _clean_multiline(value) + "\n", style="|")
    if _CORE_NON_STR.match(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_CardDumper.add_representer(str, _represent_str)


def dump_card(data: dict[str, Any], modeline: str | None = None) -> str:
    """YAML text of one card, keys in the order given, with an optional first-line modeline."""
    body = yaml.dump(
        data,
        Dumper=_CardDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100_000,
        default_flow_style=False,
        indent=2,
    )
    return (f"# yaml-language-server: $schema={modeline}\n" if modeline else "") + body


def _prune(value: Any, path: tuple[str, ...] = ()) -> Any:
    """Drop empty fields, except a resource's url: a null url says the link is known to be missing."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _prune(v, path + (k,))
            keep_null = k == "url" and len(path) >= 1 and path[-1] == "resources"
            if v is None and not keep_null:
                continue
            if v in ([], {}, "") and not keep_null:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_prune(v, path) for v in value]
    return value


def _as_card(model: type[BaseModel], data: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """The card in schema order, made to fit the schema; or None when it cannot be made to fit.

    What does not fit is dropped, one schema error at a time, from the
    innermost part out: a field, then the list item or entry holding it.
    Each drop is described in the returned list, so nothing goes silently.
    The card itself is never dropped this way: when its own required
    fields do not fit, the result is None.
    """
    import copy

    data = copy.deepcopy(data)
    notes: list[str] = []
    failed_at: dict[tuple[Any, ...], str] = {}
    for _ in range(200):
        try:
            obj = model.model_validate(data)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
        else:
            return _prune(obj.model_dump(mode="json", by_alias=True)), notes
        loc = _data_path(data, tuple(err.get("loc", ())))
        what = f"{'.'.join(str(p) for p in loc) or 'the card'}: {err.get('msg', 'invalid')}"
        # A field the schema requires fails again once dropped ("Field required", one level
        # up): then what holds it is dropped instead, and reported under the first error.
        target = loc
        while target and target in failed_at:
            what = failed_at.pop(target)
            notes.remove(next(n for n in reversed(notes) if n.startswith(what)))
            target = target[:-1]
        if len(target) < 1 or (len(target) == 1 and target[0] in model.model_fields
                               and model.model_fields[target[0]].is_required()):
            notes.append(what)
            return None, notes
        _remove(data, target)
        failed_at[target] = what
        notes.append(f"{what} (dropped {'.'.join(str(p) for p in target)})")
    return None, notes


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The part of a pydantic error location that names keys and indexes in ``data``."""
    out: list[Any] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif i == len(loc) - 1 and isinstance(part, str) and not part.startswith("["):
            out.append(part)  # a missing field: named, so that its holder is dropped next
        # anything else is a union's tag ("formula") or "[key]", not a place in the data
    return tuple(out)


def _remove(data: Any, path: tuple[Any, ...]) -> None:
    node = data
    for part in path[:-1]:
        node = node[part]
    last = path[-1]
    if isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        del node[last]


def find_schema_dir(out: Path) -> Path | None:
    """Where the JSON Schemas live (or will be written) for cards under ``out``."""
    start = out.resolve()
    for folder in (start, *start.parents):
        if (folder / "schemas").is_dir():
            return folder / "schemas"
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder / "schemas"
    return None


# --------------------------------------------------------------------------
# The import


def parse_card_text(text: str, path: Path) -> ParsedCard:
    """Parse one text card without touching the file system."""
    return _Parser(text, path).parse()


def import_cards(
    sources: list[Path],
    out: Path,
    *,
    schema_dir: Path | None = None,
    suggest: Callable[..., list[dict[str, Any]]] | None = None,
) -> ImportResult:
    """Import text cards into ``out/topics``, ``out/digests`` and ``out/courses``.

    Returns the files written and every problem found, in source order.  A
    source that cannot be read is a problem, not an exception.

    ``suggest(key_points, title=..., focus=...)`` proposes ``claims:`` (with
    machine checks) for the numbers in a digest's key content; the CLI passes
    ``validators.claims.suggest_claims``.  It is a parameter so this core
    module never imports the validators.
    """
    result = ImportResult()
    schemas = schema_dir if schema_dir is not None else find_schema_dir(out)

    def report(path: Path, line: int, message: str, severity: str = "warning") -> None:
        result.problems.append(ImportProblem(path, line, 1, message, severity=severity))

    def modeline(kind: str, target: Path) -> str | None:
        if schemas is None:
            return None
        schema_file = schemas / f"{kind}.schema.json"
        try:
            return Path(os.path.relpath(schema_file.resolve(), target.parent.resolve())).as_posix()
        except ValueError:  # another drive on Windows
            return schema_file.resolve().as_posix()

    def write(kind: str, folder: str, ident: str, data: dict[str, Any], source: Path, line: int) -> bool:
        target = out / folder / f"{ident}.yaml"
        try:
            text = dump_card(data, modeline(kind, target))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except (OSError, yaml.YAMLError, ValueError) as err:
            report(source, line, f"{kind} {ident!r} could not be written to {target}: {err}", "error")
            return False
        if target not in result.written:
            result.written.append(target)
        return True

    def fit(kind: str, model: type[BaseModel], data: dict[str, Any], source: Path, line: int) -> dict[str, Any] | None:
        card, notes = _as_card(model, data)
        for note in notes:
            report(source, line, f"{kind} {data.get('id')!r} does not fit the schema: {note}")
        if card is None:
            report(source, line, f"{kind} {data.get('id')!r} was not written: it cannot be made to fit the schema", "error")
        return card

    topics_seen: dict[str, Path] = {}
    digests_seen: dict[str, dict[str, Any]] = {}
    courses: dict[str, dict[str, Any]] = {}
    course_order: list[str] = []

    for source in sources:
        try:
            text = source.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            result.problems.append(ImportProblem(source, 1, 1, f"cannot read source: {err}", severity="error"))
            continue
        card = parse_card_text(text, source)
        result.problems.extend(card.problems)
        if not card.topic or not card.topic.get("id"):
            continue
        topic = card.topic
        if topic["id"] in topics_seen:
            new_id = _free_id(topic["id"], topics_seen)
            first_source = topics_seen[topic["id"]]
            report(source, card.topic_line, f"topic id {topic['id']!r} was already imported from {first_source}; written as {new_id!r}")
            topic["id"] = new_id
        topics_seen[topic["id"]] = source

        # Digests: the same digest named by two topics is written once.
        renamed: dict[str, str] = {}
        for d in card.digests:
            same = digests_seen.get(d["id"])
            if same is not None and (same["title"], same["kind"]) != (d["title"], d["kind"]):
                new_id = _free_id(d["id"], digests_seen)
                renamed[d["id"]] = new_id
                d["id"] = new_id
            elif same is not None:
                continue
            digests_seen[d["id"]] = d
            line = card.digest_lines.get(d["id"], 1)
            if suggest is not None and d.get("key_points") and not d.get("claims"):
                try:
                    proposed = suggest(d["key_points"], title=d.get("title"), focus=d.get("focus"))
                except Exception as err:  # a suggester bug costs the suggestions, never the import
                    report(source, line, f"no claims suggested for digest {d['id']!r}: {err.__class__.__name__}: {err}")
                    proposed = []
                if proposed:
                    d["claims"] = proposed
            data = fit("digest", Digest, d, source, line)
            if data is None or not write("digest", "digests", d["id"], data, source, line):
                continue
            if d["id"] not in result.digests:
                result.digests.append(d["id"])
        topic["digests"] = [renamed.get(i, i) for i in topic["digests"]]
        for res in topic["resources"]:
            if res.get("digest") in renamed:
                res["digest"] = renamed[res["digest"]]

        data = fit("topic", Topic, topic, source, card.topic_line)
        if data is None or not write("topic", "topics", topic["id"], data, source, card.topic_line):
            continue
        result.topics.append(topic["id"])

        for cid, line in card.courses.items():
            if cid not in courses:
                existing = _read_course(out / "courses" / f"{cid}.yaml", result)
                if existing is False:
                    continue  # unreadable: reported, and left alone
                courses[cid] = existing or {"id": cid, "title": humanize(cid), "modules": []}
                course_order.append(cid)
            _add_topic(courses[cid], topic["id"])

    for cid in course_order:
        path = out / "courses" / f"{cid}.yaml"
        data = fit("course", Course, courses[cid], path, 1)
        if data is None or not write("course", "courses", cid, data, path, 1):
            continue
        result.courses.append(cid)
    return result


def _free_id(base: str, taken: dict[str, Any]) -> str:
    """``base`` with the first free ``-2``, ``-3``... suffix, still at most :data:`MAX_ID_LENGTH` long."""
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_ID_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


def _read_course(path: Path, result: ImportResult) -> dict[str, Any] | None | bool:
    """An existing course card's data; None when there is none; False when it cannot be used."""
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        mark = getattr(err, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        result.problems.append(ImportProblem(path, line, col, f"existing course card cannot be read, so the topic was not added to it: {err}"))
        return False
    if not isinstance(data, dict) or not isinstance(data.get("modules", []), list):
        result.problems.append(ImportProblem(path, 1, 1, "existing course card is not a course mapping, so the topic was not added to it"))
        return False
    data.setdefault("modules", [])
    return data


def _add_topic(course: dict[str, Any], topic_id: str) -> None:
    modules = course.setdefault("modules", [])
    for module in modules:
        if isinstance(module, dict) and topic_id in (module.get("topics") or []):
            return
    target = next((m for m in modules if isinstance(m, dict) and m.get("title") == IMPORTED_MODULE), None)
    if target is None:
        target = {"title": IMPORTED_MODULE, "topics": []}
        modules.append(target)
    target.setdefault("topics", []).append(topic_id)
