"""What a fetched HTML page says about itself: title, citation metadata, anchors.

:class:`PageParser` is fed decoded text incrementally and says when it has
seen enough (the end of ``<head>`` when only the title is wanted, every
wanted fragment when fragments are wanted), so the checker can stop reading.
:func:`soft_404` and :func:`bot_challenge` judge pages that answer 200 but
are not the page, and pages that stand between a robot and the page.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

#: The encodings a web page may declare (the WHATWG Encoding Standard's, plus their
#: plain ASCII and Latin-1 cousins), by the labels Python knows them by.  A
#: ``charset`` is looked up as a codec name, so without this list a server could
#: name any codec Python has: ``bz2`` or ``zlib`` (decompressors: a small body
#: expands without bound), ``punycode`` (quadratic time), ``rot13``.  Every codec
#: here is a plain text decoder: linear in time, and never more characters out
#: than bytes in.
_PAGE_ENCODINGS = (
    "utf-8", "utf-16", "utf-16-le", "utf-16-be", "ascii", "latin-1", "cp866", "koi8-r", "koi8-u",
    "mac-roman", "mac-cyrillic", "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256",
    "cp1257", "cp1258", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-6", "iso8859-7", "iso8859-8",
    "iso8859-9", "iso8859-10", "iso8859-11", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16",
    "gbk", "gb2312", "gb18030", "big5", "big5hkscs", "euc-jp", "iso2022-jp", "shift-jis", "cp932", "euc-kr", "cp949",
)
_TEXT_CODECS = frozenset(codecs.lookup(name).name for name in _PAGE_ENCODINGS)


def text_codec(charset: str | None) -> tuple[str, str | None]:
    """The codec to decode a page with, and a note when its declared ``charset`` was not used.

    Anything that is not a known text encoding (an unknown name, a
    compression or transform codec such as ``bz2``, ``punycode``) is read as
    UTF-8 with replacement characters, never through that codec.
    """
    if not charset:
        return "utf-8", None
    try:
        info = codecs.lookup(charset.strip())
    except (LookupError, ValueError, TypeError):
        return "utf-8", f"unknown charset {charset[:40]!r}; read as UTF-8"
    if info.name not in _TEXT_CODECS or not getattr(info, "_is_text_encoding", True):
        return "utf-8", f"charset {charset[:40]!r} is not a text encoding; read as UTF-8"
    return info.name, None

_META_KEYS = {
    "citation_title": "citation_title",
    "dc.title": "dc_title",
    "og:title": "og_title",
    "twitter:title": "twitter_title",
    "citation_author": "citation_author",
    "dc.creator": "citation_author",
    "citation_publication_date": "citation_date",
    "citation_date": "citation_date",
    "citation_online_date": "citation_date",
    "citation_year": "citation_date",
    "og:site_name": "site_name",
    "description": "description",
}


class PageParser(HTMLParser):
    """Collects the head metadata and (optionally) element ids of an HTML page."""

    def __init__(self, want_anchors: set[str] | None = None):
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.h1: str | None = None
        self.meta: dict[str, list[str]] = {}
        self.anchors: set[str] = set()
        self.want = set(want_anchors or ())
        self.head_done = False
        self._in: str | None = None  # "title" or "h1" while inside one
        self._buf: list[str] = []
        self._svg = 0

    # -- HTMLParser hooks ------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "svg":
            self._svg += 1
        if self.want:
            for name in ("id", "name"):
                if a.get(name):
                    self.anchors.add(a[name])
        if tag == "meta":
            key = (a.get("name") or a.get("property") or "").strip().lower()
            if key in _META_KEYS and a.get("content", "").strip():
                self.meta.setdefault(_META_KEYS[key], []).append(_clean(a["content"]))
        elif tag == "title" and self.title is None and not self._svg:
            self._in, self._buf = "title", []
        elif tag == "h1" and self.h1 is None:
            self._in, self._buf = "h1", []
        elif tag == "body":
            self.head_done = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg:
            self._svg -= 1
        if tag == "head":
            self.head_done = True
        if self._in == tag:
            text = _clean("".join(self._buf))
            if tag == "title":
                self.title = text
            else:
                self.h1 = text
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buf.append(data)

    # -- decisions -------------------------------------------------------
    def enough(self, want_title: bool) -> bool:
        """True when reading further cannot change what the checker needs."""
        if self.want and not self.want <= self.anchors:
            return False
        if want_title:
            # the first <h1> is read too, for soft-404 pages that say so only there
            return self.head_done and (self.h1 is not None or self.title is not None)
        return not self.want or self.want <= self.anchors

    def first(self, key: str) -> str | None:
        values = self.meta.get(key)
        return values[0] if values else None


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_SOFT_404 = re.compile(
    r"(?<![\w.])404(?![\w.])|\bpage not found\b|\bnot found\b|\bno longer (?:available|exists)\b"
    r"|\b(?:does not|doesn't|did not) exist\b|\bcan(?:not|'t) be found\b|\bcould not be found\b"
    r"|\bpage (?:is )?missing\b|\bnothing (?:was )?found\b",
    re.IGNORECASE,
)


def soft_404(title: str | None, h1: str | None) -> str | None:
    """The wording that gives away a 'not found' page served with status 200."""
    for text in (title, h1):
        if text and len(text) < 120 and _SOFT_404.search(text):
            return text
    return None


_CHALLENGE_TITLES = re.compile(
    r"^(just a moment|attention required|access denied|checking your browser|verifying you are human|"
    r"are you a (?:robot|human)|human verification|security check|please wait|ddos-guard|"
    r"one more step|pardon our interruption|request rejected|bot verification)",
    re.IGNORECASE,
)
_CHALLENGE_BODY = re.compile(
    r"cf-chl-|/cdn-cgi/challenge-platform|challenges\.cloudflare\.com|g-recaptcha|h-captcha|hcaptcha\.com"
    r"|_incapsula_resource|perimeterx|px-captcha|datadome|captcha-delivery",
    re.IGNORECASE,
)


def bot_challenge(headers: dict[str, str], title: str | None, body_start: str) -> str | None:
    """Why this response looks like a bot check rather than the page, or None."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return "a Cloudflare challenge"
    if title and _CHALLENGE_TITLES.match(title.strip()):
        return f"a bot check page ('{title.strip()[:60]}')"
    if body_start and _CHALLENGE_BODY.search(body_start):
        return "a bot check (captcha) page"
    return None
