"""Render view models to page sources with Jinja2, re-rendering only the pages whose view changed.

The environment escapes by default (``autoescape``): card text reaches a page
escaped unless it goes through the ``md`` / ``inline`` filters, which render
card Markdown with raw HTML off and clean it with nh3 (:mod:`kb.pages.safe`).

A page source is Markdown only where MkDocs needs it (front matter, headings
for the table of contents); everything else is HTML the templates wrote.
That HTML is set aside while MkDocs reads the page (the ``html`` filter
leaves a placeholder, :data:`PLACEHOLDER`, in its paragraph) and put back
into the rendered page by the plugin (:func:`fill_html`), so MkDocs'
Markdown pass does not parse the same HTML a second time.  The page is then
cleaned by the nh3 allow-list as a whole.

:class:`PageRenderer` keeps, per page, its last view and what it rendered.
A view is plain frozen data holding everything its page shows, so an equal
view means an unchanged page: it is not rendered again, and
:attr:`PageRenderer.changed` names the pages that did change, which is what
lets ``mkdocs serve --dirty`` rebuild only those.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

import jinja2
from markupsafe import Markup

from kb.pages import safe, status


#: a paragraph MkDocs' Markdown leaves alone: letters and digits only
PLACEHOLDER = "KBHTML{}KB"
_SOURCE_RE = re.compile(r"\n\nKBHTML(\d+)KB\n\n")
_PARAGRAPH_RE = re.compile(r"<p>KBHTML(\d+)KB</p>")


def _set_aside(html_text: Any, blocks: list[str]) -> Markup:
    blocks.append(str(html_text))
    # a paragraph of its own, whatever the template put around it
    return Markup("\n\n" + PLACEHOLDER.format(len(blocks) - 1) + "\n\n")


def fill_source(source: str, blocks: list[str]) -> str:
    """The page source with its HTML back in place of the placeholders."""
    return _SOURCE_RE.sub(lambda m: "\n\n" + blocks[int(m.group(1))] + "\n\n", source) if blocks else source


def fill_html(page_html: str, blocks: list[str]) -> str:
    """A page MkDocs rendered, with the HTML set aside put back into its placeholder paragraphs."""
    return _PARAGRAPH_RE.sub(lambda m: blocks[int(m.group(1))], page_html) if blocks else page_html


def _front_title(title: Any) -> Markup:
    # themes print the front-matter title without escaping it, so it is escaped here, then quoted for YAML
    return Markup(json.dumps(html.escape(" ".join(str(title).split()), quote=True)))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kb.pages", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = lambda text: Markup(safe.render_markdown(text))
    env.filters["inline"] = lambda text: Markup(safe.render_inline(text))
    env.filters["heading"] = lambda text: Markup(safe.md_escape(text))
    env.filters["front_title"] = _front_title
    env.filters["html"] = _set_aside
    env.globals.update(
        STATUS_ICONS=status.STATUS_ICONS,
        STATUS_LABELS=status.STATUS_LABELS,
        STATUS_MEANINGS=status.STATUS_MEANINGS,
        LINK_OUTCOMES=status.LINK_OUTCOMES,
    )
    return env


@dataclass(frozen=True)
class Rendered:
    """A page source with its HTML set aside: ``source`` holds placeholders, ``blocks`` the HTML."""

    source: str
    blocks: tuple[str, ...]

    @property
    def text(self) -> str:
        """The whole page source, HTML in place."""
        return fill_source(self.source, list(self.blocks))


class PageRenderer:
    """Renders views to page sources, keeping the last view and result of every page."""

    def __init__(self) -> None:
        self.env = environment()
        self._cache: dict[str, tuple[Any, Rendered]] = {}  # src -> (view, page)
        #: pages rendered anew by the last :meth:`render_all` (new, or their view changed)
        self.changed: set[str] = set()

    def render_parts(self, view: Any) -> Rendered:
        blocks: list[str] = []
        source = self.env.get_template(view.template).render(view=view, blocks=blocks)
        return Rendered(source, tuple(blocks))

    def render(self, view: Any) -> str:
        """The whole page source of ``view``."""
        return self.render_parts(view).text

    def render_all(self, views: Iterable[Any]) -> dict[str, Rendered]:
        """Every view's page; a page whose view equals the last one given for it is not rendered again."""
        pages: dict[str, Rendered] = {}
        changed: set[str] = set()
        for view in views:
            cached = self._cache.get(view.src)
            # views are frozen plain data holding everything their page shows: equal views, equal pages
            if cached is None or cached[0] != view:
                cached = (view, self.render_parts(view))
                self._cache[view.src] = cached
                changed.add(view.src)
            pages[view.src] = cached[1]
        for gone in set(self._cache) - set(pages):
            del self._cache[gone]
        self.changed = changed
        return pages
