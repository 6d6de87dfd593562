"""The package surface: format names, dispatch and ``auto``."""

from __future__ import annotations

import json

import pytest

from validators import reporters
from validators.reporters import FORMATS, render, resolve_format


def test_formats():
    assert FORMATS == ("text", "json", "sarif", "github", "junit", "auto")


def test_unknown_format_is_a_value_error(diagnostics, summary, kb_root):
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render("xml", diagnostics, summary, root=kb_root)


@pytest.mark.parametrize(("value", "expected"), [("true", "github"), ("false", "text"), ("1", "text"), (None, "text")])
def test_auto_follows_github_actions(monkeypatch, value, expected, diagnostics, summary, kb_root, sources):
    if value is not None:
        monkeypatch.setenv("GITHUB_ACTIONS", value)
    assert resolve_format("auto") == expected
    auto = render("auto", diagnostics, summary, root=kb_root, sources=sources, color=False)
    assert auto == render(expected, diagnostics, summary, root=kb_root, sources=sources, color=False)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "auto"])
def test_every_format_renders_text_ending_in_a_newline(fmt, diagnostics, summary, kb_root, sources):
    out = render(fmt, diagnostics, summary, root=kb_root, sources=sources, color=False)
    assert out.endswith("\n") and out.strip()


def test_extra_reaches_json_only(diagnostics, summary, kb_root):
    extra = {"claims": [{"id": "c"}]}
    assert json.loads(render("json", diagnostics, summary, root=kb_root, extra=extra))["claims"] == [{"id": "c"}]
    assert "claims" not in json.loads(render("sarif", diagnostics, summary, root=kb_root, extra=extra))


def test_root_may_be_a_string(diagnostics, summary, kb_root):
    assert render("json", diagnostics, summary, root=str(kb_root)) == render("json", diagnostics, summary, root=kb_root)


def test_public_names():
    assert set(reporters.__all__) == {"FORMATS", "render", "resolve_format", "use_color", "write_report"}
