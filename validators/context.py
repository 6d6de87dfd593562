"""What a rule sees: the knowledge base, its graph, config, and stage results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

import networkx as nx

from kb.config import KbConfig
from kb.loader import Span
from kb.store import Card, KnowledgeBase
from validators.diagnostic import Finding

if TYPE_CHECKING:  # the stages' packages load only when a stage runs
    from validators.claims.ledger import LedgerEntry
    from validators.facts import FactReport
    from validators.links import LinkReport


@dataclass
class RuleContext:
    kb: KnowledgeBase
    graph: nx.MultiDiGraph
    config: KbConfig
    #: results of the link stage (validators.links), None when it did not run
    links: LinkReport | None = None
    #: results of the fact stage (validators.facts), None when it did not run
    facts: FactReport | None = None
    #: claim evidence gathered this run, keyed by claim uid ("<card-id>#<claim-id>")
    evidence: dict[str, Any] = field(default_factory=dict)
    _ledger: list[LedgerEntry] | None = field(default=None, init=False, repr=False)

    def claims_ledger(self) -> list[LedgerEntry]:
        """The claims ledger with this run's evidence, built once and shared by the rules and the report."""
        if self._ledger is None:
            from validators.claims import ledger

            self._ledger = ledger(self.kb, evidence=self.evidence, links=self.links, facts=self.facts)
        return self._ledger

    def finding(self, card: Card[Any], span: Span, message: str, hint: str | None = None, **data: Any) -> Finding:
        return Finding(
            path=card.rel,
            line=span.line,
            col=span.col,
            end_line=span.end_line,
            end_col=span.end_col,
            card=f"{card.kind}:{card.id}",
            message=message,
            hint=hint,
            data=data,
        )

    def at(self, card: Card[Any], *path: Any, message: str, hint: str | None = None, key: bool = False, **data: Any) -> Finding:
        """A finding at the value (or with ``key=True`` the key) at ``path`` of ``card``."""
        span = card.source.key_span(*path) if key else card.source.span(*path)
        found = self.finding(card, span, message, hint, **data)
        found.at = (path, key)
        return found

    def topics(self) -> Iterator[Card[Any]]:
        return iter(self.kb.topics.values())
