"""Card text made safe to publish: Markdown with raw HTML off, an allow-list, inert links.

Card text is untrusted: much of it is machine-drafted and any of it may carry
markup.  Three rules keep it inert:

* card Markdown is rendered here by a Markdown instance with raw HTML turned
  off (a ``<script>`` in a card comes out as the text ``<script>``), and the
  result is cleaned by nh3 with a short allow-list: only ``http``, ``https``
  and ``mailto`` links survive, every link gets ``rel="noopener"``;
* everything else from a card reaches a page through the Jinja2 templates,
  whose autoescape is on, and headings are also escaped for Markdown
  (:func:`md_escape`), so the page's own Markdown pass cannot turn card text
  back into markup;
* the finished page is cleaned once more (:func:`clean_page`) as a second
  line of defence.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

from kb.schema import NOT_VERIFIED_RE

#: the icon shown before a [NOT VERIFIED] marker's badge (the templates use the same one)
NOT_VERIFIED_ICON = "?"

# --------------------------------------------------------------------------- safe rendering

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener"

_CARD_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
    "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_CARD_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "ol": {"start"},
    "span": {"class", "title", "aria-hidden"},
}
_PAGE_TAGS = _CARD_TAGS | {
    "caption", "details", "div", "figcaption", "figure", "h1", "h2", "kbd",
    "nav", "section", "small", "summary", "tfoot",
}
_PAGE_ATTRIBUTES = {
    "*": {"class", "id", "title", "role", "lang", "hidden"},
    "a": {"href", "rel"},
    "details": {"open"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}

_card_cleaner = nh3.Cleaner(
    tags=_CARD_TAGS,
    attributes=_CARD_ATTRIBUTES,
    url_schemes=set(SAFE_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)
_page_cleaner = nh3.Cleaner(
    tags=_PAGE_TAGS,
    attributes=_PAGE_ATTRIBUTES,
    generic_attribute_prefixes={"aria-", "data-"},
    url_schemes=set(SAFE_SCHEMES),
    # card links already carry rel="noopener" from the first pass; the site's own links need none
    link_rel=None,
    strip_comments=True,
)

#: characters Python-Markdown treats as markup when they appear in text
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!])")


def md_escape(text: str) -> str:
    """Card text for a Markdown heading: escaped for HTML, then for Markdown.

    ``<`` and ``&`` become entities; every character Markdown could read as
    markup (links, emphasis, attribute lists) is backslash-escaped.
    """
    out = []
    for ch in " ".join(str(text).split()):
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif _MD_SPECIAL.match(ch):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) or mailto URL, else None.

    Browsers ignore control characters and whitespace inside a scheme
    (``java\\tscript:``), so those are removed before the scheme is read.
    """
    if not url:
        return None
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", str(url))
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", cleaned)
    if not match or match.group(1).lower() not in SAFE_SCHEMES:
        return None
    if match.group(1).lower() != "mailto" and not cleaned[len(match.group(0)):].startswith("//"):
        return None
    return str(url).strip()


