"""Configuration discovery and selection, and the concept graph's derived facts."""

from __future__ import annotations

import pytest

from kb.config import ConfigError, KbConfig, find_config, load_config, selected
from kb.graph import (
    build_graph,
    course_entries,
    course_order,
    course_topics,
    courses_of_topic,
    first_entries,
    in_course,
    topics_needing,
    digests_of_topic,
    learning_order,
    prerequisite_cycles,
    stats,
    to_mermaid,
)
from kb.store import load_kb


def write(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_config_is_found_upward_from_the_cards(tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.kb]\nfail_on = 'warning'\n", "sub/cards/topics/a.yaml": "id: a\ntitle: A\n"})
    found = find_config(tmp_path / "sub" / "cards")
    assert found == tmp_path / "pyproject.toml"
    assert load_config(start=tmp_path / "sub" / "cards").config.fail_on == "warning"


def test_pyproject_without_tool_kb_is_skipped_and_kb_toml_wins(tmp_path):
    write(tmp_path, {"kb.toml": "fail_on = 'info'\n", "inner/pyproject.toml": "[project]\nname = 'x'\n"})
    assert load_config(start=tmp_path / "inner").config.fail_on == "info"


@pytest.mark.parametrize(
    "toml, fragment",
    [
        ("[tool.kb]\nfial_on = 'error'\n", "unknown key 'tool.kb.fial_on'"),
        ("[tool.kb.links]\nconcurency = 3\n", "unknown key 'tool.kb.links.concurency'"),
        ("[tool.kb]\nfail_on = 'fatal'\n", "tool.kb.fail_on"),
        ("[tool.kb\n", "invalid TOML"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, toml, fragment):
    write(tmp_path, {"pyproject.toml": toml})
    with pytest.raises(ConfigError) as info:
        load_config(start=tmp_path)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_prefix_selection_longest_prefix_wins():
    cfg = KbConfig(select=["KB"], ignore=["KB2", "KB3"])
    assert selected("KB101", cfg) and not selected("KB206", cfg)
    cfg = KbConfig(select=["KB", "KB206"], ignore=["KB2"])
    assert selected("KB206", cfg) and not selected("KB205", cfg)


@pytest.fixture
def kb(tmp_path):
    write(tmp_path, {
        "topics/la.yaml": "id: la\ntitle: Linear algebra\n",
        "topics/mlp.yaml": "id: mlp\ntitle: MLPs\nprerequisites: [la]\n",
        "topics/cnns.yaml": "id: cnns\ntitle: CNNs\nprerequisites: [mlp, la]\ndigests: [resnet]\ncoverage: {needs_cards: [vit]}\n",
        "digests/resnet.yaml": "id: resnet\nkind: paper\ntitle: ResNet\n",
        "courses/a.yaml": "id: a\ntitle: A\nmodules: [{title: M, topics: [cnns, mlp, la]}]\n",
        "courses/b.yaml": "id: b\ntitle: B\nmodules: [{title: M, topics: [cnns]}]\n",
    })
    return load_kb(tmp_path)


def test_graph_derives_membership_and_counts(kb):
    g = build_graph(kb)
    assert courses_of_topic(g, "cnns") == ["a", "b"]
    assert courses_of_topic(g, "la") == ["a"]
    assert digests_of_topic(g, "cnns") == ["resnet"]
    s = stats(g)
    assert (s.topics, s.digests, s.courses, s.concepts) == (3, 1, 2, 1)


def test_learning_order_puts_prerequisites_first_and_is_stable(kb):
    g = build_graph(kb)
    assert learning_order(g, ["cnns", "mlp", "la"]) == ["la", "mlp", "cnns"]
    assert learning_order(g, ["la", "mlp"]) == ["la", "mlp"]
    assert prerequisite_cycles(g) == []


def test_course_entries_keep_every_slot_and_the_order_is_asked_of_the_graph(tmp_path):
    write(tmp_path, {
        "topics/la.yaml": "id: la\ntitle: LA\n",
        "topics/cnns.yaml": "id: cnns\ntitle: CNNs\nprerequisites: [la]\n",
        "courses/a.yaml": "id: a\ntitle: A\nmodules: [{title: M1, topics: [cnns, ghost]}, {title: M2, topics: [la, cnns]}]\n",
    })
    g = build_graph(load_kb(tmp_path))
    slots = [(e.topic, e.module, e.index, e.position) for e in course_entries(g, "a")]
    assert slots == [("cnns", 0, 0, 0), ("ghost", 0, 1, 1), ("la", 1, 0, 2), ("cnns", 1, 1, 3)]
    assert first_entries(g, "a")["cnns"].module == 0
    assert course_topics(g, "a") == ["ghost", "la", "cnns"]  # a repeated topic sits at its last slot
    assert course_order(g, "a") == ["la", "cnns"]  # cards only, prerequisites first
    assert in_course(g, "cnns", "a") and in_course(g, "ghost", "a") and not in_course(g, "cnns", "b")
    assert topics_needing(g, "la") == ["cnns"] and topics_needing(g, "cnns") == []


def test_mermaid_names_topics_and_missing_concepts(kb):
    text = to_mermaid(build_graph(kb), "a")
    assert text.startswith("flowchart LR")
    assert '"CNNs"' in text and "vit" in text and "-->" in text
