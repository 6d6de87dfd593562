"""One mistake, one error: a card that fails its schema in one part is still known by its id.

A held-out-style curriculum: a course teaches ``tensors`` -> ``convolution`` ->
``cnns`` -> ``resnets``; each topic names the one before it as a prerequisite.
``cnns`` has one misspelt resource role (``vidoe``), a course key that is not
an id, and an arXiv id with a typo in a digest.  Each of those must be
reported once (KB102), and nothing else may follow from them: no "has no card",
no "is not a topic", no "picks resource ... which this topic does not have",
while the course-order and level rules still see ``cnns``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.store import load_kb

REPO = Path(__file__).resolve().parent.parent


def topic(tid: str, prereqs: list[str], level: str, extra: str = "") -> str:
    pre = f"prerequisites: [{', '.join(prereqs)}]\n" if prereqs else ""
    return f"""\
id: {tid}
title: {tid.title()}
level: {level}
{pre}resources:
  - {{id: video, role: video, title: A lecture, url: "https://example.org/{tid}/video"}}
  - {{id: notes, role: written-explainer, title: Notes, url: "https://example.org/{tid}/notes"}}
  - {{id: deep, role: deep-dive, title: Deep, url: "https://example.org/{tid}/deep"}}
  - {{id: paper, role: original-paper, title: Paper, url: "https://example.org/{tid}/paper"}}
  - {{id: code, role: code-walkthrough, title: Code, url: "https://example.org/{tid}/code"}}
courses:
  vision:
    emphasis: Part of the vision course.
    resources: [video]
{extra}"""


CNNS = topic("cnns", ["convolution"], "intermediate", extra="digests: [resnet-paper]\n").replace(
    "role: video,", "role: vidoe,"
).replace("courses:\n", "courses:\n  Vision Course:\n    emphasis: A course key that is not an id.\n")

DIGEST = """\
id: resnet-paper
kind: paper
title: Deep Residual Learning
year: 2015
url: https://example.org/resnet
identifiers: {arxiv: "1512.033"}
key_points: Residual connections.
"""

COURSE = """\
id: vision
title: Vision
modules:
  - title: Foundations
    topics: [tensors, convolution]
  - title: Networks
    topics: [resnets, cnns]
"""


@pytest.fixture
def curriculum(tmp_path: Path) -> Path:
    root = tmp_path / "cards"
    for sub in ("topics", "digests", "courses"):
        (root / sub).mkdir(parents=True)
    files = {
        "topics/tensors.yaml": topic("tensors", [], "beginner"),
        "topics/convolution.yaml": topic("convolution", ["tensors"], "beginner"),
        "topics/cnns.yaml": CNNS,
        "topics/resnets.yaml": topic("resnets", ["cnns"], "beginner", extra="digests: [resnet-paper]\n"),
        "digests/resnet-paper.yaml": DIGEST,
        "courses/vision.yaml": COURSE,
    }
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    return root


def lint(root: Path) -> list[dict]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run([sys.executable, "-m", "kb", "lint", str(root), "--format", "json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["diagnostics"]


def test_the_broken_card_is_still_known_by_its_id(curriculum: Path) -> None:
    kb = load_kb(curriculum)
    card = kb.topics["cnns"]
    assert card.recovered
    assert [r.id for r in card.model.resources] == ["notes", "deep", "paper", "code"]  # the bad one is left out
    assert list(card.model.courses) == ["vision"]
    assert card.model.prerequisites == ["convolution"]
    assert kb.digests["resnet-paper"].model.identifiers.arxiv is None
    assert not kb.topics["tensors"].recovered


def test_each_mistake_is_reported_once_and_nothing_cascades(curriculum: Path) -> None:
    found = lint(curriculum)
    schema = [d for d in found if d["code"] == "KB102"]
    assert sorted((d["path"], d["line"]) for d in schema) == [
        ("digests/resnet-paper.yaml", 6),  # the arXiv id
        ("topics/cnns.yaml", 6),  # the misspelt role
        ("topics/cnns.yaml", 12),  # the course key
    ], schema
    text = "\n".join(f"{d['code']} {d['path']}: {d['message']}" for d in found)
    for cascade in ("has no card", "is not a topic", "does not exist", "does not have"):
        assert cascade not in text, text
    # the broken topic gets its schema errors and what any sound topic of this curriculum gets, nothing more
    sound = {(d["code"], d["message"].replace("resnets", "cnns")) for d in found if d["path"] == "topics/resnets.yaml"}
    broken = {(d["code"], d["message"]) for d in found if d["path"] == "topics/cnns.yaml" and d["code"] != "KB102"}
    assert broken <= sound, broken - sound
    assert {d["code"] for d in found if d["path"] == "digests/resnet-paper.yaml"} == {"KB102"}


def test_course_order_and_level_rules_still_see_the_broken_card(curriculum: Path) -> None:
    found = lint(curriculum)
    order = [d for d in found if d["code"] == "KB301"]
    assert any("cnns" in d["message"] and "resnets" in d["message"] for d in order), order
    levels = [d for d in found if d["code"] == "KB305"]
    assert any("cnns" in d["message"] for d in levels), levels


def test_a_card_with_a_bad_id_is_not_recovered(curriculum: Path) -> None:
    (curriculum / "topics" / "cnns.yaml").write_text(CNNS.replace("id: cnns", "id: CNNs"), encoding="utf-8")
    kb = load_kb(curriculum)
    assert "cnns" not in kb.topics and "CNNs" not in kb.topics
    codes = [p.code for p in kb.problems if p.path.name == "cnns.yaml"]
    assert "KB102" in codes


# --- the rest of a recovered card is still judged, at the file's own positions ---

LONELY = """\
id: lonely
title: Lonely
level: beginner
prerequisites: [no-such-topic]
resources:
  - {role: video, title: A lecture, url: "https://example.org/a", level: expert}
  - {id: notes, role: written-explainer, title: Notes}
