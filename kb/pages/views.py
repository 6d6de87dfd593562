"""View models of the card pages: plain data from the graph, the cards and the verification records.

A page is one template plus one view.  Views hold card text as written (the
templates render its Markdown and escape everything else) and links as
resolved relative URLs, so a view says everything its page shows, can be
compared and hashed, and nothing here writes HTML.  Derived facts (a
course's teaching order, the module of a topic, "used by", "needed by")
are asked of :mod:`kb.graph`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

import networkx as nx

from kb.graph import (
    MENTIONS,
    PREREQUISITE,
    course_order,
    course_topics,
    courses_of_topic,
    first_entries,
    node,
    to_mermaid,
    topics_needing,
    topics_using_digest,
)
from kb.pages.routes import INDEXES, Router, card_page, rule_page
from kb.pages.safe import safe_url
from kb.pages.status import CLAIM_STATUSES, LINK_OUTCOMES, UNKNOWN, ClaimView, Statuses, evidence_tip, link_tip
from kb.report import Diagnostic, Report
from kb.schema import Role
from kb.store import KnowledgeBase

ROLE_LABELS = {
    Role.video: "Video",
    Role.written_explainer: "Written explainer",
    Role.deep_dive: "Deep dive",
    Role.original_paper: "Original paper",
    Role.code_walkthrough: "Code walkthrough",
    Role.alternative: "Alternatives",
}

#: the rules whose findings are a course's coverage gaps (the course page lists them, it does not re-derive them)
GAP_RULES = ("KB110", "KB205", "KB302", "KB304")


@dataclass(frozen=True)
class Link:
    """A link to another page, or (``href`` None) a name with no card behind it."""

    label: str
    href: str | None
    kind: str = "topic"


@dataclass(frozen=True)
class FindingView:
    code: str
    code_href: str | None
    severity: str
    message: str
    line: int
    card: Link | None = None


@dataclass(frozen=True)
class ClaimItem:
    claim: ClaimView
    tip: str
    owner: Link | None = None


@dataclass(frozen=True)
class ResourceView:
    anchor: str
    title: str
    url: str | None  # None: missing or withheld (see ``has_url``)
    has_url: bool
    outcome: str | None  # link outcome from the report; "unchecked" when it has none
    outcome_tip: str | None
    meta: tuple[str, ...]
    why: str | None
    note: str | None
    digest: Link | None


@dataclass(frozen=True)
class PageView:
    src: str
    title: str
    template: str
    indexes: tuple[Link, ...] = ()
    findings: tuple[FindingView, ...] = ()
    search_exclude: bool = False
    front: bool = True  # False: no front-matter title (the home page is titled by the site name)


@dataclass
class SiteContext:
    """Everything the views are built from; built once per site build.

    ``live`` is the typed report of the build's own offline lint run (its
    findings and the claims ledger of the cards as they are now), ``report``
    the last ``kb check`` report or None (statuses, evidence, link outcomes,
    findings of the link and fact stages, which are not in ``offline_codes``).
    """

    kb: KnowledgeBase
    graph: nx.MultiDiGraph
    report: Report | None = None
    live: Report | None = None
    offline_codes: frozenset[str] = frozenset()
    site_name: str = "Curriculum knowledge base"
    router: Router = field(default_factory=Router)

    def __post_init__(self) -> None:
        self.status = Statuses(self.live, self.report, self.offline_codes)
        self.claims: list[ClaimView] = self.status.claims
        self._claims: dict[tuple[str, str], list[ClaimView]] = defaultdict(list)
        for c in self.claims:
            self._claims[(c.card_kind, c.card_id)].append(c)
        self._orders: dict[str, list[str]] = {}
        self._indexes: dict[str, tuple[Link, ...]] = {}
        self._findings: dict[str, list[Diagnostic]] = defaultdict(list)
        for f in self.status.findings:
            self._findings[f.path].append(f)

    def order(self, course_id: str) -> list[str]:
        """The course's teaching order (:func:`kb.graph.course_order`), asked of the graph once per build."""
        order = self._orders.get(course_id)
        if order is None:
            order = self._orders[course_id] = course_order(self.graph, course_id)
        return order

    def claims_of(self, kind: str, ident: str) -> list[ClaimView]:
        return self._claims.get((kind, ident), [])

    def findings_for(self, rel_path: str) -> list[Diagnostic]:
        return self._findings.get(rel_path, [])

    def href(self, from_src: str, to_src: str, anchor: str | None = None) -> str:
        return self.router.href(from_src, to_src, anchor)

    def link(self, from_src: str, kind: str, ident: str, label: str | None = None, anchor: str | None = None) -> Link:
        card = self.kb.by_kind(kind).get(ident)
        if card is None:
            return Link(label or ident, None, kind)
        return Link(label or card.model.title, self.href(from_src, card_page(kind, ident), anchor), kind)

    def indexes(self, src: str) -> tuple[Link, ...]:
        # the same for every page in one folder
        folder = self.router.page_url(src).rsplit("/", 1)[0]
        links = self._indexes.get(folder)
        if links is None:
            links = self._indexes[folder] = tuple(Link(label, self.href(src, page), "index") for page, label in INDEXES)
        return links

    def finding_views(self, src: str, findings: Iterable[Diagnostic], *, with_card: bool = False) -> tuple[FindingView, ...]:
        out = []
        for f in findings:
            code_href = self.href(src, rule_page(f.code)) if f.code[:2] == "KB" and f.code[2:].isdigit() else None
            card = None
            if with_card and f.card and ":" in f.card:
                kind, ident = f.card.split(":", 1)
                card = self.link(src, kind, ident)
            out.append(FindingView(f.code, code_href, f.severity, f.message, f.line, card))
        return tuple(out)

    def claim_items(self, src: str, claims: Iterable[ClaimView], *, with_owner: bool = False) -> tuple[ClaimItem, ...]:
        return tuple(ClaimItem(c, evidence_tip(c), self.link(src, c.card_kind, c.card_id, anchor=c.anchor)
                               if with_owner else None) for c in claims)

    def resource(self, src: str, topic_id: str, res: Any, *, show_role: bool = False, note: bool = True) -> ResourceView:
        outcome = tip = None
        if res.url:
            status = self.status.link(res.url)
            outcome = status.outcome if status else "unchecked"
            if status is not None:
                tip = link_tip(status, res.url)
            if outcome not in LINK_OUTCOMES:
                outcome = "unknown"
        meta = [ROLE_LABELS.get(res.role, str(res.role.value))] if show_role else []
        meta += [", ".join(res.authors)] if res.authors else []
        meta += [str(v) for v in (res.source, res.year) if v]
        if res.level:
            meta.append(f"level: {res.level}")
        return ResourceView(
            anchor=f"resource-{topic_id}-{res.id}", title=res.title, url=safe_url(res.url), has_url=bool(res.url),
            outcome=outcome, outcome_tip=tip, meta=tuple(meta), why=res.why, note=res.note if note else None,
            digest=self.link(src, "digest", res.digest) if res.digest else None,
        )


