"""The claims ledger: every claim in the knowledge base, where it is, and how far it is verified.

Two kinds of entry:

* explicit claims, the ``claims:`` list of a topic or digest, uid
  ``<card-id>#<claim-id>``;
* derived claims, one per ``[NOT VERIFIED]`` marker anywhere in a card's
  prose (summary, a resource's why or note, coverage, a course emphasis, a
  digest's focus or key points, a claim's own text...), uid
  ``<card-id>#nv-<n>`` with n counting markers in file order.  Its text is the
  clause the marker follows (or, for a marker opening a sentence, the clause it
  opens).

Status, from weakest to strongest evidence: what the card says, then evidence
gathered in this run (``ctx.evidence``, keyed by uid), then the link
checker's identity verdicts for URLs in a marker's clause, then the fact
runner's result for a claim's check.  A check that holds makes a claim
verified; one that fails makes it failing, unless the card already records
the dispute (``status: disputed`` with evidence), in which case it stays
disputed and readers see both numbers.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Iterator

from kb.schema import NOT_VERIFIED_RE
from kb.store import Card, KnowledgeBase

URL_RE = re.compile(r"https?://[^\s<>\"'\])]+")

CONFIRMED = {"confirmed", "match", "matched", "matches", "ok", "verified", "same", "identical"}
REFUTED = {"refuted", "mismatch", "mismatched", "different", "wrong", "disputed", "other"}


@dataclass
class LedgerEntry:
    """One claim as the ledger, the rules and the site see it."""

    uid: str
    card: str  # "digest:resnet"
    card_kind: str
    card_id: str
    claim_id: str  # "resnet50-macs", or "nv-1" for a marker
    origin: str  # "claim" (a claims: entry) or "marker" (a [NOT VERIFIED] in prose)
    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    field: str  # where in the card: "claims[3]", "resources[2].why"
    text: str
    status: str  # verified / not-verified / disputed / failing
    stated_status: str  # what the card itself says
    check: str | None = None  # the check kind, if any
    source: str | None = None
    evidence: dict[str, Any] | None = None
    facts: dict[str, Any] | None = None  # the fact runner's result for this claim

    @property
    def claim_index(self) -> int | None:
        """Index into the card's ``claims:`` list, for explicit claims."""
        if self.origin != "claim":
            return None
        return int(self.field.split("[", 1)[1].split("]", 1)[0])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- markers


def _field_name(path: tuple[Any, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (("." if out else "") + str(step))
    return out


#: fields that hold data, not prose: never scanned for markers
_SKIP_KEYS = {"check", "evidence", "id", "url", "identifiers", "kind", "role", "level", "status", "digest", "digests",
              "prerequisites", "related", "needs_cards", "stated_counts", "resources", "topics"}


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            # "resources" and "topics" are lists of ids under a course use or a module; a topic's
            # resources list holds prose and is a list of dicts, which the walk still enters
            if k in _SKIP_KEYS and not (isinstance(v, list) and v and isinstance(v[0], dict)):
                continue
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))


def marker_clause(text: str, start: int, end: int) -> str:
    """The clause a ``[NOT VERIFIED]`` marker at [start, end) qualifies."""
    head = text[:start]
    cut = max(head.rfind("\n"), head.rfind("; "))
    for m in re.finditer(r"[.!?][\"”’)]?\s+(?=[A-Z“\"\[])", head):
        cut = max(cut, m.end() - 1)
    clause = head[cut + 1:].strip()
    clause = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", clause).strip(" :;,—-")
    if clause:
        return clause
    # the marker opens its sentence: it qualifies what follows
    tail = text[end:]
    stop = len(tail)
    m = re.search(r"[.!?](?:\s|$)|\n|; ", tail)
    if m:
        stop = m.start() + (1 if tail[m.start()] in ".!?" else 0)
    return tail[:stop].strip(" :;,—-") or "(unspecified)"


