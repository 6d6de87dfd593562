"""The link stage's data: occurrences, targets, results and the report.

Everything here is plain data with no network code, so the KB5xx rules (and
``kb lint``, which imports every rule) can use it without importing httpx.

Vocabulary:

* an **occurrence** is one place a URL is written: card, field path, line
  and column, and what the card says the URL is (an :class:`Expectation`);
* a **target** is one thing to check: a URL without its fragment, shared by
  all its occurrences across the knowledge base, or an identifier such as
  ``arxiv:1404.5997`` taken from a digest's ``identifiers``;
* a **result** is what checking a target found: an :class:`Outcome`, the
  status code, the redirect chain, the page's title and metadata.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple


class Outcome(str, Enum):
    """Three outcomes for a checked link, plus one for links not checked."""

    ok = "ok"
    broken = "broken"  # 404, 410, DNS failure for one host, TLS failure, redirect loop, soft 404
    blocked = "blocked"  # 401, 403, 429, 999, bot challenges, timeouts, 5xx that persist
    unchecked = "unchecked"  # offline, excluded, private address, run time limit


class Verdict(str, Enum):
    """Is the page the work the card names?"""

    match = "match"
    mismatch = "mismatch"
    inconclusive = "inconclusive"


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a card claims a URL (or identifier) is."""

    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    #: who makes the claim, for messages: "resource 'original-paper'", "digest", "claim 'arxiv-mirror'"
    source: str = ""


@dataclass(slots=True)
class Occurrence:
    """One place where a URL or identifier is written in a card."""

    url: str  # as written (trailing punctuation of prose removed)
    card_kind: str
    card_id: str
    rel: str  # card file, relative to the cards root
    path: tuple[Any, ...]  # value path inside the card, e.g. ("resources", 3, "why")
    line: int
    col: int
    end_line: int
    end_col: int
    in_prose: bool = False
    fragment: str | None = None
    expectation: Expectation | None = None
    #: "<card-id>#<claim-id>" when the URL is written in a structured claim
    claim_uid: str | None = None

    @property
    def card(self) -> str:
        return f"{self.card_kind}:{self.card_id}"

    @property
    def field(self) -> str:
        out = ""
        for step in self.path:
            out += f"[{step}]" if isinstance(step, int) else (("." if out else "") + str(step))
        return out


@dataclass(slots=True)
class IdentityCheck:
    """The identity verdict for one expectation against what was found."""

    expected: Expectation
    found_title: str | None
    found_by: str  # "arXiv API", "Crossref", "citation_title", "og:title", "<title>", ...
    score: float
    verdict: Verdict
    detail: str = ""
    found_authors: tuple[str, ...] = ()
    found_year: int | None = None


@dataclass(slots=True)
class LinkResult:
    """What checking one target found, with every place it is written."""

    key: str  # URL without fragment, or "arxiv:<id>" / "doi:<doi>"
    url: str  # what was fetched first
    outcome: Outcome = Outcome.unchecked
    status: int | None = None
    reason: str = ""
    final_url: str | None = None
    #: every hop: (url, status) for each redirect response, in order
    redirects: list[tuple[str, int]] = field(default_factory=list)
    #: where a permanent (301/308) redirect says the link now lives
    moved_to: str | None = None
    title: str | None = None
    #: metadata found by a resolver or in the page head: authors, year, description, archived...
    meta: dict[str, Any] = field(default_factory=dict)
    #: fragment ids found in the page (None: the body was not read for them)
    anchors: set[str] | None = None
    #: True when the body was read to its end or to the size cap (anchors are complete up to it)
    body_complete: bool = False
    checked_at: float = 0.0
    cached: bool = False
    elapsed_s: float = 0.0
    #: requests sent for this target (0 when cached)
    requests: int = 0
    #: which resolver answered, if any: "arxiv", "doi", "youtube", "github"
    resolver: str | None = None
    #: a network-level failure (no DNS answer, no connection): the kind used to tell "offline"
    network_error: str | None = None
    occurrences: list[Occurrence] = field(default_factory=list)
    identity: list[tuple[Occurrence, IdentityCheck]] = field(default_factory=list)
    #: fragments (as written) that the page does not define
    missing_fragments: list[tuple[Occurrence, str]] = field(default_factory=list)


class Identity(NamedTuple):
    """One entry of :attr:`LinkReport.identity`: ``(expected_title, found_title, verdict)``."""

    expected_title: str
    found_title: str | None
    verdict: str  # "match", "mismatch" or "inconclusive"


@dataclass
class Counts:
    checked: int = 0  # targets with a result from the network or the cache
    ok: int = 0
    broken: int = 0
    blocked: int = 0
    unchecked: int = 0
    cached: int = 0
    requests: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


