"""The benchmark knowledge-base generator: deterministic, clean unless told otherwise, and planting what it says."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kb.config import KbConfig
from kb.graph import build_graph
from kb.store import load_kb
from validators.context import RuleContext
from validators.engine import run_rules

from tests.kbroots import gen_kb


def _lint(root: Path):
    kb = load_kb(root)
    return kb, run_rules(RuleContext(kb, build_graph(kb), KbConfig()), stages=("offline",))


def test_same_arguments_same_bytes_and_seed_matters(tmp_path):
    one = gen_kb.build(120, seed=7)
    assert one == gen_kb.build(120, seed=7)
    assert one != gen_kb.build(120, seed=8)
    written = gen_kb.generate(tmp_path / "kb", topics=120, seed=7)
    assert {p.relative_to(tmp_path / "kb").as_posix(): p.read_text(encoding="utf-8") for p in written} == one
    assert gen_kb.build(120, seed=7, plant_errors=True) == gen_kb.build(120, seed=7, plant_errors=True)


def test_shape_of_what_is_generated():
    files = gen_kb.build(120)
    kinds = Counter(rel.split("/")[0] for rel in files)
    assert kinds == {"topics": 120, "digests": 60, "courses": 2}
    topic_bytes = [len(text.encode()) for rel, text in files.items() if rel.startswith("topics/")]
    assert 3_000 < sum(topic_bytes) / len(topic_bytes) < 6_500  # about the size of a real topic card
    assert sum("[NOT VERIFIED]" in text for text in files.values()) >= 10


def test_generated_kb_lints_without_errors(tmp_path):
    gen_kb.generate(tmp_path, topics=120, seed=3)
    kb, diags = _lint(tmp_path)
    assert len(kb.topics) == 120 and len(kb.digests) == 60 and len(kb.courses) == 2
    assert not kb.problems
    assert [d for d in diags if d.severity.value == "error"] == []
    for card in kb.topics.values():
        assert {r.role.value for r in card.model.resources} >= set(gen_kb.ROLES)
    assert any(card.model.prerequisites for card in kb.topics.values())
    assert any(c.check is not None for d in kb.digests.values() for c in d.model.claims)
    # what remains is the prose kind of finding real cards have, never a graph or schema one
    assert {d.code for d in diags} <= {"KB401", "KB402"}


def test_planted_errors_are_each_reported(tmp_path):
    with pytest.raises(ValueError):
        gen_kb.build(20, plant_errors=True)
    gen_kb.generate(tmp_path, topics=100, seed=0, plant_errors=True)
    _, diags = _lint(tmp_path)
    found = {d.code for d in diags if d.severity.value in ("error", "warning")}
    assert set(gen_kb.PLANTED) <= found
