"""Findings of card-scoped rules, kept between runs so a re-lint re-checks only what changed.

A rule whose ``scope`` is ``"card"`` (see :class:`validators.registry.Rule`)
reports each finding inside one card's file, from that file alone: its path,
kind and text, whether it is the card its id resolves to (a duplicate id
hides the second card from ``kb.topics``), and the configuration. So the
findings such rules gave a card can be reused as long as all of that is
unchanged, and as long as kb's code, its libraries and the set of card-scoped
rules are the same. Each card's findings are stored under a key made of all
of it (the text as the content hash of the bytes it was read from, where the
loader has it), in the ``findings`` table of the lint cache (``lint.sqlite``, see
:mod:`kb.filecache`), as JSON data, unstamped: the engine stamps severity and
documentation URL as it does for a fresh finding.

The rules run only on the cards without a stored entry, through a view of the
knowledge base that holds just those cards. In a run that parses in worker
processes, each worker runs them on the cards it parsed, each card alone
(:class:`ScopedRulesCheck`), once the parsing is done and while the main
process validates the cards and builds the graph; the main process takes what
they found as it takes a stored entry, under the key the card has in the whole
knowledge base (a worker takes each card to be the one its id resolves to;
for a card hidden by a duplicate id the keys differ, and the main process runs
the rules on it). Whole-graph rules are not touched and run on every card each
time. A finding that a card-scoped rule puts in another card's file breaks the
contract: then nothing is reused or stored and the engine runs those rules on
every card (a worker that meets such a finding leaves the card to the main
process). Findings whose data would not come
back from JSON exactly are used but not stored.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kb import __version__
from kb.config import KbConfig
from kb.filecache import ParseCache, library_versions
from kb.loader import LoadedYaml
from kb.store import Card, KnowledgeBase, finish_card
from validators.context import RuleContext
from validators.diagnostic import Finding
from validators.registry import Rule

TABLE = "findings"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """kb's version, Python's and its libraries' versions and a hash of every module of ``kb`` and ``validators``."""
    import pydantic

    import kb
    import validators

    h = hashlib.blake2b(f"{__version__}:{pydantic.__version__}:{library_versions()}".encode(), digest_size=16)
    for package in (kb, validators):
        folder = Path(package.__file__).parent
        for path in sorted(folder.rglob("*.py")):
            h.update(path.relative_to(folder).as_posix().encode())
            try:
                h.update(path.read_bytes())
            except OSError:
                pass
    return h.hexdigest()


def settings_key(config: KbConfig, rules: list[tuple[type[Rule], BaseModel]]) -> str:
    """What every stored entry of this run depends on besides the card: code, config, rules and their options."""
    h = hashlib.blake2b(code_fingerprint().encode(), digest_size=16)
    h.update(config.model_dump_json().encode())
    for rule, options in rules:
        h.update(f"\0{rule.code}:{rule.name}:{options.model_dump_json()}".encode())
    return h.hexdigest()


