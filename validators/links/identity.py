"""Identity: is the work found at a URL the one the card names?

Pure functions.  :func:`title_similarity` compares two titles on their
content words, tolerant of case, punctuation, accents, ``&``/``and``,
plurals, small spelling variants and subtitles (``"ResNet: Deep Residual
Learning"`` and ``"Deep Residual Learning"`` match), and of site names glued
to page titles (``"Conv Nets - colah's blog"``).  :func:`judge` turns the
title score, author overlap and year into a verdict.

Sources differ in how far they can be trusted to *refute* a claim:

* strong (arXiv API, Crossref/DataCite, ``citation_title``): the work's own
  title; a low score refutes;
* medium (YouTube oEmbed, ``og:title``): a title an uploader or site chose;
  only a very low score refutes;
* weak (``<title>``): page furniture; refutes only when nothing at all is
  shared and the title is more than a site name (three words or more);
* none (GitHub descriptions): never refutes.

Authors and year can stop a refutation (a digest whose title describes the
paper rather than quoting it, by the same authors in the same year) but never
confirm on their own.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from validators.links.model import Expectation, IdentityCheck, Verdict

MATCH_AT = 0.85
REFUTE_BELOW = {"strong": 0.5, "medium": 0.35, "weak": 0.12, "none": -1.0}
#: how far each resolver's title can be trusted to refute a card
RESOLVER_STRENGTH = {"arxiv": "strong", "doi": "strong", "youtube": "medium", "github": "none"}

_STOP = {
    "a", "an", "the", "of", "for", "and", "in", "on", "with", "to", "by", "via", "from", "at", "is", "are", "as",
    "its", "into", "using", "toward", "towards", "we", "our", "how", "what", "why",
}
_SPLIT = re.compile(r"\s*(?:[:|–—]|\s-\s|\s·\s|\s/\s)\s*")
_PAREN = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[’'`]", "", text)  # "Olah's" -> "olahs", not "olah s"
    text = re.sub(r"[^\w]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_tokens(text: str) -> list[str]:
    return [_stem(w) for w in normalize(text).split() if w not in _STOP]


def _same_token(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) >= 6 and len(b) >= 6:
        return SequenceMatcher(None, a, b).ratio() >= 0.85
    return False


def _dice(a: list[str], b: list[str]) -> float:
    if not a or not b:
        return 0.0
    unused = list(b)
    common = 0
    for tok in a:
        for j, other in enumerate(unused):
            if _same_token(tok, other):
                common += 1
                del unused[j]
                break
    return 2.0 * common / (len(a) + len(b))


def _variants(title: str) -> list[str]:
    """The title, without parentheticals, and each side of a subtitle or site-name separator."""
    out = [title]
    bare = _PAREN.sub(" ", title).strip()
    if bare and bare != title:
        out.append(bare)
    for t in list(out):
        parts = [p for p in _SPLIT.split(t) if p.strip()]
        if len(parts) > 1:
            out.extend(parts)
            # "Title: Subtitle - Site": also the title with its subtitle, without the site
            out.append(" ".join(parts[:-1]))
    seen: list[str] = []
    for v in out:
        if v not in seen and content_tokens(v):
            seen.append(v)
    return seen


def title_similarity(expected: str, found: str) -> float:
    """0..1: how likely two titles name the same work."""
    best = 0.0
    full = len(content_tokens(expected))
    for e in _variants(expected):
        te = content_tokens(e)
        # A part of the card's title stands for it only if it is most of it:
        # "Lecture 5" alone must not match every other "Lecture 5".
        if not te or (e != expected and 2 * len(te) < full):
            continue
        for f in _variants(found):
            tf = content_tokens(f)
            if not tf:
                continue
            if len(te) >= 2 and normalize(e) == normalize(f):
                return 1.0
            score = _dice(te, tf)
            # One title wholly inside the other ("Deep Residual Learning" in
            # "Deep Residual Learning for Image Recognition") is a subtitle or
            # a shortened title: strong evidence, provided it is not one word.
            small, large = (te, tf) if len(te) <= len(tf) else (tf, te)
            if len(small) >= 2 and _contained(small, large):
                score = max(score, 0.9 if len(small) >= 3 or len(small) * 2 >= len(large) else 0.8)
            best = max(best, score)
    return round(best, 3)


def _contained(small: list[str], large: list[str]) -> bool:
    pool = list(large)
    for tok in small:
        for j, other in enumerate(pool):
            if _same_token(tok, other):
                del pool[j]
                break
        else:
            return False
    return True


def _surname(name: str) -> str:
    name = name.strip()
    if "," in name:  # "Krizhevsky, Alex"
        name = name.split(",", 1)[0]
    else:
        name = name.split()[-1] if name.split() else name
    return normalize(name)


def author_overlap(expected: tuple[str, ...], found: tuple[str, ...]) -> float | None:
    """Share of the card's authors whose surname appears among the found authors (None: cannot tell)."""
    exp = [s for s in (_surname(a) for a in expected if a and a.strip().lower() not in ("et al", "et al.")) if s]
    got = {s for s in (_surname(a) for a in found if a) if s}
    if not exp or not got:
        return None
    return sum(1 for s in exp if s in got) / len(exp)


def judge(expected: Expectation, found_title: str | None, found_by: str, strength: str,
          found_authors: tuple[str, ...] = (), found_year: int | None = None) -> IdentityCheck:
    """The verdict for one expectation against one source's description of the page."""
    if not found_title or len(content_tokens(found_title)) == 0:
        return IdentityCheck(expected, found_title, found_by, 0.0, Verdict.inconclusive, "no title to compare",
                             found_authors, found_year)
    score = title_similarity(expected.title, found_title)
    authors = author_overlap(expected.authors, found_authors)
    year_ok = None if expected.year is None or found_year is None else abs(expected.year - found_year) <= 1
    detail = f"title similarity {score:.2f}"
    if authors is not None:
        detail += f", author overlap {authors:.0%}"
    if year_ok is not None:
        detail += f", year {found_year} vs {expected.year}"
    lenient = expected.source == "digest"
    if score >= MATCH_AT:
        verdict = Verdict.inconclusive if authors == 0.0 and not lenient else Verdict.match
    else:
        limit = REFUTE_BELOW.get(strength, -1.0)
        if lenient:
            # digest titles describe rather than quote: refute only with nothing shared
            limit = min(limit, 0.01)
        refuted = score < limit
        if strength == "weak" and len(content_tokens(found_title)) < 3:
            refuted = False  # "Home", "NeurIPS Proceedings": a site's name, not a work's title
        if strength == "strong" and not lenient and score < 0.65 and authors is not None and authors < 0.5 \
                and year_ok is False:
            refuted = True  # a near title by other authors in another year is another work
        if refuted and authors is not None and authors >= 0.5 and year_ok is not False:
            refuted = False  # same authors, same time: a described title, not a different work
        verdict = Verdict.mismatch if refuted else Verdict.inconclusive
    return IdentityCheck(expected, found_title, found_by, score, verdict, detail, found_authors, found_year)


def best_of(checks: list[IdentityCheck]) -> IdentityCheck | None:
    """Combine the verdicts of several sources for one page: any match wins, all must refute."""
    if not checks:
        return None
    matches = [c for c in checks if c.verdict is Verdict.match]
    if matches:
        return max(matches, key=lambda c: c.score)
    if all(c.verdict is Verdict.mismatch for c in checks):
        return checks[0]
    return max((c for c in checks if c.verdict is Verdict.inconclusive), key=lambda c: c.score)
