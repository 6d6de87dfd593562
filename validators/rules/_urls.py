"""URL helpers shared by the offline rules (parsing and normalisation)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PREFIXES = ("utm_",)
TRACKING_KEYS = {"fbclid", "gclid", "mc_cid", "mc_eid"}


_SPACE = re.compile(r"\s")

#: URLs met in one run are few compared with the calls (every rule and stage asks about each one),
#: so answers are remembered; the bound keeps a long-lived process from growing without limit
_MEMO = 1 << 16


#: the common case, decided without parsing: http(s), a dotted host name of letters, digits and
#: hyphens, no user, port or brackets, then printable ASCII. Every URL it matches passes all the
#: checks below; anything else takes the full path.
_PLAINLY_FINE = re.compile(r"[hH][tT][tT][pP][sS]?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#][!-~]*)?")


@lru_cache(maxsize=_MEMO)
def url_problem(url: str) -> str | None:
    """Why ``url`` is not a fetchable http(s) URL, or None when it is."""
    if _PLAINLY_FINE.fullmatch(url):
        return None
    return _parsed_url_problem(url)


def _parsed_url_problem(url: str) -> str | None:
    """:func:`url_problem` by parsing the URL, for every URL (the fast path is held to it by a test)."""
    if url != url.strip():
        return "has leading or trailing white space"
    if _SPACE.search(url):
        return "contains white space"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"cannot be parsed ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"scheme {parts.scheme + ':' if parts.scheme else '(none)'} is not http or https"
    if not parts.hostname:
        return "has no host"
    try:
        parts.port
    except ValueError:
        return "has an invalid port"
    if "." not in parts.hostname and parts.hostname != "localhost" and not parts.hostname.startswith("["):
        return f"host {parts.hostname!r} is not a domain name"
    return None


#: the common case of :func:`normalize_url`, canonical without parsing: a URL that
#: _PLAINLY_FINE takes, with no query or fragment. Its canonical form is https://, the host in
#: lower case without "www.", and the path without trailing slashes ("/" when there is none).
_PLAIN_PAGE = re.compile(r"[hH][tT][tT][pP][sS]?://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(/[!-\"$->@-~]*)?")


@lru_cache(maxsize=_MEMO)
def normalize_url(url: str) -> str:
    """A canonical form for comparing URLs: case, default ports, fragments and tracking keys dropped."""
    plain = _PLAIN_PAGE.fullmatch(url)
    if plain is None:
        return _parsed_normalize_url(url)
    host, path = plain.group(1).lower(), plain.group(2) or "/"
    if path != "/" and path.endswith("/"):
        path = path.rstrip("/")
    return "https://" + (host[4:] if host.startswith("www.") else host) + path


def _parsed_normalize_url(url: str) -> str:
    """:func:`normalize_url` by parsing the URL, for every URL (the fast path is held to it by a test)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    if scheme in ("http", "https"):
        scheme = "https"  # the same page is usually served on both
    path = parts.path or "/"
    if path != "/" and path.endswith("/"):
        path = path.rstrip("/")
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k not in TRACKING_KEYS and not k.startswith(TRACKING_PREFIXES)
        )
    )
    if host.startswith("www."):
        netloc = netloc[4:]
    return urlunsplit((scheme, netloc, path, query, ""))