@dataclass
class Marker:
    card: Card[Any]
    path: tuple[Any, ...]
    start: int
    end: int
    text: str  # the whole string
    clause: str


#: what a marker looks like in the source: its opening bracket lets the search skip from one "[" to the next
_MAYBE_MARKER = re.compile(r"\[\s*not\s+verified", re.IGNORECASE)


def markers(card: Card[Any]) -> list[Marker]:
    """Every [NOT VERIFIED] marker of ``card``, in file order.

    Markers in the text of a claim that is itself not-verified are left out:
    that claim is the ledger entry already.
    """
    found: list[tuple[tuple[int, int], Marker]] = []
    if "\\" not in card.text and not _MAYBE_MARKER.search(card.text):
        # no escape sequence in the file, so every string value is its source text with only white space
        # folded: a marker would show in the source too. Most cards have none; skip their walk.
        return []
    data = card.model.model_dump(mode="json")
    claims = data.get("claims") or []
    for path, value in _strings(data, ()):
        if path[:1] == ("claims",) and len(path) >= 2 and isinstance(path[1], int):
            if claims[path[1]].get("status") == "not-verified":
                continue
        for m in NOT_VERIFIED_RE.finditer(value):
            span = card.source.text_span(path, m.start(), m.end(), value)
            found.append(((span.line, span.col), Marker(card, path, m.start(), m.end(), value, marker_clause(value, m.start(), m.end()))))
    found.sort(key=lambda item: item[0])
    return [mk for _pos, mk in found]


# --------------------------------------------------------------------------- outside evidence


def _get(obj: Any, name: str, index: int | None = None) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    if isinstance(obj, (tuple, list)) and index is not None and len(obj) > index:
        return obj[index]
    return getattr(obj, name, None)


def _word(value: Any) -> str | None:
    if value is None:
        return None
    value = getattr(value, "value", value)
    return str(value).strip().lower()


def identity_verdict(links: Any, url: str) -> tuple[str | None, Any]:
    """('confirmed' | 'refuted' | None, the record) for ``url`` from the link stage's identity table."""
    table = _get(links, "identity")
    if not table:
        return None, None
    record = None
    for candidate in (url, url.rstrip("/.,;"), url.rstrip("/.,;") + "/"):
        try:
            record = table.get(candidate) if hasattr(table, "get") else None
        except Exception:  # a foreign mapping type: treat as no verdict
            record = None
        if record is not None:
            break
    if record is None:
        return None, None
    return _judge(record), record


def _verdicts(links: Any, text: str) -> list[tuple[str, str, Any]]:
    """(url, 'confirmed' | 'refuted', record) for the URLs of ``text`` the link stage judged."""
    out = []
    finder = getattr(links, "identity_in", None)
    if callable(finder):
        items = list(finder(text).items())
    else:
        items = [(url, None) for url in URL_RE.findall(text)]
    for url, record in items:
        if record is None:
            verdict, record = identity_verdict(links, url)
        else:
            verdict = _judge(record)
        if verdict is not None:
            out.append((url, verdict, record))
    return out


def _judge(record: Any) -> str | None:
    verdict = _word(_get(record, "verdict", 2))
    if verdict in CONFIRMED:
        return "confirmed"
    if verdict in REFUTED:
        return "refuted"
    return None


def _evidence_dict(ev: Any) -> dict[str, Any] | None:
    if ev is None:
        return None
    if hasattr(ev, "model_dump"):
        return {k: v for k, v in ev.model_dump(mode="json").items() if v not in (None, {}, [])}
    if isinstance(ev, dict):
        return dict(ev)
    out = {k: getattr(ev, k) for k in ("method", "date", "by", "versions", "measured", "note", "status", "verdict") if getattr(ev, k, None) is not None}
    return out or {"note": str(ev)}


