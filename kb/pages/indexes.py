"""The site's hubs: home page, index pages, claims ledger, rule catalogue, and the navigation.

Readers reach a course from the navigation (courses, then modules, then
topics in teaching order) and any topic or digest from the index pages
(A to Z, by level, by course, by kind).  Index lists and the ledger are cut
into parts of at most :data:`PAGE_ENTRIES` entries, so no page grows with
the knowledge base; the navigation holds at most :data:`NAV_SECTION_MAX`
entries per section and a page renders only the sections on its own path
(Material's ``navigation.prune``), so a page's navigation stays small too.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from kb.graph import course_entries, course_topics
from kb.pages.routes import (
    AUTHORING,
    COURSES_INDEX,
    DIGESTS_AZ,
    DIGESTS_BY_KIND,
    HOME,
    INDEXES,
    LEDGER,
    RULES_INDEX,
    TOPICS_AZ,
    TOPICS_BY_COURSE,
    TOPICS_BY_LEVEL,
    card_page,
    letter_of,
    part_page,
    rule_page,
    slug,
)
from kb.pages.status import CLAIM_STATUSES
from kb.pages.views import ClaimItem, Link, PageView, SiteContext, counts

#: entries on one index page, rows on one ledger page (a row carries its evidence); longer lists continue on parts
PAGE_ENTRIES = 300
LEDGER_ROWS = 150
#: entries in one navigation section; a longer one is left to its index page
NAV_SECTION_MAX = 50
#: courses shown on the home page (all of them are on the courses index)
HOME_COURSES = 20


@dataclass(frozen=True)
class ReportState:
    found: bool
    generated_at: str | None
    has_links: bool


def report_state(ctx: SiteContext) -> ReportState:
    return ReportState(ctx.status.found, ctx.status.generated_at, ctx.status.links is not None)


@dataclass(frozen=True)
class CourseSummary:
    link: Link
    topics: int
    first: Link | None
    audience: str | None


@dataclass(frozen=True)
class HomeView(PageView):
    front: bool = False
    totals: tuple[tuple[str, int], ...] = ()
    counts: tuple[tuple[str, int], ...] = ()
    report: ReportState | None = None
    ledger_href: str = ""
    courses: tuple[CourseSummary, ...] = ()
    more_courses: int = 0
    courses_href: str = ""
    authoring_href: str = ""
    rules_href: str = ""


def _courses_by_title(ctx: SiteContext) -> list[str]:
    return [cid for cid, _ in sorted(ctx.kb.courses.items(), key=lambda kv: (kv[1].model.title.lower(), kv[0]))]


def home_view(ctx: SiteContext) -> HomeView:
    src, kb = HOME, ctx.kb
    courses = []
    for cid in _courses_by_title(ctx)[:HOME_COURSES]:
        order = ctx.order(cid)
        courses.append(CourseSummary(ctx.link(src, "course", cid), len(order),
                                     ctx.link(src, "topic", order[0]) if order else None, kb.courses[cid].model.audience))
    return HomeView(
        src=src, title=ctx.site_name, template="home.md.j2", indexes=ctx.indexes(src),
        totals=(("Courses", len(kb.courses)), ("Topics", len(kb.topics)), ("Digests", len(kb.digests)),
                ("Claims", len(ctx.claims))),
        counts=counts(ctx.claims), report=report_state(ctx), ledger_href=ctx.href(src, LEDGER),
        courses=tuple(courses), more_courses=max(0, len(kb.courses) - HOME_COURSES),
        courses_href=ctx.href(src, COURSES_INDEX), authoring_href=ctx.href(src, AUTHORING),
        rules_href=ctx.href(src, RULES_INDEX),
    )


# --------------------------------------------------------------------------- list pages


@dataclass(frozen=True)
class ListView(PageView):
    intro: str = ""
    groups: tuple[tuple[str, str, tuple[tuple[Link, str | None], ...]], ...] = ()
    jump: tuple[tuple[str, str], ...] = ()  # (group heading, href) for every group, across parts
    part: int = 1
    parts: tuple[str, ...] = ()


def list_views(ctx: SiteContext, base: str, title: str, intro: str,
               grouped: Iterable[tuple[str, list[tuple[str, str, str | None]]]]) -> list[ListView]:
    """A long grouped list as pages of at most :data:`PAGE_ENTRIES` links.

    ``grouped`` yields (heading, [(kind, id, note), ...]); a group that does not
    fit is continued on the next part under the same heading.
    """
    flat = [(heading, item) for heading, items in grouped for item in items]
    chunks = [flat[i:i + PAGE_ENTRIES] for i in range(0, len(flat), PAGE_ENTRIES)] or [[]]
    srcs = [part_page(base, n) for n in range(1, len(chunks) + 1)]
    where: dict[str, int] = {}
    for n, chunk in enumerate(chunks):
        for heading, _ in chunk:
            where.setdefault(heading, n)
    views = []
    for n, chunk in enumerate(chunks):
        src = srcs[n]
        groups: dict[str, list[tuple[Link, str | None]]] = defaultdict(list)
        for heading, (kind, ident, note) in chunk:
            groups[heading].append((ctx.link(src, kind, ident), note))
        views.append(ListView(
            src=src, title=title if n == 0 else f"{title} (part {n + 1})", template="list.md.j2",
            indexes=ctx.indexes(src), search_exclude=True, intro=intro,
            groups=tuple((h, "g-" + slug(h), tuple(entries)) for h, entries in groups.items()),
            jump=tuple((h, ctx.href(src, srcs[i], "g-" + slug(h))) for h, i in where.items()) if len(where) > 1 else (),
            part=n + 1, parts=tuple(ctx.href(src, s) for s in srcs),
        ))
    return views


def _by_title(table: dict[str, Any]) -> list[str]:
    return [i for i, _ in sorted(table.items(), key=lambda kv: (kv[1].model.title.lower(), kv[0]))]


def _grouped(ids: Iterable[str], key: Callable[[str], str], kind: str, note: Callable[[str], str | None],
             order: Iterable[str] | None = None) -> list[tuple[str, list[tuple[str, str, str | None]]]]:
    groups: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for ident in ids:
        groups[key(ident)].append((kind, ident, note(ident)))
    keys = list(order) if order is not None else sorted(groups)
    return [(k, groups[k]) for k in keys if k in groups]


def index_views(ctx: SiteContext) -> list[ListView]:
    kb, g = ctx.kb, ctx.graph
    topics, digests = _by_title(kb.topics), _by_title(kb.digests)

    def level(tid: str) -> str | None:
        return kb.topics[tid].model.level

    views: list[ListView] = []
    views += list_views(ctx, COURSES_INDEX, "All courses", "Every course, by title, with its number of topics.",
                        [("Courses", [("course", cid, f"{len(ctx.order(cid))} topics")
                                      for cid in _courses_by_title(ctx)])])
    views += list_views(ctx, TOPICS_AZ, "Topics A to Z", "Every topic card, by title.",
                        _grouped(topics, lambda t: letter_of(kb.topics[t].model.title), "topic", level))
    levels = sorted({level(t) or "no level given" for t in topics})
    views += list_views(ctx, TOPICS_BY_LEVEL, "Topics by level", "Every topic card, by the level its card gives.",
                        _grouped(topics, lambda t: level(t) or "no level given", "topic", lambda t: None, levels))
    by_course: list[tuple[str, list[tuple[str, str, str | None]]]] = []
    for cid in _courses_by_title(ctx):
        module_titles = [m.title for m in kb.courses[cid].model.modules]
        firsts: dict[str, str] = {}
        for e in course_entries(g, cid):
            firsts.setdefault(e.topic, module_titles[e.module])
        by_course.append((kb.courses[cid].model.title,
                          [("topic", t, f"module: {firsts.get(t, '')}") for t in ctx.order(cid)]))
    taught = {t for cid in kb.courses for t in course_topics(g, cid)}
    in_no_course = [t for t in topics if t not in taught]
    if in_no_course:
        by_course.append(("In no course yet", [("topic", t, level(t)) for t in in_no_course]))
    views += list_views(ctx, TOPICS_BY_COURSE, "Topics by course",
                        "The topics of each course in teaching order, then the topics no course lists yet.", by_course)
    views += list_views(ctx, DIGESTS_AZ, "Digests A to Z", "Every digest, by title.",
                        _grouped(digests, lambda d: letter_of(kb.digests[d].model.title), "digest",
                                 lambda d: kb.digests[d].model.kind.value.replace("-", " ")))
    views += list_views(ctx, DIGESTS_BY_KIND, "Digests by kind", "Every digest, by what kind of source it digests.",
                        _grouped(digests, lambda d: kb.digests[d].model.kind.value.replace("-", " "), "digest",
                                 lambda d: str(kb.digests[d].model.year or "") or None))
    return views


# --------------------------------------------------------------------------- ledger


@dataclass(frozen=True)
class LedgerView(PageView):
    counts: tuple[tuple[str, int], ...] = ()
    report: ReportState | None = None
    rows: tuple[ClaimItem, ...] = ()
    part: int = 1
    parts: tuple[str, ...] = ()


def ledger_views(ctx: SiteContext) -> list[LedgerView]:
    order = {s: i for i, s in enumerate(CLAIM_STATUSES)}
    rows = sorted(ctx.claims, key=lambda c: (order.get(c.status, 9), c.path, c.line))
    chunks = [rows[i:i + LEDGER_ROWS] for i in range(0, len(rows), LEDGER_ROWS)] or [[]]
    srcs = [part_page(LEDGER, n) for n in range(1, len(chunks) + 1)]
    return [
        LedgerView(src=src, title="Claims ledger" if n == 0 else f"Claims ledger (part {n + 1})",
                   template="ledger.md.j2", indexes=ctx.indexes(src), search_exclude=True,
                   counts=counts(ctx.claims), report=report_state(ctx),
                   rows=ctx.claim_items(src, chunk, with_owner=True),
                   part=n + 1, parts=tuple(ctx.href(src, s) for s in srcs))
        for n, (src, chunk) in enumerate(zip(srcs, chunks))
    ]


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RuleEntry:
    code: str
    name: str
    severity: str
    needs: str
    summary: str
    doc: str  # the rule's documentation page, Markdown written in this project


@dataclass(frozen=True)
class RulesView(PageView):
    rules: tuple[RuleEntry, ...] = ()


@dataclass(frozen=True)
class RuleView(PageView):
    doc: str = ""


def rule_views(ctx: SiteContext, rules: Iterable[RuleEntry]) -> list[PageView]:
    rules = tuple(rules)
    views: list[PageView] = [RulesView(src=RULES_INDEX, title="Rule catalogue", template="rules.md.j2",
                                       indexes=ctx.indexes(RULES_INDEX), rules=rules)]
    views += [RuleView(src=rule_page(r.code), title=f"{r.code} {r.name}", template="rule.md.j2",
                       indexes=ctx.indexes(rule_page(r.code)), doc=r.doc) for r in rules]
    return views


# --------------------------------------------------------------------------- navigation


def _label(text: str) -> str:
    # themes print navigation titles without escaping them
    return html.escape(" ".join(str(text).split()), quote=True)


def navigation(ctx: SiteContext, pages: Iterable[str], extra_pages: Iterable[str] = ()) -> list[Any]:
    """An mkdocs ``nav``: courses, then modules, then topics in teaching order; indexes for the rest.

    A topic appears once, under the first course (by title) and module that
    teach it; a topic in no course, every digest and every index part is
    reached through the index pages.  A section that would hold more than
    :data:`NAV_SECTION_MAX` entries is left to its index page.
    """
    kb, g = ctx.kb, ctx.graph
    pages = set(pages)
    placed: set[str] = set()
    courses: list[Any] = [{"All courses": COURSES_INDEX}]
    listed = _courses_by_title(ctx)
    if len(listed) <= NAV_SECTION_MAX:
        for cid in listed:
            course = kb.courses[cid].model
            order = ctx.order(cid)
            modules: dict[int, list[str]] = defaultdict(list)
            seen: dict[str, int] = {}
            for e in course_entries(g, cid):
                seen.setdefault(e.topic, e.module)
            for tid in order:
                if tid not in placed:
                    modules[seen[tid]].append(tid)
            section: list[Any] = [{"Overview": card_page("course", cid)}]
            if len(modules) <= NAV_SECTION_MAX:
                for m, tids in sorted(modules.items()):
                    if len(tids) > NAV_SECTION_MAX:
                        continue
                    placed.update(tids)
                    section.append({_label(course.modules[m].title): [
                        {_label(kb.topics[t].model.title): card_page("topic", t)} for t in tids]})
            courses.append({_label(course.title): section})
    nav: list[Any] = [{"Home": HOME}, {"Courses": courses},
                      {"Indexes": [{label: page} for page, label in INDEXES if page not in (COURSES_INDEX, LEDGER)]},
                      {"Claims ledger": LEDGER}]
    if RULES_INDEX in pages:
        nav.append({"Rules": [{"Rule catalogue": RULES_INDEX}]
                    + sorted((p for p in pages if p.startswith("rules/") and p != RULES_INDEX))})
    nav.extend(sorted(extra_pages))
    return nav


def nav_bound(ctx: SiteContext) -> int:
    """The most entries any page's rendered navigation can hold (with ``navigation.prune``).

    The top level (at most 8 with the hand-written pages), the courses
    section (all courses and at most :data:`NAV_SECTION_MAX` courses), one
    course's overview and modules, one module's topics, or the rules.
    """
    return 8 + 1 + NAV_SECTION_MAX + 1 + NAV_SECTION_MAX + NAV_SECTION_MAX
