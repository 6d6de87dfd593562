"""Where each generated page lives, and relative links between pages.

Every page is named by its source path as if it were under ``docs_dir``
(``topics/cnns.md``); MkDocs turns that into a URL, and :class:`Router`
computes the same URLs so pages can link to each other without MkDocs.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata

HOME = "index.md"
LEDGER = "claims.md"
RULES_INDEX = "rules/index.md"
AUTHORING = "authoring.md"
COURSES_INDEX = "courses/index.md"
TOPICS_AZ = "indexes/topics.md"
TOPICS_BY_LEVEL = "indexes/topics-by-level.md"
TOPICS_BY_COURSE = "tags.md"  # the address the "topics by course" page has always had
DIGESTS_AZ = "indexes/digests.md"
DIGESTS_BY_KIND = "indexes/digests-by-kind.md"

#: the index pages every generated page links to, with their labels
INDEXES = (
    (COURSES_INDEX, "All courses"),
    (TOPICS_AZ, "Topics A to Z"),
    (TOPICS_BY_LEVEL, "Topics by level"),
    (TOPICS_BY_COURSE, "Topics by course"),
    (DIGESTS_AZ, "Digests A to Z"),
    (DIGESTS_BY_KIND, "Digests by kind"),
    (LEDGER, "Claims ledger"),
)


def card_page(kind: str, ident: str) -> str:
    # MkDocs serves "x/index.md" as the folder "x/" itself (and courses/index.md is the list of all
    # courses), so a card with the id "index" gets the folder its URL names: courses/index/.
    return f"{kind}s/index/index.md" if ident == "index" else f"{kind}s/{ident}.md"


def rule_page(code: str) -> str:
    return f"rules/{code}.md"


def part_page(base: str, part: int) -> str:
    """The source path of part ``part`` (1-based) of a long list page; part 1 is ``base`` itself."""
    return base if part == 1 else f"{base[:-3]}-{part}.md"


def letter_of(title: str) -> str:
    """The A-to-Z heading a title files under: its first letter without accents, else "#"."""
    for ch in unicodedata.normalize("NFKD", title.strip()):
        if ch.isalpha() and ch.isascii():
            return ch.upper()
        if ch.isalnum():
            return "#"
    return "#"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class Router:
    """URLs of pages as MkDocs builds them, and relative links between them."""

    def __init__(self, use_directory_urls: bool = True):
        self.use_directory_urls = use_directory_urls
        self._urls: dict[str, str] = {}

    def page_url(self, src_uri: str) -> str:
        url = self._urls.get(src_uri)
        if url is None:
            url = self._urls[src_uri] = self._page_url(src_uri)
        return url

    def _page_url(self, src_uri: str) -> str:
        stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
        if not self.use_directory_urls:
            return stem + ".html"
        if posixpath.basename(stem) == "index":
            return stem[: -len("index")]
        return stem + "/"

    def href(self, from_src: str, to_src: str, anchor: str | None = None) -> str:
        """A relative URL from the page built from ``from_src`` to the one built from ``to_src``."""
        here = self.page_url(from_src).split("/")[:-1]  # the folders the page sits in
        there = self.page_url(to_src).split("/")
        common = 0
        while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
            common += 1
        rel = "../" * (len(here) - common) + "/".join(there[common:])
        return (rel or "./") + (f"#{anchor}" if anchor else "")
