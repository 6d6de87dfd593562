"""The published site's pages, generated from the knowledge base.

A small package, used by the MkDocs plugin (:mod:`kb.mkdocs_plugin`) and
testable without MkDocs:

=============  ==============================================================
module         what it does
=============  ==============================================================
``views``      view models of the card pages: plain data from the graph, the
               cards, the claims ledger, the check report and the findings
``indexes``    home page, index pages, claims ledger, rule catalogue, and the
               navigation (courses, modules, topics; indexes for the rest)
``render``     Jinja2 templates (autoescape on) to Markdown page sources,
               re-rendering only pages whose view changed
``safe``       card Markdown with raw HTML off, nh3 allow-lists, safe URLs
``status``     claim and link statuses and findings, as the report gives them
``routes``     page paths and relative URLs
=============  ==============================================================

A page is one template (``templates/*.md.j2``) plus one view.
"""

from __future__ import annotations

from typing import Any, Iterable

from kb.pages.indexes import RuleEntry, home_view, index_views, ledger_views, nav_bound, navigation, rule_views
from kb.pages.render import PageRenderer, Rendered, fill_html
from kb.pages.routes import Router, card_page
from kb.pages.safe import clean_page, md_escape, render_inline, render_markdown, safe_url
from kb.pages.status import ClaimView, claim_views
from kb.pages.views import PageView, SiteContext, course_view, digest_view, topic_view

__all__ = [
    "ClaimView", "PageRenderer", "PageView", "Rendered", "Router", "RuleEntry", "SiteContext", "all_views", "card_page",
    "claim_views", "clean_page", "fill_html", "generate_pages", "md_escape", "nav_bound", "navigation", "render_inline",
    "render_markdown", "safe_url",
]


def all_views(ctx: SiteContext, rules: Iterable[RuleEntry] = ()) -> list[PageView]:
    """The view of every generated page."""
    views: list[PageView] = [home_view(ctx), *ledger_views(ctx), *index_views(ctx)]
    views += [course_view(ctx, cid) for cid in sorted(ctx.kb.courses)]
    views += [topic_view(ctx, tid) for tid in sorted(ctx.kb.topics)]
    views += [digest_view(ctx, did) for did in sorted(ctx.kb.digests)]
    views += rule_views(ctx, rules) if rules else []
    return views


def generate_pages(ctx: SiteContext, rules: Iterable[RuleEntry] = (), renderer: PageRenderer | None = None) -> dict[str, str]:
    """Every generated page: source path (as if under docs_dir) -> its whole source."""
    return {src: page.text for src, page in (renderer or PageRenderer()).render_all(all_views(ctx, list(rules))).items()}


def view_of(ctx: SiteContext, src: str) -> Any:  # for tests: the view of one page
    return next(v for v in all_views(ctx) if v.src == src)
