"""Claims: the ledger of everything a tutor may repeat, and suggestions for checking it.

* :func:`ledger` lists every claim (explicit ``claims:`` entries and every
  ``[NOT VERIFIED]`` marker) with its position, status and evidence;
* :func:`suggest_claims` proposes claims with machine checks for the numbers
  in a digest's key points (the importer calls it; ``kb claims suggest``
  prints its proposals for cards already written);
* :func:`numbers_without_check` is what KB402 reports.

Nothing in this package imports torch.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from pydantic import TypeAdapter

from kb.checks import Check
from kb.store import Card, KnowledgeBase
from validators.claims.ledger import LedgerEntry, identity_verdict, ledger, marker_clause, markers
from validators.claims.numbers import NumberToken, check_mantissas, covered_mantissas, numbers_in, uncovered_by_line
from validators.claims.suggest import suggest_claims
from validators.facts.expr import normalise_math
from validators.reporters._common import escape_controls

__all__ = [
    "LedgerEntry",
    "NumberToken",
    "cli_suggest",
    "identity_verdict",
    "ledger",
    "marker_clause",
    "markers",
    "numbers_in",
    "numbers_without_check",
    "suggest_claims",
    "suggest_for_card",
]


def numbers_without_check(card: Card[Any]) -> list[list[NumberToken]]:
    """Numbers in a digest's key points that no claim of the card covers, grouped by line."""
    text = getattr(card.model, "key_points", None)
    if not text:
        return []
    return uncovered_by_line(text, covered_mantissas(card.model.claims))


def _check_signature(check: Any) -> str:
    data = check.model_dump(exclude_defaults=True) if hasattr(check, "model_dump") else dict(check)
    data.pop("note", None)
    return json.dumps(data, sort_keys=True, default=str)


def suggest_for_card(card: Card[Any]) -> list[dict[str, Any]]:
    """Suggestions for one digest that its existing claims do not already make."""
    model = card.model
    if card.kind != "digest" or not getattr(model, "key_points", None):
        return []
    existing = {c.id for c in model.claims}
    have = set()
    adapter = TypeAdapter(Check)
    for claim in model.claims:
        if claim.check is not None:
            have.add(_check_signature(claim.check))
    out = []
    covered = covered_mantissas(model.claims)
    formulas = {normalise_math(c.check.formula) for c in model.claims if c.check is not None and c.check.kind == "formula"}
    for claim in suggest_claims(model.key_points, title=model.title, focus=model.focus, existing_ids=existing):
        try:
            check = adapter.validate_python(claim["check"])
        except Exception:  # a suggestion the schema refuses is a bug in the suggester; skip it
            continue
        if _check_signature(check) in have:
            continue
        if check.kind == "formula":
            if normalise_math(check.formula) in formulas:
                continue
        else:
            # the numbers it would check are already checked by some claim of the card
            numbers = check_mantissas(check) - {"0", "1"}
            if numbers and numbers <= covered:
                continue
        out.append(claim)
    return out


def cli_suggest(kb: KnowledgeBase, *, fmt: str = "text", status: str | None = None, out: TextIO | None = None) -> int:
    """``kb claims suggest``: print proposed claims per digest (text, json or yaml)."""
    stream = out or sys.stdout
    proposals = {card.rel: suggest_for_card(card) for card in kb.digests.values()}
    proposals = {rel: claims for rel, claims in proposals.items() if claims}
    if status:
        proposals = {rel: [dict(c, status=status) for c in claims] for rel, claims in proposals.items()}
    if fmt == "json":
        json.dump(proposals, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    elif fmt == "yaml":
        import yaml

        for rel, claims in proposals.items():
            stream.write(f"# {rel}: add under claims:\n")
            stream.write(yaml.safe_dump(claims, sort_keys=False, allow_unicode=True, width=120))
            stream.write("\n")
    else:
        for rel, claims in proposals.items():
            for claim in claims:
                check = claim["check"]
                target = check.get("model") or check.get("weights") or check.get("op") or check.get("expression", "")
                line = (f"{rel}: {claim['id']}: {check['kind']} {target} = "
                        f"{check.get('value', check.get('equals', check.get('formula')))}  ({claim['text'][:80]})")
                stream.write(escape_controls(line) + "\n")  # claim text is card text: keep it off the terminal
    total = sum(len(c) for c in proposals.values())
    print(f"{total} suggested claim(s) in {len(proposals)} digest(s)", file=sys.stderr)
    return 0