def card_key(settings: str, kb: KnowledgeBase, card: Card[Any]) -> str:
    """The key of ``card``'s entry: made with the content hash of the bytes its text was read from
    where the loader kept it (``kb.hashes``), else with the text itself."""
    member = kb.by_kind(card.kind).get(card.id) is card
    # surrogatepass: a file name that is not UTF-8 reaches here with its bytes escaped
    head = f"{settings}\0{card.kind}\0{card.rel}\0{int(member)}"
    digest = kb.hashes.get(card.rel)
    if digest is not None:
        # the bytes decide the text, and hashing them again costs as much as hashing the text.
        # "b" stands where a key made from the text has its separator: no text can make this key
        return hashlib.blake2b(f"{head}b\0{digest}".encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()
    h = hashlib.blake2b(f"{head}\0".encode("utf-8", "surrogatepass"), digest_size=20)
    h.update(card.text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _row(f: Finding) -> list[Any]:
    return [f.line, f.col, f.message, f.end_line, f.end_col, f.card, f.hint, f.data]


def _finding(path: str, row: list[Any]) -> Finding:
    line, col, message, end_line, end_col, card, hint, data = row
    if not isinstance(data, dict):
        raise ValueError("malformed finding")
    return Finding(path=path, line=line, col=col, message=message, end_line=end_line, end_col=end_col,
                   card=card, hint=hint, data=data)


def _encode(found: dict[str, list[Finding]]) -> str | None:
    """A card's findings by rule code (codes without any left out) as JSON, or None when they
    would not come back exactly."""
    plain = {code: [_row(f) for f in fs] for code, fs in found.items() if fs}
    try:
        text = json.dumps(plain, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    # a tuple would come back a list, a float equal to an int as an int: compare what repr shows
    return text if repr(json.loads(text)) == repr(plain) else None


def _decode(text: str, path: str, codes: set[str]) -> dict[str, list[Finding]]:
    if text == "{}":  # most cards: nothing found
        return {}
    entry = json.loads(text)
    if not isinstance(entry, dict) or not codes.issuperset(entry):
        raise ValueError("malformed entry")
    return {code: [_finding(path, row) for row in rows] for code, rows in entry.items()}


def _view(kb: KnowledgeBase, rels: set[str]) -> KnowledgeBase:
    """The knowledge base with only the cards whose files are ``rels``, each where it was."""
    return KnowledgeBase(
        root=kb.root,
        topics={k: c for k, c in kb.topics.items() if c.rel in rels},
        digests={k: c for k, c in kb.digests.items() if c.rel in rels},
        courses={k: c for k, c in kb.courses.items() if c.rel in rels},
        all_cards=[c for c in kb.all_cards if c.rel in rels],
    )


def card_scoped_findings(
    ctx: RuleContext, rules: list[tuple[type[Rule], BaseModel]], cache_dir: Path
) -> list[tuple[type[Rule], Finding]] | None:
    """Every finding of the card-scoped ``rules`` (with their options) on every card of ``ctx.kb``:
    stored ones for unchanged cards, fresh ones for the rest. None when a rule broke its scope
    (the caller then runs the rules the ordinary way)."""
    kb = ctx.kb
    checked = kb.checked.result() if kb.checked is not None else {}
    cards = kb.all_cards
    if len({c.rel for c in cards}) != len(cards):
        return None
    settings = settings_key(ctx.config, rules)
    keys = {card.rel: card_key(settings, kb, card) for card in cards}
    codes = {rule.code for rule, _ in rules}
    cache = ParseCache(cache_dir, table=TABLE)
    try:
        per_card: dict[str, dict[str, list[Finding]]] = {}
        # what the loader's workers found (ScopedRulesCheck): used under the key the card has here only
        for rel, (key, text) in checked.items():
            if keys.get(rel) == key:
                try:
                    per_card[rel] = _decode(text, rel, codes)
                except (ValueError, TypeError, KeyError):
                    continue
                cache.put(key, text)
        stored = cache.get_many(key for rel, key in keys.items() if rel not in per_card)
        for rel, key in keys.items():
            if rel in per_card:
                continue
            text = stored.get(key)
            if text is not None:
                try:
                    per_card[rel] = _decode(text, rel, codes)
                except (ValueError, TypeError, KeyError):
                    pass  # a damaged entry is a miss
        todo = {rel for rel in keys if rel not in per_card}
        if todo:
            fresh: dict[str, dict[str, list[Finding]]] = {rel: {code: [] for code in codes} for rel in todo}
            view = RuleContext(_view(kb, todo), ctx.graph, ctx.config)
            for rule, options in rules:
                for finding in rule().check(view, options):
                    if finding.path not in fresh:
                        return None  # outside the cards it was shown: not card-scoped after all
                    fresh[finding.path][rule.code].append(finding)
            for rel, found in fresh.items():
                per_card[rel] = found
                text = _encode(found)
                if text is not None:
                    cache.put(keys[rel], text)
    finally:
        cache.close()
    out: list[tuple[type[Rule], Finding]] = []
    for rule, _ in rules:
        for card in cards:
            for finding in per_card[card.rel].get(rule.code, ()):
                out.append((rule, finding))
    return out


class ScopedRulesCheck:
    """The card-scoped ``rules`` (with their options) run on one card alone, in a worker process of
    the loader (see :func:`kb.filecache.parse_all`): what :func:`card_scoped_findings` does for a
    card without a stored entry, there instead of here.

    A worker does not know whether the card is the one its id resolves to, so the entry's key
    takes it to be; :func:`card_scoped_findings` uses an entry only under the key the card has
    in the whole knowledge base, and runs the rules itself on any other card.
    """

    def __init__(self, root: Path, config: KbConfig, rules: list[tuple[type[Rule], BaseModel]]):
        self.root = root
        self.config = config
        self.rules = rules
        self.settings = settings_key(config, rules)

    def __call__(self, kind: str, path: Path, rel: str, digest: str, loaded: LoadedYaml) -> tuple[str, str] | None:
        """The key and entry of the card ``loaded`` makes, or None when it makes none or the
        findings cannot be stored."""
        import networkx as nx

        kb = KnowledgeBase(root=self.root, hashes={rel: digest})
        card = finish_card(kb, kind, path, loaded, rel=rel)
        if card is None:
            return None
        kb.all_cards.append(card)
        kb.by_kind(kind)[card.id] = card
        ctx = RuleContext(kb, nx.MultiDiGraph(), self.config)
        found: dict[str, list[Finding]] = {rule.code: [] for rule, _ in self.rules}
        for rule, options in self.rules:
            for finding in rule().check(ctx, options):
                if finding.path != rel:
                    return None  # not card-scoped after all: the main process finds out and runs the rules
                found[rule.code].append(finding)
        text = _encode(found)
        return None if text is None else (card_key(self.settings, kb, card), text)


def card_check(root: Path, config: KbConfig, stages: tuple[str, ...] = ("offline",)) -> ScopedRulesCheck | None:
    """The :class:`ScopedRulesCheck` for a run of :func:`validators.engine.run_rules` over ``stages`` with
    ``config`` and a cache directory; None when no card-scoped rule is selected."""
    from validators.engine import active_rules, rule_options

    scoped = [r for r in active_rules(config, stages) if r.scope == "card"]
    if not scoped:
        return None
    return ScopedRulesCheck(root, config, [(r, rule_options(r, config)) for r in scoped])
