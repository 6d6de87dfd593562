"""Generate the published site's pages from the knowledge base.

Plain functions from a :class:`~kb.store.KnowledgeBase`, its graph and the
last machine report (``kb check --report``) to Markdown page sources, so the
pages can be tested without running MkDocs.  The MkDocs plugin
(:mod:`kb.mkdocs_plugin`) only decides *when* these run and hands the results
to MkDocs.

Card text is untrusted: much of it is machine-drafted and any of it may carry
markup.  Three rules keep it inert:

* card Markdown is rendered here, by a Markdown instance with raw HTML turned
  off (a ``<script>`` in a card comes out as the text ``<script>``), and the
  result is cleaned by nh3 with a short allow-list: only ``http``, ``https``
  and ``mailto`` links survive, every link gets ``rel="noopener"``;
* card text placed anywhere else (headings, titles, attributes) is escaped
  for HTML *and* for Markdown, so the page's own Markdown pass cannot turn it
  back into markup;
* the finished page is cleaned once more (:func:`clean_page`) as a backstop.

Generated pages are Markdown only where MkDocs needs it (headings, so the
table of contents and anchors work); everything built from card data is
HTML written here.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit, urlunsplit
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import markdown
import networkx as nx
import nh3
from markdown.treeprocessors import Treeprocessor

from kb.graph import (
    MENTIONS,
    PREREQUISITE,
    course_topics,
    courses_of_topic,
    learning_order,
    node,
    to_mermaid,
    topics_using_digest,
)
from kb.schema import CORE_ROLES, NOT_VERIFIED_RE, Claim, Role
from kb.store import Card, KnowledgeBase

REPORT_VERSION = 1

#: claim statuses, in the order the site lists them
CLAIM_STATUSES = ("verified", "not-verified", "disputed", "failing")
UNKNOWN = "unknown"

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


def esc(text: Any) -> str:
    """Text for an HTML text node or a quoted attribute value."""
    return html.escape("" if text is None else str(text), quote=True)


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


def external_link(url: str | None, label: str) -> str:
    """An ``<a>`` to ``url``, or ``label`` as inert text when the URL is unsafe or missing.

    ``label`` must already be HTML.
    """
    target = safe_url(url)
    if target is None:
        return f'<span class="kb-inert-link">{label}</span>'
    return f'<a href="{esc(target)}" rel="{LINK_REL}">{label}</a>'


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
        icon.text = STATUS_ICONS["not-verified"]
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


def render_markdown(text: str | None, *, heading_offset: int = 3) -> str:
    """Card Markdown as clean HTML: raw HTML escaped, unsafe links inert, headings demoted."""
    if not text or not str(text).strip():
        return ""
    return _card_cleaner.clean(_renderer(heading_offset).convert(str(text)))


def render_inline(text: str | None) -> str:
    """Like :func:`render_markdown` for a one-paragraph value, without the ``<p>``."""
    out = render_markdown(text)
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        return out[3:-4]
    return out


def clean_page(page_html: str) -> str:
    """The last pass over a generated page's HTML: an allow-list of tags and attributes."""
    return _page_cleaner.clean(page_html)


# --------------------------------------------------------------------------- statuses and badges

STATUS_ICONS = {
    "verified": "\u2713",  # check mark
    "not-verified": "?",
    "disputed": "!",
    "failing": "\u2717",  # ballot x
    UNKNOWN: "\u2013",  # en dash
}
STATUS_LABELS = {
    "verified": "verified",
    "not-verified": "not verified",
    "disputed": "disputed",
    "failing": "failing",
    UNKNOWN: "unknown",
}
STATUS_MEANINGS = {
    "verified": "a check or a person confirmed it",
    "not-verified": "nobody has confirmed it yet",
    "disputed": "someone has reason to doubt it",
    "failing": "a machine check contradicts it",
    UNKNOWN: "no status is known",
}

LINK_OUTCOMES = {
    "ok": ("\u2713", "link ok", "the link answered and is the page the card names"),
    "broken": ("\u2717", "link broken", "the link did not answer, or answered with an error"),
    "blocked": ("\u2298", "link blocked", "the site refused an automated check; a person should look"),
    "unknown": ("?", "link unknown", "the check could not decide"),
    "unchecked": ("\u2013", "link not checked", "the link check has not looked at this link"),
}


def status_badge(status: str, *, title: str | None = None) -> str:
    """A claim status badge: an icon (hidden from screen readers) and a text label.

    The label is always visible text, so the status never rests on colour.
    """
    key = status if status in STATUS_LABELS else UNKNOWN
    tip = title or f"{STATUS_LABELS[key]}: {STATUS_MEANINGS[key]}"
    return (
        f'<span class="kb-badge kb-badge--{key}" title="{esc(tip)}">'
        f'<span class="kb-badge__icon" aria-hidden="true">{STATUS_ICONS[key]}</span> {STATUS_LABELS[key]}</span>'
    )


def link_badge(outcome: str, *, title: str | None = None) -> str:
    icon, label, meaning = LINK_OUTCOMES.get(outcome, (STATUS_ICONS[UNKNOWN], f"link {outcome}", "reported by the link check"))
    key = outcome if outcome in LINK_OUTCOMES else "unknown"
    return (
        f'<span class="kb-badge kb-link kb-link--{esc(key)}" title="{esc(title or meaning)}">'
        f'<span class="kb-badge__icon" aria-hidden="true">{icon}</span> {esc(label)}</span>'
    )


# --------------------------------------------------------------------------- the machine report


class ReportError(Exception):
    """The report file exists but cannot be used."""


@dataclass
class LinkStatus:
    url: str
    outcome: str
    status: int | None = None
    final_url: str | None = None
    title: str | None = None
    reason: str | None = None


