"""Collect: turn occurrences into the set of targets to check.

Pure and offline.  URLs are normalised only in ways that cannot change what
a server returns (scheme and host case, default port, empty path, the
fragment), then deduplicated across the whole knowledge base, so a URL
written in ten cards is fetched once.  ``[tool.kb.links]`` ``include`` and
``exclude`` regexes are applied here.  Each target also learns which identity
resolver answers for it (arXiv, DOI, YouTube, GitHub) and how much of the
page must be read: nothing (HEAD), the ``<head>`` (a title to compare), or
the body (fragments to find).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from kb.config import LinksConfig
from validators.links.model import Occurrence

#: how much of a response a target needs, in increasing order
MODES = ("head", "title", "anchors")

_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
_ARXIV_PATH = re.compile(r"^/(?:abs|pdf|html)/(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)(?:\.pdf)?/?$")
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtu.be"}
_GITHUB_HOSTS = {"github.com", "www.github.com"}
# First path segments of github.com that are site pages, not owners.
_GITHUB_RESERVED = {
    "about", "apps", "collections", "contact", "customer-stories", "enterprise", "events", "explore", "features",
    "issues", "login", "marketplace", "new", "notifications", "orgs", "organizations", "pricing", "pulls",
    "search", "security", "settings", "site", "sponsors", "topics", "trending", "users",
}


@dataclass(slots=True)
class Target:
    """One thing to check, with every place it is written."""

    key: str
    url: str  # what to fetch (http targets) or the canonical page URL (identifier targets)
    host: str  # "host:port", the unit of politeness
    resolver: str | None = None  # "arxiv", "doi", "youtube", "github" or None (plain HTTP)
    resolver_id: str | None = None
    occurrences: list[Occurrence] = field(default_factory=list)
    fragments: set[str] = field(default_factory=set)
    needs_title: bool = False
    #: why the target is not fetched ("excluded by ..."), or None
    skip: str | None = None

    @property
    def mode(self) -> str:
        if self.resolver:
            return f"resolver:{self.resolver}"
        if self.fragments:
            return "anchors"
        return "title" if self.needs_title else "head"


def fetch_key(url: str) -> str:
    """The URL as fetched: fragment dropped, scheme/host lower-cased, default port and empty path filled."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        netloc = f"{host}:{port}"
    if parts.username or parts.password:
        netloc = f"{parts.netloc.rsplit('@', 1)[0]}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = 443 if parts.scheme.lower() == "https" else 80
    return f"{(parts.hostname or '').lower()}:{port or default}"


def classify(url: str) -> tuple[str | None, str | None]:
    """(resolver name, id) for URLs an identity service answers for, else (None, None)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path)
    if host in _ARXIV_HOSTS:
        m = _ARXIV_PATH.match(path)
        if m:
            return "arxiv", m.group(1)
    if host in _DOI_HOSTS:
        doi = path.lstrip("/")
        if _DOI.match(doi):
            return "doi", doi
    if host in _YOUTUBE_HOSTS:
        video = None
        if host.endswith("youtu.be"):
            video = path.strip("/").split("/")[0] or None
        elif path in ("/watch", "/watch/"):
            video = (parse_qs(parts.query).get("v") or [None])[0]
        elif path.startswith(("/shorts/", "/embed/", "/live/")):
            video = path.split("/")[2] or None
        elif path.rstrip("/") == "/playlist" and parse_qs(parts.query).get("list"):
            return "youtube", url
        if video and re.fullmatch(r"[A-Za-z0-9_-]{6,20}", video):
            return "youtube", video
    if host in _GITHUB_HOSTS:
        segs = [s for s in path.split("/") if s]
        if len(segs) == 2 and segs[0].lower() not in _GITHUB_RESERVED:
            repo = segs[1][:-4] if segs[1].endswith(".git") else segs[1]
            return "github", f"{segs[0]}/{repo}"
    return None, None


def collect_targets(occurrences: list[Occurrence], config: LinksConfig) -> list[Target]:
    """Deduplicated targets, in first-seen order, with include/exclude applied."""
    include = [re.compile(p) for p in config.include]
    exclude = [re.compile(p) for p in config.exclude]
    targets: dict[str, Target] = {}
    for occ in occurrences:
        if occ.url.startswith(("arxiv:", "doi:")):
            kind, ident = occ.url.split(":", 1)
            if kind == "arxiv" and not _ARXIV_ID.match(ident):
                continue
            key = occ.url
            page = f"https://arxiv.org/abs/{ident}" if kind == "arxiv" else f"https://doi.org/{ident}"
            target = targets.get(key)
            if target is None:
                target = targets[key] = Target(key=key, url=page, host=host_of(page), resolver=kind, resolver_id=ident)
        else:
            key = fetch_key(occ.url)
            target = targets.get(key)
            if target is None:
                resolver, ident = classify(key)
                target = targets[key] = Target(key=key, url=key, host=host_of(key), resolver=resolver,
                                               resolver_id=ident)
        target.occurrences.append(occ)
        if occ.fragment and config.fragments and not target.resolver and _checkable_fragment(occ.fragment):
            target.fragments.add(occ.fragment)
        if occ.expectation is not None and config.identity:
            target.needs_title = True
    for target in targets.values():
        written = [o.url for o in target.occurrences]
        hits = [p.pattern for p in exclude if any(p.search(u) for u in [target.key, *written])]
        if hits:
            target.skip = f"excluded by pattern {hits[0]!r}"
        elif include and not any(p.search(u) for p in include for u in [target.key, *written]):
            target.skip = "not matched by any [tool.kb.links] include pattern"
    return list(targets.values())


def _checkable_fragment(fragment: str) -> bool:
    """Fragments that name an element; client-side routes and text fragments do not."""
    if fragment.startswith(("/", "!", ":~:")) or "=" in fragment:
        return False  # a client-side route, a text fragment or parameters
    if re.fullmatch(r"L\d+(-L\d+)?", fragment):
        return False  # a code viewer's line anchor, made by script
    return True
