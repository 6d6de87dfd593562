"""Extract: every URL written in every card, with where it is and what it claims to be.

Pure and offline.  Walks each card's validated data field by field: a field
that holds exactly a URL (``url:``) is one occurrence at that value; any other
string is prose, searched for URLs (bare, in Markdown links ``[t](u)`` and
autolinks ``<u>``), each located to its own line and column inside the
string.  Digest ``identifiers`` (arXiv ids, DOIs) become occurrences too, as
``arxiv:<id>`` and ``doi:<doi>``.

Each occurrence carries an :class:`~validators.links.model.Expectation` where
the card says what the URL is:

* a resource's ``url`` is the resource (its title, authors, year);
* a digest's ``url`` and identifiers are the digest's work;
* a URL in a resource's ``why`` or ``note`` is claimed to be the same work
  when its sentence says so ("the arXiv mirror is ...", "a preprint is at
  ...", "also available at ...").  A URL in such prose without those words
  ("pairs well with his post at ...") names something else and only has its
  link checked;
* a URL or arXiv id in a structured claim names the work the claim quotes
  (a quoted title), else the resource or digest the claim belongs to.
"""

from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import unquote

from kb.store import Card, KnowledgeBase
from validators.links.model import ARXIV_ID_IN_TEXT, Expectation, Occurrence, trim_url

# Bare URLs in prose.  Stops at white space and at characters that never end a
# URL in prose; closing brackets are trimmed afterwards only when unbalanced,
# so Wikipedia-style "..._(disambiguation)" survives.
_URL = re.compile(r"https?://[^\s<>\"'`|\\{}^]+", re.IGNORECASE)

# Words that make a URL in a resource's prose "the same work, elsewhere".
_SAME_WORK = re.compile(
    r"\b(mirror|mirrored|preprint|pre-print|e-?print|arxiv (?:version|copy|link)|also (?:at|on|here|available)"
    r"|available (?:at|on|here|from)|(?:a|another|free|open|official|pdf) (?:copy|version)|copy of (?:it|the paper)"
    r"|same (?:paper|work|article)|full text|open access|hosted (?:at|on))\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n\s*\n")
_QUOTED = re.compile(r"[\"“«]([^\"”»]{6,200})[\"”»]")


def extract_occurrences(kb: KnowledgeBase) -> list[Occurrence]:
    """Every URL and identifier occurrence in the knowledge base, in card order."""
    out: list[Occurrence] = []
    for card in kb.cards():
        out.extend(card_occurrences(card))
    return out


def card_occurrences(card: Card[Any]) -> list[Occurrence]:
    data = card.model.model_dump(mode="python")
    found: list[Occurrence] = []
    for path, value in _strings(data, ()):
        if _is_url_field(path):
            url = value.strip()
            if _URL.fullmatch(url):
                span = card.source.span(*path)
                found.append(_occ(card, url, path, span.line, span.col, span.end_line, span.end_col, False))
            continue
        for m in _URL.finditer(value):
            url = trim_url(m.group(0))
            if not url or len(url) <= len("https://"):
                continue
            span = card.source.text_span(path, m.start(), m.start() + len(url), value)
            occ = _occ(card, url, path, span.line, span.col, span.end_line, span.end_col, True)
            occ.expectation = _prose_expectation(card, path, value, m.start())
            found.append(occ)
        if _is_claim_text(path):
            for m in ARXIV_ID_IN_TEXT.finditer(value):
                if "arxiv.org/" in m.group(0).lower():
                    continue  # already found as a URL
                start = m.start(1)
                span = card.source.text_span(path, start, m.end(1), value)
                found.append(_occ(card, f"arxiv:{m.group(1)}", path, span.line, span.col, span.end_line,
                                  span.end_col, True))
    _attach_field_expectations(card, found)
    _attach_claim_expectations(card, found)
    if card.kind == "digest":
        ident = card.model.identifiers
        for name, value in (("arxiv", ident.arxiv), ("doi", ident.doi)):
            if value:
                span = card.source.span("identifiers", name)
                occ = _occ(card, f"{name}:{value}", ("identifiers", name), span.line, span.col, span.end_line,
                           span.end_col, False)
                occ.expectation = _digest_expectation(card)
                found.append(occ)
    return found