@dataclass
class Report:
    """What the site uses from the last ``kb check --report``: none of it when there is no report."""

    path: Path | None = None
    found: bool = False
    generated_at: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] | None = None
    links: dict[str, LinkStatus] | None = None

    def link(self, url: str | None) -> LinkStatus | None:
        if not url or self.links is None:
            return None
        return self.links.get(_url_key(url))

    def findings_for(self, rel_path: str) -> list[dict[str, Any]]:
        return [d for d in self.diagnostics if d.get("path") == rel_path]


def _url_key(url: str) -> str:
    """A URL as the link report and the cards should both spell it: no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))


def load_report(path: Path | None) -> Report:
    """Read the machine report; a missing file is an empty :class:`Report`, a broken one :class:`ReportError`."""
    if path is None or not path.is_file():
        return Report(path=path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read the check report: {exc}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: the check report is not a JSON object")
    version = data.get("version")
    if version != REPORT_VERSION:
        raise ReportError(f"{path}: check report version {version!r} is not supported (expected {REPORT_VERSION})")
    raw_links = data.get("links")
    if isinstance(raw_links, dict):  # the link stage's own summary: {"results": [...], ...}
        raw_links = raw_links.get("results")
    links = None
    if isinstance(raw_links, list):
        links = {}
        for entry in raw_links:
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                links[_url_key(entry["url"])] = LinkStatus(
                    url=entry["url"],
                    outcome=str(entry.get("outcome") or "unknown"),
                    status=entry.get("status") if isinstance(entry.get("status"), int) else None,
                    final_url=entry.get("final_url") if isinstance(entry.get("final_url"), str) else None,
                    title=entry.get("title") if isinstance(entry.get("title"), str) else None,
                    reason=entry.get("reason") if isinstance(entry.get("reason"), str) else None,
                )
    claims = data.get("claims")
    return Report(
        path=path,
        found=True,
        generated_at=data.get("generated_at") if isinstance(data.get("generated_at"), str) else None,
        summary=data.get("summary") if isinstance(data.get("summary"), dict) else {},
        diagnostics=[d for d in data.get("diagnostics") or [] if isinstance(d, dict)],
        claims=[c for c in claims if isinstance(c, dict)] if isinstance(claims, list) else None,
        links=links,
    )


# --------------------------------------------------------------------------- claims


@dataclass
class ClaimView:
    """One claim as the site shows it."""

    uid: str
    card_kind: str  # "topic" or "digest"
    card_id: str
    path: str  # relative to the cards root
    line: int
    col: int
    text: str
    status: str
    origin: str  # "claim" (an entry under claims:) or "marker" (a [NOT VERIFIED] in prose)
    source: str | None = None
    check: str | None = None
    evidence: dict[str, Any] | None = None
    #: True when the status comes from a machine report rather than the card
    checked: bool = False

    @property
    def anchor(self) -> str:
        return "claim-" + re.sub(r"[^a-z0-9-]+", "-", self.uid.split("#", 1)[-1].lower()).strip("-")


def _strings(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))


def _marker_sentence(text: str, start: int, end: int) -> str:
    """The statement a ``[NOT VERIFIED]`` marker qualifies: the sentence it ends, else the line before."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", before) if s.strip(" -*:")]
    if sentences:
        statement = sentences[-1]
    else:
        # a marker that opens its line qualifies what follows it, else the line above
        line_end = text.find("\n", end)
        after = text[end:line_end if line_end >= 0 else len(text)].strip()
        statement = re.split(r"(?<=[.!?])\s+", after)[0] if after else text[:line_start].rstrip("\n").rsplit("\n", 1)[-1]
    statement = re.sub(r"^\s*[-*+]\s+", "", statement).strip()
    return statement or "(a [NOT VERIFIED] marker with no statement before it)"


def _marker_positions(card: Card[Any], path: tuple, count: int) -> list[tuple[int, int]]:
    """Line and column of the first ``count`` markers in the source at or after the value's start."""
    span = card.span(*path)
    lines = card.text.splitlines()
    found: list[tuple[int, int]] = []
    for number in range(max(span.line, 1), len(lines) + 1):
        for m in NOT_VERIFIED_RE.finditer(lines[number - 1]):
            if number == span.line and m.start() + 1 < span.col:
                continue
            found.append((number, m.start() + 1))
            if len(found) == count:
                return found
    while len(found) < count:
        found.append((span.line, span.col))
    return found


def _evidence_dict(claim: Claim) -> dict[str, Any] | None:
    if claim.evidence is None:
        return None
    return claim.evidence.model_dump(mode="json", exclude_none=True, exclude_defaults=True) or None


