"""Acceptance: the imported seed, with suggested checks, flags GoogLeNet's "12x" as KB601.

The importer proposes ``claims:`` for the digests it writes by calling
:func:`validators.claims.suggest_claims`.  Where an imported digest has no
claims yet, this test adds the suggestions itself (exactly what the importer
does), so it exercises the suggester and the runner on the real seed either
way.  Then ``kb check`` must report the GoogLeNet parameter ratio (torchvision
measures about 9.2x, not 12x) at the claim's stated value, and every number in
the digests must be checked or listed by KB402.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kb.config import KbConfig
from kb.graph import build_graph
from kb.store import load_kb
from validators.claims import ledger, numbers_without_check, suggest_claims
from validators.context import RuleContext
from validators.engine import run_rules

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "seed-cnns.txt"


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    from kb.importer import import_cards
    from validators.facts import run_facts

    out = tmp_path_factory.mktemp("seed") / "cards"
    import_cards([SEED], out)
    for path in sorted((out / "digests").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("claims") or not data.get("key_points"):
            continue
        claims = suggest_claims(data["key_points"], title=data.get("title"), focus=data.get("focus"))
        if claims:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(yaml.safe_dump({"claims": claims}, sort_keys=False, allow_unicode=True, width=200))
    kb = load_kb(out)
    assert not kb.problems, [p.message for p in kb.problems]
    cfg = KbConfig()
    report = run_facts(kb, cfg.facts, cache_dir=out.parent / ".kb-cache", progress=False)
    diags = run_rules(RuleContext(kb, build_graph(kb), cfg, facts=report), stages=("offline", "facts"))
    return out, kb, report, diags


def test_googlenet_twelve_times_is_a_fact_mismatch(checked):
    out, kb, report, diags = checked
    hits = [d for d in diags if d.code == "KB601" and "googlenet" in d.message and "alexnet" in d.message]
    assert len(hits) == 1, [d.message for d in diags if d.code == "KB601"]
    d = hits[0]
    assert "~12x" in d.message and "9.22" in d.message
    line = (out / d.path).read_text(encoding="utf-8").splitlines()[d.line - 1]
    assert "12x" in line[d.col - 1:]


def test_the_seed_checks_that_hold(checked):
    _, _, report, _ = checked
    ok = {r.uid.split("#")[1] for r in report.results.values() if r.status == "ok"}
    assert any("vit-b-16" in uid and "acc1" in uid for uid in ok)
    assert any("formula" in uid for uid in ok)
    assert any(uid.startswith("arithmetic-768") for uid in ok)
    assert not [r for r in report.results.values() if r.status in ("uncheckable", "error")]


def test_every_digest_number_is_checked_or_listed(checked):
    _, kb, report, diags = checked
    listed = {(d.path, d.line) for d in diags if d.code == "KB402"}
    for card in kb.digests.values():
        for group in numbers_without_check(card):
            span = card.source.text_span(("key_points",), group[0].start, group[0].end, card.model.key_points)
            assert (card.rel, span.line) in listed
    statuses = {e.status for e in ledger(kb, facts=report) if e.origin == "claim"}
    assert statuses <= {"verified", "failing"}


def test_arxiv_mirror_marker_is_in_the_ledger(checked):
    _, kb, _, diags = checked
    assert any(d.code == "KB401" and "1404.5997" in d.message for d in diags)
