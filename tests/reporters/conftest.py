"""Shared fixtures for the reporter tests: a fixed set of diagnostics and golden files.

The golden files under ``tests/reporters/golden/`` hold the exact output of
each format for :func:`sample_diagnostics`.  When an output change is
intended, regenerate them and review the diff::

    KB_UPDATE_GOLDEN=1 .venv/bin/pytest tests/reporters

With ``KB_UPDATE_GOLDEN`` set (to anything but ``0``) the golden tests write
what they produce instead of comparing; without it a missing golden file is
a failure, never a silent pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from validators.diagnostic import Diagnostic, Severity
from validators.engine import Summary, summarize
from validators.reporters import sarif
from validators.reporters._common import RuleInfo

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("KB_UPDATE_GOLDEN", "") not in ("", "0")
FILES_CHECKED = 14

CNNS = """\
id: cnns
title: Convolutional Neural Networks
level: intro
resources:
  - id: video
    role: video
    title: "Lecture 5: CNNs"
    source: YouTube
  - id: paper
    role: original-paper
    title: Gradient-based learning applied to document recognition
    url: http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf
prerequisites: [linear-algebra]
"""

DEEP_LEARNING = """\
id: deep-learning-1
title: "Deep learning, part 1"
claims:
  - id: top1
    text: "ResNet-50 reaches 76.1% top-1"
    status: not-verified
"""

VIT = """\
id: vit
kind: paper
title: An Image is Worth 16x16 Words
year: 2020
claims:
  - id: params
    text: ViT-B/16 has 86,567,656 parameters
    status: not-verified
"""

#: written to disk, not passed in ``sources``: the text reporter must read it itself
BROKEN = """\
id: broken
title: A course: with a colon
modules: []
"""

SPACED_PATH = "topics/deep learning, part 1.yaml"


def sample_sources() -> dict[str, str]:
    return {"topics/cnns.yaml": CNNS, SPACED_PATH: DEEP_LEARNING, "digests/vit.yaml": VIT}


def sample_diagnostics() -> list[Diagnostic]:
    """One of each case the reporters must get right, in the engine's order."""
    url = "https://kb.invalid/rules/{}/"
    diags = [
        # a point span, no card, file only on disk
        Diagnostic(
            "KB101", "yaml-syntax-error", Severity.error, "courses/broken.yaml", 2, 16, 2, 16, None,
            "mapping values are not allowed here", "quote the value: title: \"A course: with a colon\"",
            url.format("KB101"),
        ),
        # an info finding
        Diagnostic(
            "KB401", "not-verified-claim", Severity.info, "digests/vit.yaml", 7, 11, 7, 45, "digest:vit",
            "claim 'params' is marked not verified", None, url.format("KB401"),
        ),
        # a span across several lines, as PyYAML ends a block: column 1 of the next line
        Diagnostic(
            "KB302", "missing-resource-role", Severity.warning, "topics/cnns.yaml", 4, 1, 13, 1, "topic:cnns",
            "topic 'cnns' has no written-explainer resource", None, url.format("KB302"),
        ),
        # a span over several columns, with a hint
        Diagnostic(
            "KB110", "resource-without-url", Severity.warning, "topics/cnns.yaml", 5, 5, 5, 14, "topic:cnns",
            "video resource 'Lecture 5: CNNs' has no url",
            "add the address of the resource itself, not just the site it is on", url.format("KB110"),
        ),
        Diagnostic(
            "KB201", "dangling-reference", Severity.error, "topics/cnns.yaml", 13, 17, 13, 31, "topic:cnns",
            "prerequisite 'linear-algebra' is not a topic", None, url.format("KB201"),
        ),
        # a path with spaces and a comma; a message with %, :, a comma and a newline
        Diagnostic(
            "KB303", "stated-count-mismatch", Severity.error, SPACED_PATH, 5, 11, 5, 42, "topic:deep-learning-1",
            "claim 'top1': the card says 76.1%, the source says 76.13%\nsee the torchvision weights table",
            None, url.format("KB303"),
        ),
    ]
    return diags


def sample_summary(diags: list[Diagnostic]) -> Summary:
    return summarize(diags, files=FILES_CHECKED)


FROZEN_RULES = {
    "KB101": RuleInfo("KB101", "yaml-syntax-error", "A card is not valid YAML.",
                      "Reports the first YAML syntax error in a card file.", "A card is not valid YAML.",
                      Severity.error),
    "KB110": RuleInfo("KB110", "resource-without-url", "A resource has no URL.",
                      "Reports every resource whose url is missing or empty.",
                      "A resource has no URL.\n\n## What it does\nReports every resource whose url is missing.",
                      Severity.warning),
    "KB201": RuleInfo("KB201", "dangling-reference", "A card names an id that no card has.",
                      "Reports prerequisites and related ids that match no card.", "", Severity.error),
    "KB302": RuleInfo("KB302", "missing-resource-role", "A topic lacks a promised resource role.",
                      "Reports each promised role that no resource fills.", "", Severity.warning),
    # KB303 and KB401 are deliberately absent: the reporter must fall back to the diagnostic
}


@pytest.fixture(autouse=True)
def _quiet_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No outside setting may change what a reporter prints."""
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def kb_root(tmp_path: Path) -> Path:
    """A KB root at ``<tmp>/cards`` holding only the file that is not in ``sources``."""
    root = tmp_path / "cards"
    (root / "courses").mkdir(parents=True)
    (root / "courses" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    return root


@pytest.fixture
def frozen_sarif_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the SARIF driver's version and rule texts so golden output does not follow releases."""
    monkeypatch.setattr(sarif, "tool_info", lambda: ("0.0.0-test", "https://kb.invalid/"))
    monkeypatch.setattr(sarif, "rule_catalogue", lambda: dict(FROZEN_RULES))


@pytest.fixture
def golden():
    """Compare text with a golden file (or write it when regenerating)."""

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if UPDATE_GOLDEN:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(actual)
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; create it with KB_UPDATE_GOLDEN=1 and review it")
        with open(path, encoding="utf-8", newline="") as handle:
            expected = handle.read()
        assert actual == expected, f"output differs from {path.name} (KB_UPDATE_GOLDEN=1 regenerates it)"

    return check


@pytest.fixture
def diagnostics() -> list[Diagnostic]:
    return sample_diagnostics()


@pytest.fixture
def summary(diagnostics: list[Diagnostic]) -> Summary:
    return sample_summary(diagnostics)


@pytest.fixture
def sources() -> dict[str, str]:
    return sample_sources()


@pytest.fixture
def spaced_path() -> str:
    return SPACED_PATH