def derive_claims(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The claims ledger read straight from the cards, in the report's entry shape.

    Each ``claims:`` entry of a topic or digest, with the status the card
    gives it, and each ``[NOT VERIFIED]`` marker in the card's prose as a
    not-verified claim.  Used when :mod:`validators.claims` is not available.
    """
    out: list[dict[str, Any]] = []
    cards = sorted([*kb.digests.values(), *kb.topics.values()], key=lambda c: c.rel)
    for card in cards:
        model = card.model
        for i, claim in enumerate(model.claims):
            span = card.span("claims", i)
            out.append({
                "uid": f"{card.id}#{claim.id}", "card": f"{card.kind}:{card.id}", "path": card.rel,
                "line": span.line, "col": span.col, "text": claim.text, "status": claim.status.value,
                "check": claim.check.kind if claim.check else None, "evidence": _evidence_dict(claim),
            })
        dumped = model.model_dump(mode="python", exclude={"claims"})
        n = 0
        for path, text in _strings(dumped):
            matches = list(NOT_VERIFIED_RE.finditer(text))
            if not matches:
                continue
            positions = _marker_positions(card, path, len(matches))
            for m, (line, col) in zip(matches, positions):
                n += 1
                out.append({
                    "uid": f"{card.id}#nv-{n}", "card": f"{card.kind}:{card.id}", "path": card.rel,
                    "line": line, "col": col, "text": _marker_sentence(text, m.start(), m.end()),
                    "status": "not-verified", "check": None, "evidence": None,
                })
    return out


def current_ledger(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The ledger of the cards as they are now, from :mod:`validators.claims` when it is installed."""
    try:
        from validators.claims import ledger
    except ImportError:
        return derive_claims(kb)
    return [entry.to_dict() for entry in ledger(kb)]


def _card_of(entry: dict[str, Any], kb: KnowledgeBase) -> tuple[str, str] | None:
    """(kind, id) of the card a ledger entry belongs to."""
    card = entry.get("card")
    if isinstance(card, str) and ":" in card:
        kind, ident = card.split(":", 1)
        return kind, ident
    path = str(entry.get("path") or "")
    for kind, sub in (("topic", "topics/"), ("digest", "digests/"), ("course", "courses/")):
        if path.startswith(sub):
            ident = card if isinstance(card, str) and card else posixpath.splitext(posixpath.basename(path))[0]
            return kind, ident
    if isinstance(card, str):
        for kind, table in (("digest", kb.digests), ("topic", kb.topics)):
            if card in table:
                return kind, card
    return None


def claim_views(kb: KnowledgeBase, report: Report) -> list[ClaimView]:
    """Every claim in the cards, with its status from the report where the report has one.

    Claims come from the cards as they are now; a report entry for a claim
    that no longer exists is stale and left out.
    """
    from_report = {c.get("uid"): c for c in report.claims or [] if isinstance(c.get("uid"), str)}
    views: list[ClaimView] = []
    for entry in current_ledger(kb):
        where = _card_of(entry, kb)
        if where is None:
            continue
        kind, ident = where
        table = kb.by_kind(kind) if kind in ("topic", "digest", "course") else {}
        card = table.get(ident)
        uid = str(entry.get("uid"))
        claim_id = uid.split("#", 1)[-1]
        explicit = None
        if card is not None:
            explicit = next((c for c in getattr(card.model, "claims", []) if c.id == claim_id), None)
        checked = uid in from_report
        merged = {**entry, **{k: v for k, v in from_report.get(uid, {}).items() if v is not None}}
        origin = merged.get("origin") if merged.get("origin") in ("claim", "marker") else None
        status = str(merged.get("status") or UNKNOWN)
        views.append(ClaimView(
            uid=uid,
            card_kind=kind,
            card_id=ident,
            path=str(merged.get("path") or (card.rel if card else "")),
            line=int(merged.get("line") or 1),
            col=int(merged.get("col") or 1),
            text=str(merged.get("text") or ""),
            status=status if status in CLAIM_STATUSES else UNKNOWN,
            origin=origin or ("claim" if explicit is not None else "marker"),
            source=merged.get("source") or (explicit.source if explicit is not None else None),
            check=_check_kind(merged),
            evidence=merged.get("evidence") if isinstance(merged.get("evidence"), dict) else None,
            checked=checked,
        ))
    return views


def _check_kind(entry: dict[str, Any]) -> str | None:
    for key in ("check_kind", "check", "kind"):
        value = entry.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict) and isinstance(value.get("kind"), str):
            return value["kind"]
    return None


# --------------------------------------------------------------------------- site context and URLs


@dataclass
class SiteContext:
    kb: KnowledgeBase
    graph: nx.MultiDiGraph
    report: Report = field(default_factory=Report)
    site_name: str = "Curriculum knowledge base"
    use_directory_urls: bool = True
    claims: list[ClaimView] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.claims:
            self.claims = claim_views(self.kb, self.report)
        self._by_card: dict[tuple[str, str], list[ClaimView]] = defaultdict(list)
        for c in self.claims:
            self._by_card[(c.card_kind, c.card_id)].append(c)

    def claims_of(self, kind: str, ident: str) -> list[ClaimView]:
        return self._by_card.get((kind, ident), [])

    # ---- URLs

    def page_url(self, src_uri: str) -> str:
        stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
        if not self.use_directory_urls:
            return stem + ".html"
        if posixpath.basename(stem) == "index":
            return stem[: -len("index")]
        return stem + "/"

    def href(self, from_src: str, to_src: str, anchor: str | None = None) -> str:
        """A relative URL from the page built from ``from_src`` to the one built from ``to_src``."""
        here, there = self.page_url(from_src), self.page_url(to_src)
        here_dir = here if (here == "" or here.endswith("/")) else posixpath.dirname(here) + "/"
        rel = posixpath.relpath("/" + there, "/" + here_dir)
        if there == "" or there.endswith("/"):
            rel = "./" if rel == "." else rel + "/"
        return rel + (f"#{anchor}" if anchor else "")

    def card_link(self, from_src: str, kind: str, ident: str, label: str | None = None, anchor: str | None = None) -> str:
        """A link to a card's page, or the plain id marked as missing when there is no card."""
        table = self.kb.by_kind(kind)
        card = table.get(ident)
        if card is None:
            return f'<span class="kb-missing" title="no {kind} card with this id yet">{esc(label or ident)}</span>'
        return f'<a href="{esc(self.href(from_src, card_page(kind, ident), anchor))}">{esc(label or card.model.title)}</a>'


def card_page(kind: str, ident: str) -> str:
    return f"{kind}s/{ident}.md"


HOME = "index.md"
LEDGER = "claims.md"
RULES_INDEX = "rules/index.md"
TAGS = "tags.md"
AUTHORING = "authoring.md"


def rule_page(code: str) -> str:
    return f"rules/{code}.md"


# --------------------------------------------------------------------------- page helpers


