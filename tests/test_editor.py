"""The YAML language server, as an editor runs it, agrees with kb about a card.

Drives ``yaml-language-server --stdio`` (npm, installed by ``npm ci``) through
``scripts/editor_check.py``: ``level: expert`` is flagged, an unknown check
``kind`` is reported against all eight kinds, hovering ``level`` and
``emphasis`` shows their descriptions (once), and completing ``level:``
offers every level and rising range.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "editor_check.py"


def _load():
    spec = importlib.util.spec_from_file_location("editor_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


editor_check = _load()


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    if shutil.which("node") is None or not editor_check.SERVER.exists():
        pytest.skip("yaml-language-server is not installed (npm ci)")
    return editor_check.run(tmp_path_factory.mktemp("editor"))


def test_the_editor_flags_what_kb_flags(found):
    assert editor_check.problems(found) == []
    level = next(d for d in found["diagnostics"] if d["line"] == 4)
    assert "beginner/intermediate" in level["message"]


def test_hovers_show_the_descriptions(found):
    assert "rising range" in found["hovers"]["level"]
    assert found["hovers"]["level"].count("Who it suits") == 1
    assert found["hovers"]["level"].startswith("#### Level\n") and "||" not in found["hovers"]["level"]
    assert found["hovers"]["emphasis"].startswith("#### Emphasis\n")
    assert "What this course stresses" in found["hovers"]["emphasis"]


def test_the_checks_can_fail():
    """problems() really reports a silent editor, so the first test can fail."""
    silent = {"diagnostics": [], "hovers": {"level": "", "emphasis": "#### A || A"}, "level_completions": ["null"]}
    assert len(editor_check.problems(silent)) >= 4