def _occ(card: Card[Any], url: str, path: tuple[Any, ...], line: int, col: int, end_line: int, end_col: int,
         prose: bool) -> Occurrence:
    fragment = None
    if "#" in url and not url.startswith(("arxiv:", "doi:")):
        fragment = unquote(url.split("#", 1)[1]) or None
    claim_uid = None
    if len(path) >= 2 and path[0] == "claims" and isinstance(path[1], int):
        claims = card.model.claims
        if path[1] < len(claims):
            claim_uid = f"{card.id}#{claims[path[1]].id}"
    return Occurrence(url=url, card_kind=card.kind, card_id=card.id, rel=card.rel, path=path, line=line, col=col,
                      end_line=end_line, end_col=end_col, in_prose=prose, fragment=fragment, claim_uid=claim_uid)


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))


def _is_url_field(path: tuple[Any, ...]) -> bool:
    return bool(path) and path[-1] == "url"


def _is_claim_text(path: tuple[Any, ...]) -> bool:
    return len(path) == 3 and path[0] == "claims" and path[2] == "text"


def _resource_expectation(card: Card[Any], index: int, source: str | None = None) -> Expectation:
    res = card.model.resources[index]
    return Expectation(title=res.title, authors=tuple(res.authors), year=res.year,
                       source=source or f"resource '{res.id}'")


def _digest_expectation(card: Card[Any]) -> Expectation:
    d = card.model
    # A digest's title often describes the digest ("ResNet: residual blocks and
    # depth results") rather than quoting the paper, so identity treats it leniently.
    return Expectation(title=d.title, authors=tuple(d.authors), year=d.year, source="digest")


def _attach_field_expectations(card: Card[Any], found: list[Occurrence]) -> None:
    for occ in found:
        if occ.in_prose:
            continue
        p = occ.path
        if card.kind == "topic" and len(p) == 3 and p[0] == "resources" and p[2] == "url":
            occ.expectation = _resource_expectation(card, p[1])
        elif card.kind == "digest" and p == ("url",):
            occ.expectation = _digest_expectation(card)


def _sentence_around(text: str, pos: int) -> str:
    """The sentence of ``text`` containing ``pos``; dots inside URLs do not end sentences."""
    masked = _URL.sub(lambda m: "x" * len(m.group(0)), text)
    start = 0
    for m in _SENTENCE_END.finditer(masked, 0, pos):
        start = m.end()
    m = _SENTENCE_END.search(masked, pos)
    end = m.start() if m else len(text)
    return text[start:end]


def _prose_expectation(card: Card[Any], path: tuple[Any, ...], text: str, pos: int) -> Expectation | None:
    if card.kind != "topic" or len(path) != 3 or path[0] != "resources" or path[2] not in ("why", "note"):
        return None
    if not _SAME_WORK.search(_sentence_around(text, pos)):
        return None
    res = card.model.resources[path[1]]
    return _resource_expectation(card, path[1], f"mirror named in resource '{res.id}'")


def _attach_claim_expectations(card: Card[Any], found: list[Occurrence]) -> None:
    for occ in found:
        if occ.claim_uid is None or occ.path[-1] != "text" or occ.expectation is not None:
            continue
        claim = card.model.claims[occ.path[1]]
        occ.expectation = claim_expectation(card, claim.text, occ.url, claim.id)


def claim_expectation(card: Card[Any], text: str, url: str, claim_id: str) -> Expectation | None:
    """What a claim says a URL (or arXiv id) is, or None when it does not say."""
    source = f"claim '{claim_id}'"
    quoted = _QUOTED.search(text)
    if quoted and len(quoted.group(1).split()) >= 2 and url not in quoted.group(1):
        return Expectation(title=quoted.group(1).strip(), source=source)
    if card.kind == "digest":
        d = _digest_expectation(card)
        return Expectation(d.title, d.authors, d.year, source)
    if card.kind != "topic":
        return None
    resources = card.model.resources
    bare = url.split("#", 1)[0].rstrip("/")
    lowered = text.lower()
    for i, res in enumerate(resources):
        if res.url and res.url.split("#", 1)[0].rstrip("/") == bare:
            return _resource_expectation(card, i, source)
    for i, res in enumerate(resources):
        if len(res.title) >= 8 and res.title.lower() in lowered:
            return _resource_expectation(card, i, source)
    papers = [i for i, r in enumerate(resources) if r.role.value == "original-paper"]
    if len(papers) == 1 and re.search(r"\b(mirror|paper|arxiv|doi|preprint)\b", lowered):
        return _resource_expectation(card, papers[0], source)
    return None