claims:
  - {id: c1, text: "It has 3 layers.", status: maybe}
  - {id: c2, text: "It has 5 layers.", status: disputed}
  - {id: c3, text: "Plain statement."}
"""

SMALL = """\
id: {tid}
title: {tid}
level: beginner
courses:
  intro: {{emphasis: Part of the course.}}
resources:
  - {{id: v, role: video, title: V, url: "https://example.org/{tid}"}}
"""

INTRO = """\
id: intro
title: Intro
modules:
  - {title: One, topics: [cnns], hours: 3}
  - {title: Two, topics: [rnns, Not_An_Id, no-such-topic]}
"""


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    root = tmp_path / "cards"
    for sub in ("topics", "digests", "courses"):
        (root / sub).mkdir(parents=True)
    (root / "topics" / "lonely.yaml").write_text(LONELY, encoding="utf-8")
    for tid in ("cnns", "rnns"):
        (root / "topics" / f"{tid}.yaml").write_text(SMALL.format(tid=tid), encoding="utf-8")
    (root / "courses" / "intro.yaml").write_text(INTRO, encoding="utf-8")
    return root


def lint_all(root: Path) -> list[dict]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run([sys.executable, "-m", "kb", "lint", str(root), "--format", "json", "--show-info"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["diagnostics"]


def test_a_schema_error_hides_nothing_else_in_its_card(mixed: Path) -> None:
    found = {(d["code"], d["line"]) for d in lint_all(mixed) if d["path"] == "topics/lonely.yaml"}
    assert ("KB102", 6) in found and ("KB102", 9) in found, found  # the resource's level and id, the claim's status
    for other in [("KB206", 1), ("KB201", 4), ("KB110", 7), ("KB403", 10), ("KB401", 11)]:
        assert other in found, (other, sorted(found))
    # the claim whose status went is not judged as if it had no status
    assert not any(line == 9 and code != "KB102" for code, line in found), sorted(found)


def test_an_unknown_key_removes_only_itself(mixed: Path) -> None:
    kb = load_kb(mixed)
    course = kb.courses["intro"]
    assert course.recovered
    assert [m.topics for m in course.model.modules] == [["cnns"], ["rnns", "no-such-topic"]]
    assert course.unknown_keys == (("modules", 0, "hours"),)
    assert course.pruned == (("modules", 1, "topics", 1),)
    found = lint_all(mixed)
    schema = sorted((d["line"], d["message"]) for d in found if d["code"] == "KB102" and d["path"] == "courses/intro.yaml")
    assert [line for line, _ in schema] == [4, 5], schema
    assert "hours" in schema[0][1]
    assert not [d for d in found if d["code"] == "KB206" and d["path"] == "topics/cnns.yaml"], "cnns is still in the course"


def test_positions_after_a_removed_item_are_the_files(mixed: Path) -> None:
    kb = load_kb(mixed)
    lonely = kb.topics["lonely"]
    assert [r.id for r in lonely.model.resources] == ["notes"]
    assert lonely.span("resources", 0).line == 7  # the file's resources[1]
    found = lint_all(mixed)
    kb110 = [d for d in found if d["code"] == "KB110"]
    assert [(d["path"], d["line"]) for d in kb110] == [("topics/lonely.yaml", 7)], kb110
    # a dangling topic after a removed one in a nested list: at its own column
    dangling = [d for d in found if d["code"] == "KB201" and d["path"] == "courses/intro.yaml"]
    assert [(d["line"], d["col"]) for d in dangling] == [(5, INTRO.splitlines()[4].index("no-such-topic") + 1)], dangling
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "kb", "claims", "list", str(mixed), "--format", "json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    lines = {c["claim_id"]: c["line"] for c in json.loads(proc.stdout)}
    assert lines["c2"] == 10 and lines["c3"] == 11, lines