def _status_from_evidence(ev: Any) -> str:
    word = _word(_get(ev, "status")) or _word(_get(ev, "verdict"))
    if word in ("disputed", "refuted", "mismatch"):
        return "disputed"
    if word in ("failing", "failed", "broken"):
        return "failing"
    if word in ("not-verified", "unknown", "unverified", "blocked"):
        return "not-verified"
    return "verified"


# --------------------------------------------------------------------------- ledger


def _explicit(card: Card[Any], facts: Any, evidence: dict[str, Any]) -> Iterator[LedgerEntry]:
    for i, claim in enumerate(getattr(card.model, "claims", []) or []):
        uid = f"{card.id}#{claim.id}"
        span = card.source.span("claims", i)
        stated = claim.status.value
        status = stated
        ev = _evidence_dict(claim.evidence)
        if uid in evidence:  # gathered in this run: newer than what the card says
            status = _status_from_evidence(evidence[uid])
            ev = _evidence_dict(evidence[uid]) or ev
        fact = facts.get(uid) if facts is not None and hasattr(facts, "get") else None
        fact_dict = None
        if fact is not None:
            fact_dict = {k: getattr(fact, k) for k in ("status", "claimed", "measured", "convention", "message", "hint")}
            if fact.status == "ok":
                status = "verified"
                ev = dict(fact.evidence)
            elif fact.status == "mismatch":
                status = "disputed" if stated == "disputed" else "failing"
                if stated != "disputed" or ev is None:
                    ev = dict(fact.evidence)
        yield LedgerEntry(
            uid=uid, card=f"{card.kind}:{card.id}", card_kind=card.kind, card_id=card.id, claim_id=claim.id,
            origin="claim", path=card.rel, line=span.line, col=span.col, end_line=span.end_line, end_col=span.end_col,
            field=f"claims[{i}]", text=claim.text, status=status, stated_status=stated,
            check=claim.check.kind if claim.check is not None else None, source=claim.source,
            evidence=ev, facts=fact_dict,
        )


def _derived(card: Card[Any], links: Any, evidence: dict[str, Any]) -> Iterator[LedgerEntry]:
    for n, mk in enumerate(markers(card), 1):
        uid = f"{card.id}#nv-{n}"
        span = card.source.text_span(mk.path, mk.start, mk.end, mk.text)
        status = "not-verified"
        ev: dict[str, Any] | None = None
        if uid in evidence:
            status = _status_from_evidence(evidence[uid])
            ev = _evidence_dict(evidence[uid])
        elif links is not None:
            for url, verdict, record in _verdicts(links, mk.clause):
                status = "verified" if verdict == "confirmed" else "disputed"
                found = _get(record, "found_title", 1)
                ev = {
                    "method": "link identity check",
                    "by": "kb links",
                    "measured": str(found) if found is not None else None,
                    "note": f"{url}: the card names {_get(record, 'expected_title', 0)!r}, the page is {found!r}",
                }
                if verdict == "refuted":  # a refutation outranks a confirmation
                    break
        yield LedgerEntry(
            uid=uid, card=f"{card.kind}:{card.id}", card_kind=card.kind, card_id=card.id, claim_id=f"nv-{n}",
            origin="marker", path=card.rel, line=span.line, col=span.col, end_line=span.end_line, end_col=span.end_col,
            field=_field_name(mk.path), text=mk.clause, status=status, stated_status="not-verified",
            evidence=ev,
        )


def ledger(kb: KnowledgeBase, evidence: dict[str, Any] | None = None, links: Any = None, facts: Any = None) -> list[LedgerEntry]:
    """Every claim of every loaded card, explicit and derived, in path/line order."""
    evidence = evidence or {}
    entries: list[LedgerEntry] = []
    for card in _cards(kb):
        entries.extend(_explicit(card, facts, evidence))
        entries.extend(_derived(card, links, evidence))
    entries.sort(key=lambda e: (e.path, e.line, e.col, e.uid))
    return entries


def _cards(kb: KnowledgeBase) -> Iterable[Card[Any]]:
    return list(kb.cards())