def front_matter(title: str, **extra: Any) -> str:
    """YAML front matter. The title is HTML-escaped: themes print it without escaping."""
    lines = ["---", "title: " + json.dumps(html.escape(" ".join(title.split()), quote=True))]
    for key, value in extra.items():
        lines.append(f"{key}: {json.dumps(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def block(html_text: str) -> str:
    """An HTML block for the page's Markdown: blank lines around it so it is not read as Markdown."""
    return "\n" + html_text.strip() + "\n\n"


def note(kind: str, title: str, body_html: str) -> str:
    return block(
        f'<div class="admonition {esc(kind)}"><p class="admonition-title">{esc(title)}</p>{body_html}</div>'
    )


def _counts(claims: Iterable[ClaimView]) -> Counter:
    return Counter(c.status for c in claims)


def _status_summary(counts: Counter, *, link_from: str | None = None, ctx: SiteContext | None = None) -> str:
    parts = []
    for status in (*CLAIM_STATUSES, UNKNOWN):
        n = counts.get(status, 0)
        if not n and status == UNKNOWN:
            continue
        badge = status_badge(status)
        if link_from and ctx is not None and n:
            parts.append(f'<li><a href="{esc(ctx.href(link_from, LEDGER))}?status={status}">{badge}</a> {n}</li>')
        else:
            parts.append(f"<li>{badge} {n}</li>")
    return '<ul class="kb-status-counts">' + "".join(parts) + "</ul>"


def _report_note(ctx: SiteContext) -> str:
    if ctx.report.found:
        when = f" of {esc(ctx.report.generated_at)}" if ctx.report.generated_at else ""
        links = "" if ctx.report.links is not None else " It has no link results, so link statuses are unknown."
        return f"<p>Statuses come from the last check report{when}.{links}</p>"
    return (
        "<p>No check report was found, so link statuses are <strong>unknown</strong> and claim statuses "
        "are as the cards state them, not machine-checked. Run <code>kb check</code> and rebuild the site.</p>"
    )


def _findings(ctx: SiteContext, src: str, card: Card[Any]) -> str:
    found = ctx.report.findings_for(card.rel)
    if not found:
        return ""
    items = []
    for d in found:
        code = str(d.get("code", ""))
        code_html = esc(code)
        if re.fullmatch(r"KB\d{3}", code):
            code_html = f'<a href="{esc(ctx.href(src, rule_page(code)))}">{esc(code)}</a>'
        items.append(
            f"<li>{code_html} <span class=\"kb-severity\">{esc(d.get('severity', ''))}</span>: "
            f"{esc(d.get('message', ''))} <small>(line {esc(d.get('line', '?'))})</small></li>"
        )
    return block(
        f'<details class="kb-findings"><summary>{len(found)} finding{"s" if len(found) != 1 else ""} '
        f"from the last check</summary><ul>{''.join(items)}</ul></details>"
    )


ROLE_LABELS = {
    Role.video: "Video",
    Role.written_explainer: "Written explainer",
    Role.deep_dive: "Deep dive",
    Role.original_paper: "Original paper",
    Role.code_walkthrough: "Code walkthrough",
    Role.alternative: "Alternatives",
}


def _link_tip(link: LinkStatus, url: str) -> str | None:
    bits = [link.reason or (f"HTTP {link.status}" if link.status else "")]
    if link.final_url and _url_key(link.final_url) != _url_key(url):
        bits.append(f"ends at {link.final_url}")
    if link.title:
        bits.append(f"page title: {link.title}")
    tip = "; ".join(b for b in bits if b)
    return tip or None


def _resource_html(ctx: SiteContext, src: str, topic: Card[Any], res: Any, *, show_role: bool = False) -> str:
    title = esc(res.title)
    status = ""
    if res.url:
        link = ctx.report.link(res.url)
        if link is not None:
            status = " " + link_badge(link.outcome, title=_link_tip(link, res.url))
        else:
            status = " " + link_badge("unchecked")
        if safe_url(res.url) is None:
            status += ' <span class="kb-badge kb-link kb-link--broken" title="only http, https and mailto links are published">' \
                      '<span class="kb-badge__icon" aria-hidden="true">\u2717</span> link withheld</span>'
    else:
        status = ' <span class="kb-badge kb-link kb-link--unknown" title="the card gives no address for this resource">' \
                 '<span class="kb-badge__icon" aria-hidden="true">?</span> no link</span>'
    heading = external_link(res.url, title)
    meta = []
    if show_role:
        meta.append(esc(ROLE_LABELS.get(res.role, str(res.role.value))))
    if res.authors:
        meta.append(esc(", ".join(res.authors)))
    if res.source:
        meta.append(esc(res.source))
    if res.year:
        meta.append(esc(res.year))
    if res.level:
        meta.append(f"level: {esc(res.level)}")
    parts = [
        f'<div class="kb-resource" id="resource-{esc(topic.id)}-{esc(res.id)}">',
        f'<p class="kb-resource__title">{heading}{status}</p>',
    ]
    if meta:
        parts.append(f'<p class="kb-resource__meta">{" · ".join(meta)}</p>')
    if res.why:
        parts.append(f'<div class="kb-resource__why"><p class="kb-label">Why this pick</p>{render_markdown(res.why)}</div>')
    if res.note:
        parts.append(f'<div class="kb-resource__note"><p class="kb-label">Note</p>{render_markdown(res.note)}</div>')
    if res.digest:
        parts.append(f"<p>Digest: {ctx.card_link(src, 'digest', res.digest)}</p>")
    parts.append("</div>")
    return "".join(parts)


def _claim_item(ctx: SiteContext, src: str, claim: ClaimView, *, show_card: bool = False) -> str:
    tip = _evidence_tip(claim)
    meta = []
    if claim.origin == "marker":
        meta.append("marked [NOT VERIFIED] in the text")
    if claim.source:
        meta.append(f"source: {esc(claim.source)}")
    if claim.check:
        meta.append(f"check: <code>{esc(claim.check)}</code>")
    if show_card:
        kind_title = ctx.kb.by_kind(claim.card_kind).get(claim.card_id)
        label = kind_title.model.title if kind_title else claim.card_id
        meta.append(ctx.card_link(src, claim.card_kind, claim.card_id, label, anchor=claim.anchor))
    meta.append(f"<code>{esc(claim.path)}:{claim.line}</code>")
    return (
        f'<li class="kb-claim" id="{esc(claim.anchor)}" data-status="{esc(claim.status)}">'
        f"{status_badge(claim.status, title=tip)} "
        f'<span class="kb-claim__text">{render_inline(claim.text)}</span>'
        f'<br><span class="kb-claim__meta">{" · ".join(meta)}</span>'
        f"{_evidence_details(claim)}</li>"
    )


def _evidence_tip(claim: ClaimView) -> str:
    label = f"{STATUS_LABELS.get(claim.status, claim.status)}"
    ev = claim.evidence or {}
    bits = [label]
    for key in ("method", "measured", "date", "by"):
        if ev.get(key):
            bits.append(f"{key}: {ev[key]}")
    if not ev:
        bits.append("from the last check report" if claim.checked else "as the card states it; no evidence recorded")
    return "; ".join(str(b) for b in bits)


def _evidence_details(claim: ClaimView) -> str:
    ev = claim.evidence or {}
    rows = []
    for key, value in ev.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append(f"<dt>{esc(key)}</dt><dd>{esc(value)}</dd>")
    origin = "the last check report" if claim.checked else "the card (not machine-checked)"
    rows.append(f"<dt>status from</dt><dd>{origin}</dd>")
    return f'<details class="kb-evidence"><summary>Evidence</summary><dl>{"".join(rows)}</dl></details>'


# --------------------------------------------------------------------------- pages


def home_page(ctx: SiteContext) -> str:
    kb, src = ctx.kb, HOME
    counts = _counts(ctx.claims)
    # no title in the front matter: the theme then titles the home page with the site name alone
    out = [f"# {md_escape(ctx.site_name)}\n"]
    out.append(block(
        "<p>Curated resources for each topic (why each was picked, and its level), how each course uses "
        "them, and digests of the papers and reference docs behind them. Every claim is shown with its "
        "verification status.</p>"
    ))
    rows = [
        ("Courses", len(kb.courses)),
        ("Topics", len(kb.topics)),
        ("Digests", len(kb.digests)),
        ("Claims", len(ctx.claims)),
    ]
    out.append("## What the knowledge base holds\n")
    out.append(block(
        '<table><thead><tr><th scope="col">Cards</th><th scope="col">Count</th></tr></thead><tbody>'
        + "".join(f"<tr><td>{esc(k)}</td><td>{v}</td></tr>" for k, v in rows)
        + "</tbody></table>"
    ))
    out.append("## Claims by status\n")
    out.append(block(
        _status_summary(counts, link_from=src, ctx=ctx)
        + f'<p>All claims are in the <a href="{esc(ctx.href(src, LEDGER))}">claims ledger</a>.</p>'
        + _report_note(ctx)
    ))
    out.append("## Where to start\n")
    if kb.courses:
        items = []
        for cid, card in sorted(kb.courses.items(), key=lambda kv: kv[1].model.title.lower()):
            topics = [t for t in course_topics(ctx.graph, cid) if t in kb.topics]
            order = learning_order(ctx.graph, topics)
            first = f" Starts with {ctx.card_link(src, 'topic', order[0])}." if order else ""
            audience = f" For: {esc(card.model.audience)}" if card.model.audience else ""
            items.append(
                f"<li>{ctx.card_link(src, 'course', cid)}: {len(topics)} topic{'s' if len(topics) != 1 else ''}."
                f"{first}{audience}</li>"
            )
        out.append(block("<p>Instructors and learners: pick a course. Each course page lists its topics in "
                         "an order that respects prerequisites.</p><ul>" + "".join(items) + "</ul>"))
    else:
        out.append(block("<p>No courses yet.</p>"))
    if kb.topics:
        items = []
        for tid, card in sorted(kb.topics.items(), key=lambda kv: kv[1].model.title.lower()):
            used = courses_of_topic(ctx.graph, tid)
            level = f" ({esc(card.model.level)})" if card.model.level else ""
            items.append(f"<li>{ctx.card_link(src, 'topic', tid)}{level}: used by {len(used)} "
                         f"course{'s' if len(used) != 1 else ''}</li>")
        out.append(block("<p>Topics:</p><ul>" + "".join(items) + "</ul>"))
    out.append(block(
        f'<p>Authors: read the <a href="{esc(ctx.href(src, AUTHORING))}">authoring guide</a> and the '
        f'<a href="{esc(ctx.href(src, RULES_INDEX))}">rule catalogue</a>.</p>'
    ))
    return "".join(out)


def _module_of(course: Any, tid: str) -> str | None:
    for module in course.modules:
        if tid in module.topics:
            return module.title
    return None


def course_page(ctx: SiteContext, cid: str) -> str:
    kb, g = ctx.kb, ctx.graph
    card = kb.courses[cid]
    course = card.model
    src = card_page("course", cid)
    listed = course_topics(g, cid)
    with_cards = [t for t in listed if t in kb.topics]
    order = learning_order(g, with_cards)
    out = [front_matter(course.title), f"# {md_escape(course.title)}\n"]
    intro = []
    if course.audience:
        intro.append(f'<p><strong>Audience:</strong> {render_inline(course.audience)}</p>')
    if course.summary:
        intro.append(render_markdown(course.summary))
    intro.append(f"<p>{len(with_cards)} topic{'s' if len(with_cards) != 1 else ''}, in an order that puts every "
                 "prerequisite first.</p>")
    if order != with_cards:
        intro.append("<p>The modules list them in a different order; this page moves prerequisites first.</p>")
    out.append(block("".join(intro)))
    out.append(_findings(ctx, src, card))

    for number, tid in enumerate(order, start=1):
        tcard = kb.topics[tid]
        topic = tcard.model
        out.append(f"## {number}. {md_escape(topic.title)}\n")
        meta = [f"Topic page: {ctx.card_link(src, 'topic', tid)}"]
        module = _module_of(course, tid)
        if module:
            meta.append(f"module: {esc(module)}")
        if topic.level:
            meta.append(f"level: {esc(topic.level)}")
        if topic.prerequisites:
            meta.append("needs first: " + ", ".join(ctx.card_link(src, "topic", p) for p in topic.prerequisites))
        parts = [f'<div class="kb-course-topic" data-topic="{esc(tid)}">',
                 f'<p class="kb-resource__meta">{" · ".join(meta)}</p>']
        use = topic.courses.get(cid)
        if use is not None:
            parts.append(f'<div class="kb-emphasis"><p class="kb-label">Emphasis in this course</p>'
                         f"{render_markdown(use.emphasis)}</div>")
        else:
            parts.append('<p class="kb-emphasis kb-emphasis--missing">The topic card says nothing about how this '
                         "course uses it.</p>")
        picked = [r for rid in (use.resources if use else []) for r in topic.resources if r.id == rid]
        if picked:
            parts.append('<p class="kb-label">Resources picked for this course</p>')
            parts.extend(_resource_html(ctx, src, tcard, r, show_role=True) for r in picked)
        else:
            parts.append(f"<p>No resources are picked for this course yet; the "
                         f"{ctx.card_link(src, 'topic', tid, 'topic page')} lists them all.</p>")
        parts.append("</div>")
        out.append(block("".join(parts)))

    out.append("## Coverage gaps\n")
    out.append(block(_course_gaps(ctx, src, cid, listed, order)))
    out.append("## Concept map\n")
    out.append(block(_course_map(ctx, cid, order)))
    return "".join(out)


def _course_gaps(ctx: SiteContext, src: str, cid: str, listed: list[str], order: list[str]) -> str:
    kb = ctx.kb
    items: list[str] = []
    in_course = set(listed)
    for tid in listed:
        if tid not in kb.topics:
            items.append(f"<li><code>{esc(tid)}</code> is in the course but has no topic card.</li>")
    for tid in order:
        topic = kb.topics[tid].model
        name = ctx.card_link(src, "topic", tid)
        outside = [p for p in topic.prerequisites if p not in in_course]
        if outside:
            items.append(f"<li>{name} needs " + ", ".join(ctx.card_link(src, "topic", p) for p in outside)
                         + ", which this course does not teach.</li>")
        missing_cards = [c for c in topic.coverage.needs_cards if c not in kb.topics]
        if missing_cards:
            items.append(f"<li>{name}: the coverage notes ask for a card on "
                         + ", ".join(f"<code>{esc(c)}</code>" for c in missing_cards) + ".</li>")
        roles = {r.role for r in topic.resources}
        lacking = [ROLE_LABELS[r].lower() for r in CORE_ROLES if r not in roles]
        if lacking:
            items.append(f"<li>{name} has no {', '.join(lacking)} resource.</li>")
        unlinked = [r.title for r in topic.resources if not r.url and r.role in CORE_ROLES]
        if unlinked:
            items.append(f"<li>{name}: no link for " + ", ".join(f"“{esc(t)}”" for t in unlinked) + ".</li>")
        use = topic.courses.get(cid)
        if use is None or not use.resources:
            items.append(f"<li>{name} has no resources picked for this course.</li>")
        for label, text in (("Weak", topic.coverage.weak), ("Gap", topic.coverage.gaps)):
            if text:
                items.append(f'<li>{name}, {label.lower()}: <div class="kb-inline-block">{render_markdown(text)}</div></li>')
    if not items:
        return "<p>No gaps recorded.</p>"
    return "<ul>" + "".join(items) + "</ul>"


def _plain(text: str) -> str:
    return re.sub(r"[^\w .,:()'/+-]", "", " ".join(str(text).split()))[:120]


def course_mermaid(ctx: SiteContext, cid: str, order: list[str]) -> str:
    """The Mermaid source of a course's map: its topics, their prerequisites and the concepts they mention."""
    course = ctx.kb.courses[cid].model
    return to_mermaid(
        ctx.graph,
        cid,
        order=order,
        numbered=True,
        title=f"Concept map of {_plain(course.title)}",
        description="Topics of the course in learning order; an arrow goes from a prerequisite to the "
        "topic that needs it; dashed boxes are outside the course or have no card yet",
    )


def _course_map(ctx: SiteContext, cid: str, order: list[str]) -> str:
    if not order:
        return "<p>No topics to map yet.</p>"
    g = ctx.graph
    text = []
    for tid in order:
        pres = [g.nodes[v]["title"] for _, v, k in g.out_edges(node("topic", tid), keys=True) if k == PREREQUISITE]
        mentions = [g.nodes[v]["id"] for _, v, k in g.out_edges(node("topic", tid), keys=True) if k == MENTIONS]
        line = esc(ctx.kb.topics[tid].model.title)
        line += ": needs " + ", ".join(esc(p) for p in pres) if pres else ": no prerequisites"
        if mentions:
            line += "; mentions " + ", ".join(esc(m) for m in mentions)
        text.append(f"<li>{line}</li>")
    return (
        '<figure class="kb-map">'
        f'<pre class="mermaid"><code>{esc(course_mermaid(ctx, cid, order))}</code></pre>'
        "<figcaption>Topics of this course in learning order. An arrow goes from a prerequisite to the topic "
        "that needs it; dashed boxes are outside the course or have no card yet.</figcaption></figure>"
        f'<details class="kb-map-text"><summary>The map as text</summary><ul>{"".join(text)}</ul></details>'
    )


def topic_page(ctx: SiteContext, tid: str) -> str:
    kb, g = ctx.kb, ctx.graph
    card = kb.topics[tid]
    topic = card.model
    src = card_page("topic", tid)
    used_by = courses_of_topic(g, tid)
    out = [front_matter(topic.title, tags=used_by), f"# {md_escape(topic.title)}\n"]
    intro = []
    meta = []
    if topic.aliases:
        meta.append("also called " + ", ".join(esc(a) for a in topic.aliases))
    if topic.level:
        meta.append(f"level: {esc(topic.level)}")
    if meta:
        intro.append(f'<p class="kb-resource__meta">{" · ".join(meta)}</p>')
    if topic.summary:
        intro.append(render_markdown(topic.summary))
    if intro:
        out.append(block("".join(intro)))
    out.append(_findings(ctx, src, card))

    out.append("## Courses\n")
    if used_by:
        items = []
        for cid in used_by:
            use = topic.courses.get(cid)
            emphasis = render_markdown(use.emphasis) if use else "<p>The card says nothing about this course's emphasis.</p>"
            items.append(f'<li>{ctx.card_link(src, "course", cid)}<div class="kb-emphasis">{emphasis}</div></li>')
        out.append(block(f"<p>Used by {len(used_by)} course{'s' if len(used_by) != 1 else ''}.</p><ul>"
                         + "".join(items) + "</ul>"))
    else:
        out.append(block("<p>No course lists this topic yet.</p>"))

    out.append("## Prerequisites and related topics\n")
    rel = []
    rel.append("<p>Needs first: " + (", ".join(ctx.card_link(src, "topic", p) for p in topic.prerequisites) or "nothing")
               + ".</p>")
    needed_by = sorted(g.nodes[u]["id"] for u, _, k in g.in_edges(node("topic", tid), keys=True) if k == PREREQUISITE)
    if needed_by:
        rel.append("<p>Needed by: " + ", ".join(ctx.card_link(src, "topic", t) for t in needed_by) + ".</p>")
    if topic.related:
        rel.append("<p>Related: " + ", ".join(ctx.card_link(src, "topic", r) for r in topic.related) + ".</p>")
    out.append(block("".join(rel)))

    out.append("## Resources\n")
    if not topic.resources:
        out.append(block("<p>No resources yet.</p>"))
    for role in Role:
        picks = [r for r in topic.resources if r.role == role]
        if not picks:
            continue
        out.append(f"### {ROLE_LABELS[role]}\n")
        out.append(block("".join(_resource_html(ctx, src, card, r) for r in picks)))

    cov = topic.coverage
    if cov.strong or cov.weak or cov.gaps or cov.needs_cards:
        out.append("## Coverage\n")
        parts = []
        for label, text in (("Strong", cov.strong), ("Weak", cov.weak), ("Gaps", cov.gaps)):
            if text:
                parts.append(f'<div class="kb-coverage kb-coverage--{label.lower()}"><p class="kb-label">{label}</p>'
                             f"{render_markdown(text)}</div>")
        if cov.needs_cards:
            parts.append("<p>Concepts that need a card of their own: "
                         + ", ".join(ctx.card_link(src, "topic", c) for c in cov.needs_cards) + ".</p>")
        out.append(block("".join(parts)))

    out.append("## Digests\n")
    if topic.digests:
        items = []
        for did in topic.digests:
            dcard = kb.digests.get(did)
            counts = _counts(ctx.claims_of("digest", did))
            summary = ""
            if dcard is not None:
                kind = dcard.model.kind.value.replace("-", " ")
                summary = f" <small>({esc(kind)}; {sum(counts.values())} claims)</small>"
            items.append(f"<li>{ctx.card_link(src, 'digest', did)}{summary}</li>")
        out.append(block("<ul>" + "".join(items) + "</ul>"))
    else:
        out.append(block("<p>No digests yet.</p>"))

    claims = ctx.claims_of("topic", tid)
    if claims:
        out.append("## Claims\n")
        out.append(block(_status_summary(_counts(claims)) + '<ul class="kb-claims">'
                         + "".join(_claim_item(ctx, src, c) for c in claims) + "</ul>"))
    return "".join(out)


def digest_page(ctx: SiteContext, did: str) -> str:
    kb, g = ctx.kb, ctx.graph
    card = kb.digests[did]
    d = card.model
    src = card_page("digest", did)
    out = [front_matter(d.title), f"# {md_escape(d.title)}\n"]
    meta = [esc(d.kind.value.replace("-", " "))]
    if d.authors:
        meta.append(esc(", ".join(d.authors)))
    if d.year:
        meta.append(esc(d.year))
    intro = [f'<p class="kb-resource__meta">{" · ".join(meta)}</p>']
    links = []
    if d.url:
        link = ctx.report.link(d.url)
        badge = link_badge(link.outcome, title=_link_tip(link, d.url)) if link else link_badge("unchecked")
        links.append(external_link(d.url, "Source") + " " + badge)
    else:
        links.append('<span class="kb-missing">No source link</span>')
    if d.identifiers.arxiv:
        links.append(external_link(f"https://arxiv.org/abs/{d.identifiers.arxiv}", f"arXiv:{esc(d.identifiers.arxiv)}"))
    if d.identifiers.doi:
        links.append(external_link(f"https://doi.org/{d.identifiers.doi}", f"doi:{esc(d.identifiers.doi)}"))
    intro.append("<p>" + " · ".join(links) + "</p>")
    topics = topics_using_digest(g, did)
    intro.append("<p>Used by: " + (", ".join(ctx.card_link(src, "topic", t) for t in topics) or "no topic yet") + ".</p>")
    if d.focus:
        intro.append(f'<div class="kb-focus"><p class="kb-label">Focus</p>{render_markdown(d.focus)}</div>')
    out.append(block("".join(intro)))
    out.append(_findings(ctx, src, card))

    out.append("## Key content\n")
    out.append(block(render_markdown(d.key_points) or "<p>This digest has no key content yet.</p>"))

    claims = ctx.claims_of("digest", did)
    out.append("## Claims\n")
    if claims:
        out.append(block(
            _status_summary(_counts(claims))
            + "<p>Hover over a badge for how its status was established, or open “Evidence”.</p>"
            + '<ul class="kb-claims">' + "".join(_claim_item(ctx, src, c) for c in claims) + "</ul>"
        ))
    else:
        out.append(block("<p>No claims recorded for this digest.</p>"))
    return "".join(out)


def claims_page(ctx: SiteContext) -> str:
    src = LEDGER
    out = [front_matter("Claims ledger"), "# Claims ledger\n"]
    out.append(block(
        "<p>Every claim in the knowledge base: entries under <code>claims:</code> in the cards, and every "
        "<code>[NOT VERIFIED]</code> marker in their prose. Use the buttons to show one status.</p>"
        + _status_summary(_counts(ctx.claims))
        + _report_note(ctx)
    ))
    rows = []
    for c in sorted(ctx.claims, key=lambda c: (CLAIM_STATUSES.index(c.status) if c.status in CLAIM_STATUSES else 9, c.path, c.line)):
        owner = ctx.kb.by_kind(c.card_kind).get(c.card_id)
        label = owner.model.title if owner else c.card_id
        rows.append(
            f'<tr data-status="{esc(c.status)}" id="{esc(c.card_id)}-{esc(c.anchor)}">'
            f"<td>{status_badge(c.status, title=_evidence_tip(c))}</td>"
            f'<td>{render_inline(c.text)}{_evidence_details(c)}</td>'
            f"<td>{ctx.card_link(src, c.card_kind, c.card_id, label, anchor=c.anchor)}</td>"
            f"<td><code>{esc(c.path)}:{c.line}:{c.col}</code></td>"
            f"<td>{'<code>' + esc(c.check) + '</code>' if c.check else '–'}</td></tr>"
        )
    out.append(block(
        '<div class="kb-ledger" data-kb-filter="status">'
        '<div class="kb-filter-slot"></div>'
        "<table><thead><tr>"
        '<th scope="col">Status</th><th scope="col">Claim</th><th scope="col">Card</th>'
        '<th scope="col">Where</th><th scope="col">Check</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        + ("" if rows else "<p>No claims yet.</p>")
        + "</div>"
    ))
    return "".join(out)


def tags_page() -> str:
    return (
        front_matter("Topics by course")
        + "# Topics by course\n\n"
        + "Each topic page is tagged with the courses that use it (worked out from the courses' modules).\n\n"
        + "<!-- material/tags -->\n"
    )


def rules_index_page() -> str:
    from validators.registry import all_rules

    lines = [front_matter("Rule catalogue"), "# Rule catalogue\n",
             "Every problem `kb lint` and `kb check` report has a rule code. Codes are grouped in bands "
             "(KB1xx schema, KB2xx references, KB3xx curriculum, KB4xx claims, KB5xx links, KB6xx facts) "
             "and are never reused. `kb rule CODE` prints the same page in a terminal.\n",
             "| code | name | default severity | needs | what it reports |",
             "|---|---|---|---|---|"]
    for code, rule in all_rules().items():
        summary = rule.summary().replace("|", "\\|")
        lines.append(f"| [{code}]({code}.md) | `{rule.name}` | {rule.severity.value} | {rule.needs} | {summary} |")
    return "\n".join(lines) + "\n"


def rule_doc_page(code: str) -> str:
    from validators.registry import all_rules, render_doc

    rule = all_rules()[code]
    return front_matter(f"{code} {rule.name}") + render_doc(rule)


def generate_pages(ctx: SiteContext, *, rules: bool = True) -> dict[str, str]:
    """Every generated page: source path (as if under docs_dir) -> Markdown."""
    pages: dict[str, str] = {HOME: home_page(ctx), LEDGER: claims_page(ctx), TAGS: tags_page()}
    for cid in sorted(ctx.kb.courses):
        pages[card_page("course", cid)] = course_page(ctx, cid)
    for tid in sorted(ctx.kb.topics):
        pages[card_page("topic", tid)] = topic_page(ctx, tid)
    for did in sorted(ctx.kb.digests):
        pages[card_page("digest", did)] = digest_page(ctx, did)
    if rules:
        from validators.registry import all_rules

        pages[RULES_INDEX] = rules_index_page()
        for code in all_rules():
            pages[rule_page(code)] = rule_doc_page(code)
    return pages


def navigation(ctx: SiteContext, pages: dict[str, str], extra_pages: Iterable[str] = ()) -> list[Any]:
    """An mkdocs ``nav`` for the generated pages plus hand-written ones."""

    def titled(kind: str, table: dict[str, Card[Any]]) -> list[str]:
        return [card_page(kind, i) for i, _ in sorted(table.items(), key=lambda kv: kv[1].model.title.lower())]

    nav: list[Any] = [{"Home": HOME}]
    for label, kind, table in (("Courses", "course", ctx.kb.courses), ("Topics", "topic", ctx.kb.topics),
                               ("Digests", "digest", ctx.kb.digests)):
        if table:
            nav.append({label: titled(kind, table)})
    nav.append(LEDGER)
    nav.append(TAGS)
    if RULES_INDEX in pages:
        nav.append({"Rules": [RULES_INDEX] + sorted(p for p in pages if p.startswith("rules/") and p != RULES_INDEX)})
    nav.extend(sorted(extra_pages))
    return nav
