"""The JSON reporter and the atomic report writer.

Golden file: ``golden/report.json`` (regenerate with ``KB_UPDATE_GOLDEN=1``,
see ``conftest.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from validators.diagnostic import Diagnostic, Severity
from validators.engine import Summary
from validators.reporters import render, write_report

DIAGNOSTIC_KEYS = [
    "code", "name", "severity", "path", "line", "col", "end_line", "end_col", "card", "message", "hint", "url",
]


def test_golden(golden, diagnostics, summary, kb_root):
    golden("report.json", render("json", diagnostics, summary, root=kb_root))


def test_shape_and_key_order(diagnostics, summary, kb_root):
    doc = json.loads(render("json", diagnostics, summary, root=kb_root))
    assert list(doc) == ["version", "summary", "diagnostics"]
    assert doc["version"] == 1
    assert doc["summary"] == {"error": 3, "warning": 2, "info": 1, "files": 14}
    assert list(doc["summary"]) == ["error", "warning", "info", "files"]
    assert len(doc["diagnostics"]) == len(diagnostics)
    for entry, d in zip(doc["diagnostics"], diagnostics, strict=True):
        assert list(entry) == DIAGNOSTIC_KEYS
        assert entry["severity"] == d.severity.value
        assert (entry["line"], entry["col"], entry["end_line"], entry["end_col"]) == (
            d.line, d.col, d.end_line, d.end_col,
        )
    hinted = next(e for e in doc["diagnostics"] if e["code"] == "KB110")
    assert hinted["hint"].startswith("add the address")
    assert next(e for e in doc["diagnostics"] if e["code"] == "KB101")["card"] is None


def test_paths_are_relative_to_the_kb_root(kb_root, spaced_path):
    inside = Diagnostic("KB999", "x", Severity.error, str(kb_root / "topics" / "a.yaml"), 1, 1, 1, 1, None, "m")
    relative = Diagnostic("KB999", "x", Severity.error, spaced_path, 1, 1, 1, 1, None, "m")
    doc = json.loads(render("json", [inside, relative], Summary(error=2, files=2), root=kb_root))
    assert [e["path"] for e in doc["diagnostics"]] == ["topics/a.yaml", spaced_path]


def test_extra_keys_follow_the_fixed_ones(diagnostics, summary, kb_root):
    extra = {
        "claims": [{"id": "vit#params", "status": "not-verified"}],
        "links": [],
        "generated_at": "2024-01-01T00:00:00Z",
    }
    doc = json.loads(render("json", diagnostics, summary, root=kb_root, extra=extra))
    assert list(doc) == ["version", "summary", "diagnostics", "claims", "links", "generated_at"]
    assert doc["claims"] == extra["claims"]


@pytest.mark.parametrize("key", ["version", "summary", "diagnostics"])
def test_extra_may_not_replace_fixed_keys(key, diagnostics, summary, kb_root):
    with pytest.raises(ValueError, match=key):
        render("json", diagnostics, summary, root=kb_root, extra={key: 0})


def test_summary_extra_counts_are_kept(kb_root):
    summary = Summary(error=0, warning=0, info=0, files=2, extra={"links_checked": 7})
    doc = json.loads(render("json", [], summary, root=kb_root))
    assert doc["summary"] == {"error": 0, "warning": 0, "info": 0, "files": 2, "links_checked": 7}


def test_text_is_written_as_is(kb_root):
    d = Diagnostic("KB999", "x", Severity.info, "t.yaml", 1, 1, 1, 1, None, "Fréchet — 86,567,656 ≈ 86.6M")
    out = render("json", [d], Summary(info=1, files=1), root=kb_root)
    assert "Fréchet — 86,567,656 ≈ 86.6M" in out
    assert json.loads(out)["diagnostics"][0]["message"] == d.message


# --------------------------------------------------------------------------- write_report


def test_write_report_matches_render_and_creates_folders(tmp_path, diagnostics, summary, kb_root):
    target = tmp_path / "cache" / "deep" / "report.json"
    extra = {"claims": []}
    returned = write_report(target, diagnostics, summary, root=kb_root, extra=extra)
    assert returned == target
    assert target.read_text(encoding="utf-8") == render("json", diagnostics, summary, root=kb_root, extra=extra)
    assert os.listdir(target.parent) == ["report.json"]


def test_write_report_replaces_an_old_report_and_keeps_its_mode(tmp_path, diagnostics, summary, kb_root):
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_report(target, diagnostics, summary, root=kb_root)
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == 1
    assert target.stat().st_mode & 0o777 == 0o640


def test_new_report_is_readable_by_others(tmp_path, summary, kb_root):
    target = write_report(tmp_path / "report.json", [], summary, root=kb_root)
    assert target.stat().st_mode & 0o044 == 0o044


def test_failed_write_leaves_the_old_report_and_no_temp_file(tmp_path, monkeypatch, diagnostics, summary, kb_root):
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_report(target, diagnostics, summary, root=kb_root)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cards", "report.json"]


def test_unserialisable_extra_leaves_the_old_report(tmp_path, diagnostics, summary, kb_root):
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError):
        write_report(target, diagnostics, summary, root=kb_root, extra={"claims": object()})
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cards", "report.json"]


def test_paths_in_extra_are_written_as_posix(tmp_path, summary, kb_root):
    target = write_report(tmp_path / "r.json", [], summary, root=kb_root, extra={"cache": Path("a") / "b"})
    assert json.loads(target.read_text(encoding="utf-8"))["cache"] == "a/b"