@dataclass
class LinkReport:
    """Everything the link stage found; ``ctx.links`` holds one of these.

    Attributes the rules and other stages read:

    ``results``
        target key -> :class:`LinkResult` (each with all its occurrences).
    ``offline``
        True when no host could be reached at all: links that were not in the
        cache are then ``unchecked`` rather than ``broken``.
    ``identity``
        URL *as written in a card* -> :class:`Identity`
        ``(expected_title, found_title, verdict)`` with verdict ``"match"``,
        ``"mismatch"`` or ``"inconclusive"``, for every URL the card names a
        work for (a resource's ``url``, a digest's ``url``, a mirror URL in a
        resource's prose, a URL in a claim).  Identifier targets appear as
        ``arxiv:<id>`` and ``doi:<doi>``.  Where one URL carries several
        expectations, a mismatch wins over a match, and a match over
        inconclusive.  The claims stage reads this to upgrade a
        ``[NOT VERIFIED]`` marker whose sentence contains a confirmed URL;
        :meth:`identity_in` finds the entries for a piece of text.
    ``evidence``
        claim uid (``"<card-id>#<claim-id>"``) -> evidence dict for structured
        claims the resolvers confirmed or refuted (also written into the
        ``evidence`` dict passed to ``run_links``).  Where a claim names
        several URLs, :func:`prefer_evidence` picks the entry that stands.
    """

    results: dict[str, LinkResult] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    offline: bool = False
    offline_reason: str = ""
    identity: dict[str, Identity] = field(default_factory=dict)
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: set when the run stopped at total_timeout_s
    timed_out: bool = False
    #: things worth one line on stderr that are not about a link (a cache that could not be written)
    notes: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        c = self.counts
        if self.offline:
            fresh = f", {c.cached} answered from the cache" if c.cached else ""
            return (
                f"links: not checked, no network ({self.offline_reason or 'no host could be reached'}); "
                f"{c.unchecked} link(s) reported as unchecked{fresh}"
            )
        parts = [f"{c.checked} checked", f"{c.ok} ok", f"{c.broken} broken", f"{c.blocked} blocked/unknown",
                 f"{c.cached} cached"]
        if c.unchecked:
            parts.append(f"{c.unchecked} unchecked")
        return f"links: {', '.join(parts)} in {c.seconds:.1f} s"

    def by_outcome(self, outcome: Outcome) -> list[LinkResult]:
        return [r for r in self.results.values() if r.outcome is outcome]

    def identity_in(self, text: str) -> dict[str, Identity]:
        """The :attr:`identity` entries for the URLs written in ``text``."""
        out: dict[str, Identity] = {}
        for m in URL_IN_TEXT.finditer(text):
            url = trim_url(m.group(0))
            if url in self.identity:
                out[url] = self.identity[url]
        for m in ARXIV_ID_IN_TEXT.finditer(text):
            key = f"arxiv:{m.group(1)}"
            if key in self.identity:
                out[key] = self.identity[key]
        return out

    def to_report(self) -> dict[str, Any]:
        """The machine report's ``links`` section (same as :meth:`to_dict`)."""
        return self.to_dict()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary for machine reports."""
        return {
            "offline": self.offline,
            "counts": self.counts.to_dict(),
            "summary": self.summary_line(),
            "results": [
                {
                    "url": r.key,
                    "outcome": r.outcome.value,
                    "status": r.status,
                    "reason": r.reason,
                    "final_url": r.final_url,
                    "moved_to": r.moved_to,
                    "redirects": [list(hop) for hop in r.redirects],
                    "title": r.title,
                    "cached": r.cached,
                    "occurrences": [
                        {"card": o.card, "path": o.rel, "field": o.field, "line": o.line, "col": o.col}
                        for o in r.occurrences
                    ],
                }
                for r in self.results.values()
            ],
            "identity": {k: v._asdict() for k, v in self.identity.items()},
        }



def _evidence_rank(entry: dict[str, Any]) -> tuple:
    # disputed first, then the smaller URL; the whole entry last, so equal ranks still order one way
    return (entry.get("status") != "disputed", str(entry.get("url") or ""), json.dumps(entry, sort_keys=True, default=str))


def prefer_evidence(held: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Which of two link evidence entries for one claim stands: a refutation beats a confirmation,
    and between two of a kind the smaller URL wins.

    The choice does not depend on the order the entries come in, so one run (its results in
    whatever order the targets finished) and a merge of shards (in shard order) agree.
    """
    if held is None:
        return new
    return min(held, new, key=_evidence_rank)


# An arXiv identifier written in prose: "arXiv:1404.5997", "arxiv mirror is 1404.5997".
ARXIV_ID_IN_TEXT = re.compile(
    r"(?:arxiv(?:\.org/(?:abs|pdf)/|[:\s]+(?:id\s+|mirror\s+(?:is\s*:?\s*)?)?))(\d{4}\.\d{4,5}(?:v\d+)?)",
    re.IGNORECASE,
)

_TRAILING = ".,;:!?*_~'\""
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}


def trim_url(url: str) -> str:
    """Strip what prose glues to the end of a URL: punctuation, unbalanced closers."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            break
    return url