def counts(claims: Iterable[ClaimView]) -> tuple[tuple[str, int], ...]:
    """(status, count) in the site's order; unknown only when there are some."""
    c = Counter(x.status for x in claims)
    return tuple((s, c.get(s, 0)) for s in (*CLAIM_STATUSES, UNKNOWN) if s != UNKNOWN or c.get(s))


# --------------------------------------------------------------------------- topic


@dataclass(frozen=True)
class TopicView(PageView):
    aliases: tuple[str, ...] = ()
    level: str | None = None
    summary: str | None = None
    courses: tuple[tuple[Link, str | None], ...] = ()  # (course, emphasis) from the graph's membership
    prerequisites: tuple[Link, ...] = ()
    needed_by: tuple[Link, ...] = ()
    related: tuple[Link, ...] = ()
    resources: tuple[tuple[str, tuple[ResourceView, ...]], ...] = ()
    coverage: tuple[tuple[str, str], ...] = ()
    needs_cards: tuple[Link, ...] = ()
    digests: tuple[tuple[Link, str | None, int], ...] = ()
    claims: tuple[ClaimItem, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()


def topic_view(ctx: SiteContext, tid: str) -> TopicView:
    card = ctx.kb.topics[tid]
    t = card.model
    src = card_page("topic", tid)
    used_by = courses_of_topic(ctx.graph, tid)
    courses = tuple((ctx.link(src, "course", cid), t.courses[cid].emphasis if cid in t.courses else None)
                    for cid in used_by)
    resources = tuple(
        (ROLE_LABELS[role], tuple(ctx.resource(src, tid, r) for r in t.resources if r.role == role))
        for role in Role if any(r.role == role for r in t.resources)
    )
    cov = t.coverage
    digests = []
    for did in t.digests:
        d = ctx.kb.digests.get(did)
        digests.append((ctx.link(src, "digest", did), d.model.kind.value.replace("-", " ") if d else None,
                        len(ctx.claims_of("digest", did))))
    claims = ctx.claims_of("topic", tid)
    return TopicView(
        src=src, title=t.title, template="topic.md.j2", indexes=ctx.indexes(src),
        findings=ctx.finding_views(src, ctx.findings_for(card.rel)),
        aliases=tuple(t.aliases), level=t.level, summary=t.summary, courses=courses,
        prerequisites=tuple(ctx.link(src, "topic", p) for p in t.prerequisites),
        needed_by=tuple(ctx.link(src, "topic", p) for p in topics_needing(ctx.graph, tid)),
        related=tuple(ctx.link(src, "topic", r) for r in t.related),
        resources=resources,
        coverage=tuple((label, text) for label, text in (("Strong", cov.strong), ("Weak", cov.weak), ("Gaps", cov.gaps))
                       if text),
        needs_cards=tuple(ctx.link(src, "topic", c) for c in cov.needs_cards),
        digests=tuple(digests), claims=ctx.claim_items(src, claims), counts=counts(claims),
    )


# --------------------------------------------------------------------------- digest


@dataclass(frozen=True)
class DigestView(PageView):
    meta: tuple[str, ...] = ()
    source: ResourceView | None = None
    arxiv: str | None = None
    doi: str | None = None
    used_by: tuple[Link, ...] = ()
    focus: str | None = None
    key_points: str | None = None
    claims: tuple[ClaimItem, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()


def digest_view(ctx: SiteContext, did: str) -> DigestView:
    card = ctx.kb.digests[did]
    d = card.model
    src = card_page("digest", did)
    meta = [d.kind.value.replace("-", " ")] + ([", ".join(d.authors)] if d.authors else []) + ([str(d.year)] if d.year else [])
    source = None
    if d.url:
        outcome = ctx.status.link(d.url)
        source = ResourceView(anchor="source", title="Source", url=safe_url(d.url), has_url=True,
                              outcome=outcome.outcome if outcome and outcome.outcome in LINK_OUTCOMES else
                              ("unknown" if outcome else "unchecked"),
                              outcome_tip=link_tip(outcome, d.url) if outcome else None,
                              meta=(), why=None, note=None, digest=None)
    claims = ctx.claims_of("digest", did)
    return DigestView(
        src=src, title=d.title, template="digest.md.j2", indexes=ctx.indexes(src),
        findings=ctx.finding_views(src, ctx.findings_for(card.rel)),
        meta=tuple(meta), source=source, arxiv=d.identifiers.arxiv, doi=d.identifiers.doi,
        used_by=tuple(ctx.link(src, "topic", t) for t in topics_using_digest(ctx.graph, did)),
        focus=d.focus, key_points=d.key_points, claims=ctx.claim_items(src, claims), counts=counts(claims),
    )


# --------------------------------------------------------------------------- course


@dataclass(frozen=True)
class CourseTopic:
    number: int
    anchor: str  # the topic's heading: not in the table of contents, which lists the page's sections only
    tid: str
    title: str
    page: Link
    module: str | None
    level: str | None
    prerequisites: tuple[Link, ...]
    emphasis: str | None
    has_use: bool
    picked: tuple[ResourceView, ...]


@dataclass(frozen=True)
class CourseMap:
    source: str
    lines: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # (title, prerequisite titles, mentions)


@dataclass(frozen=True)
class CourseView(PageView):
    audience: str | None = None
    summary: str | None = None
    reordered: bool = False
    topics: tuple[CourseTopic, ...] = ()
    gaps: tuple[FindingView, ...] = ()
    gap_notes: tuple[tuple[Link, tuple[str, ...]], ...] = ()  # (topic's coverage section, "weak" / "gaps")
    map: CourseMap | None = None


def _plain(text: str) -> str:
    return "".join(ch for ch in " ".join(str(text).split()) if ch.isalnum() or ch in " .,:()'/+-_")[:120]


def course_view(ctx: SiteContext, cid: str) -> CourseView:
    kb, g = ctx.kb, ctx.graph
    card = kb.courses[cid]
    course = card.model
    src = card_page("course", cid)
    order = ctx.order(cid)
    with_cards = [t for t in course_topics(g, cid) if t in kb.topics]
    first = first_entries(g, cid)
    topics = []
    for number, tid in enumerate(order, start=1):
        tcard = kb.topics[tid]
        t = tcard.model
        use = t.courses.get(cid)
        # the picks with why they were picked; their notes are on the topic page
        picked = tuple(ctx.resource(src, tid, r, show_role=True, note=False)
                       for rid in (use.resources if use else []) for r in t.resources if r.id == rid)
        topics.append(CourseTopic(
            number=number, anchor=f"{number}-{tid}", tid=tid, title=t.title, page=ctx.link(src, "topic", tid),
            module=course.modules[first[tid].module].title if tid in first else None, level=t.level,
            prerequisites=tuple(ctx.link(src, "topic", p) for p in t.prerequisites),
            emphasis=use.emphasis if use else None, has_use=use is not None, picked=picked,
        ))
    # the gaps are what the coverage rules found in this course and its topics' cards
    rels = [card.rel] + sorted({kb.topics[t].rel for t in order})
    gaps = [f for rel in rels for f in ctx.findings_for(rel) if f.code in GAP_RULES]
    # the cards' own coverage notes stay on the topic pages; the course page says which topics have them
    notes = []
    for tid in order:
        cov = kb.topics[tid].model.coverage
        kinds = tuple(label for label, text in (("weak", cov.weak), ("gaps", cov.gaps)) if text)
        if kinds:
            notes.append((ctx.link(src, "topic", tid, anchor="coverage"), kinds))
    cmap = None
    if order:
        lines = []
        for tid in order:
            pres = tuple(g.nodes[v]["title"] for _, v, k in g.out_edges(node("topic", tid), keys=True) if k == PREREQUISITE)
            mentions = tuple(g.nodes[v]["id"] for _, v, k in g.out_edges(node("topic", tid), keys=True) if k == MENTIONS)
            lines.append((kb.topics[tid].model.title, pres, mentions))
        source = to_mermaid(g, cid, order=order, numbered=True, title=f"Concept map of {_plain(course.title)}",
                            description="Topics of the course in learning order; an arrow goes from a prerequisite "
                            "to the topic that needs it; dashed boxes are outside the course or have no card yet")
        cmap = CourseMap(source, tuple(lines))
    return CourseView(
        src=src, title=course.title, template="course.md.j2", indexes=ctx.indexes(src),
        findings=ctx.finding_views(src, ctx.findings_for(card.rel)),
        audience=course.audience, summary=course.summary, reordered=order != with_cards, topics=tuple(topics),
        gaps=ctx.finding_views(src, gaps, with_card=True), gap_notes=tuple(notes), map=cmap,
    )
