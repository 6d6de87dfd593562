"""Render view models to page sources with Jinja2, re-rendering only the pages whose view changed.

The environment escapes by default (``autoescape``): card text reaches a page
escaped unless it goes through the ``md`` / ``inline`` filters, which render
card Markdown with raw HTML off and clean it with nh3 (:mod:`kb.pages.safe`).

:class:`PageRenderer` keeps, per page, a hash of its view and the Markdown it
rendered.  A view is plain data holding everything its page shows, so an
unchanged hash means an unchanged page: it is not rendered again, and
:attr:`PageRenderer.changed` names the pages that did change, which is what
lets ``mkdocs serve --dirty`` rebuild only those.
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import Any, Iterable

import jinja2
from markupsafe import Markup

from kb.pages import safe, status


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
    env.globals.update(
        STATUS_ICONS=status.STATUS_ICONS,
        STATUS_LABELS=status.STATUS_LABELS,
        STATUS_MEANINGS=status.STATUS_MEANINGS,
        LINK_OUTCOMES=status.LINK_OUTCOMES,
    )
    return env


def _templates_digest(env: jinja2.Environment) -> str:
    h = hashlib.sha256()
    for name in sorted(env.list_templates()):
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        h.update(name.encode() + b"\0" + source.encode() + b"\0")
    return h.hexdigest()


class PageRenderer:
    """Renders views to Markdown page sources, keeping the last result of every page."""

    def __init__(self) -> None:
        self.env = environment()
        self._salt = _templates_digest(self.env)
        self._cache: dict[str, tuple[str, str]] = {}  # src -> (view hash, markdown)
        #: pages rendered anew by the last :meth:`render_all` (new, or their view changed)
        self.changed: set[str] = set()

    def key(self, view: Any) -> str:
        return hashlib.sha256((self._salt + repr(view)).encode("utf-8")).hexdigest()

    def render(self, view: Any) -> str:
        return self.env.get_template(view.template).render(view=view)

    def render_all(self, views: Iterable[Any]) -> dict[str, str]:
        pages: dict[str, str] = {}
        changed: set[str] = set()
        for view in views:
            key = self.key(view)
            cached = self._cache.get(view.src)
            if cached is None or cached[0] != key:
                cached = (key, self.render(view))
                self._cache[view.src] = cached
                changed.add(view.src)
            pages[view.src] = cached[1]
        for gone in set(self._cache) - set(pages):
            del self._cache[gone]
        self.changed = changed
        return pages