class _CardTextProcessor(Treeprocessor):
    """Adjusts a rendered card fragment before it is serialised.

    * links other than absolute http(s) and mailto become plain text;
    * headings move down (``offset`` levels) so a card can never add a
      second ``h1`` or break the page's outline;
    * images become links labelled with their alt text: a card never makes
      the reader's browser fetch a third-party image, and the page works
      offline;
    * each ``[NOT VERIFIED]`` marker becomes a status badge, outside code.
    """

    def __init__(self, md: markdown.Markdown, offset: int):
        super().__init__(md)
        self.offset = offset

    def run(self, root: etree.Element) -> None:
        for el in list(root.iter()):
            tag = el.tag if isinstance(el.tag, str) else ""
            if re.fullmatch(r"h[1-6]", tag):
                el.tag = f"h{min(6, int(tag[1]) + self.offset)}"
            elif tag == "img":
                src, alt = el.get("src", ""), el.get("alt", "") or "image"
                el.attrib.clear()
                el.tag = "a"
                el.set("href", src)
                el.text = f"{alt} (image)"
                tag = "a"
            if tag == "a" and safe_url(el.get("href")) is None:
                # a link the site will not publish stays readable, but as text, not as a dead <a>
                el.attrib.clear()
                el.tag = "span"
                el.set("class", "kb-inert-link")
                el.set("title", "link withheld: only http, https and mailto links are published")
        self._markers(root)

    def _markers(self, el: etree.Element) -> None:
        if el.tag in ("code", "pre"):
            return
        children = list(el)
        if el.text and NOT_VERIFIED_RE.search(el.text):
            head, badges = _split_markers(el.text)
            el.text = head
            for i, badge in enumerate(badges):
                el.insert(i, badge)
        for child in children:
            self._markers(child)
            if child.tail and NOT_VERIFIED_RE.search(child.tail):
                head, badges = _split_markers(child.tail)
                child.tail = head
                at = list(el).index(child) + 1
                for i, badge in enumerate(badges):
                    el.insert(at + i, badge)


def _split_markers(text: str) -> tuple[str, list[etree.Element]]:
    parts = NOT_VERIFIED_RE.split(text)
    badges = []
    for tail in parts[1:]:
        span = etree.Element("span", {"class": "kb-badge kb-badge--not-verified kb-marker",
                                      "title": "Marked [NOT VERIFIED] in the card: nobody has checked this yet"})
        icon = etree.SubElement(span, "span", {"class": "kb-badge__icon", "aria-hidden": "true"})
        icon.text = NOT_VERIFIED_ICON
        icon.tail = " NOT VERIFIED"
        span.tail = tail
        badges.append(span)
    return parts[0], badges


_renderers: dict[int, markdown.Markdown] = {}


def _renderer(offset: int) -> markdown.Markdown:
    md = _renderers.get(offset)
    if md is None:
        md = markdown.Markdown(extensions=["tables", "sane_lists", "fenced_code"], output_format="html")
        # Python-Markdown passes raw HTML through by default; without these two
        # processors a "<script>" in a card is ordinary text and gets escaped.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_CardTextProcessor(md, offset), "kb-card-text", 5)
        _renderers[offset] = md
    md.reset()
    return md


#: prose with nothing Markdown or HTML could read as markup: letters, digits, spaces and plain punctuation
_PLAIN_PROSE = re.compile(r"[\w ,.;:?'\"()/%=\u2013\u2014\u2019\n-]*")
#: a line Markdown reads as a block of its own (list item, quote, heading, code, rule, table, setext underline)
_BLOCK_START = re.compile(r"^(?: {4}|\t| {0,3}(?:[-+*>#|=]|\d+[.)]))", re.MULTILINE)


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str | None, *, heading_offset: int = 3) -> str:
    """Card Markdown as clean HTML: raw HTML escaped, unsafe links inert, headings demoted.

    Plain prose (most card text: no character Markdown or HTML treats as
    markup, no line that starts a list, quote, heading or code block) is
    written as paragraphs directly; the result is the same as the full
    renderer's, which a test checks on generated cards.
    """
    if not text or not str(text).strip():
        return ""
    text = str(text)
    if _PLAIN_PROSE.fullmatch(text) and not _BLOCK_START.search(text) and "  \n" not in text:
        paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]
        return "\n".join("<p>" + html.escape("\n".join(line.strip() for line in p.split("\n")), quote=False) + "</p>"
                         for p in paragraphs)
    return _card_cleaner.clean(_renderer(heading_offset).convert(text))


def render_inline(text: str | None) -> str:
    """Like :func:`render_markdown` for a one-paragraph value, without the ``<p>``."""
    out = render_markdown(text)
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        return out[3:-4]
    return out


def clean_page(page_html: str) -> str:
    """The last pass over a generated page's HTML: an allow-list of tags and attributes."""
    return _page_cleaner.clean(page_html)
