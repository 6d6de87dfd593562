"""JUnit XML as CI dashboards read it.

* The Jenkins xUnit plugin validates each report against its ``junit-10.xsd``
  and skips a report that fails; the schema is vendored as
  ``tests/fixtures/junit-10.xsd`` (source, commit and MIT licence in
  ``tests/fixtures/junit-10.source.txt``) and applied with ``xmlschema``.
* ``junitparser`` reads the report back: suites, cases, failures and counts
  must be what kb found.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from validators.reporters import render

REPO = Path(__file__).resolve().parents[2]
XSD = REPO / "tests" / "fixtures" / "junit-10.xsd"
XSD_SHA256 = "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6"

xmlschema = pytest.importorskip("xmlschema")
junitparser = pytest.importorskip("junitparser")


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(XSD))


def _errors(schema, text: str) -> list[str]:
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(text)]


def test_vendored_schema_is_the_recorded_one() -> None:
    assert hashlib.sha256(XSD.read_bytes()).hexdigest() == XSD_SHA256


def test_sample_report_is_valid(schema, diagnostics, summary, kb_root, sources) -> None:
    out = render("junit", diagnostics, summary, root=kb_root, sources=sources)
    assert _errors(schema, out) == []


def test_schema_refuses_what_the_plugin_refuses(schema, diagnostics, summary, kb_root, sources) -> None:
    """The attributes the report used to carry fail the schema, so the test above can fail."""
    top = ET.fromstring(render("junit", diagnostics, summary, root=kb_root, sources=sources))
    top.set("skipped", "0")
    assert _errors(schema, ET.tostring(top, encoding="unicode"))
    top = ET.fromstring(render("junit", diagnostics, summary, root=kb_root, sources=sources))
    next(top.iter("testcase")).set("file", "cards/topics/cnns.yaml")
    assert _errors(schema, ET.tostring(top, encoding="unicode"))


def test_empty_run_is_valid(schema, kb_root) -> None:
    from validators.engine import summarize

    assert _errors(schema, render("junit", [], summarize([], files=0), root=kb_root)) == []


def test_junitparser_reads_back_what_kb_found(diagnostics, summary, kb_root, sources, tmp_path) -> None:
    path = tmp_path / "kb.xml"
    path.write_text(render("junit", diagnostics, summary, root=kb_root, sources=sources), encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert [s.name for s in suites] == ["cards/courses", "cards/digests", "cards/topics"]
    failing_files = {d.path for d in diagnostics if d.severity.value != "info"}
    cases = [(s.name, case) for s in suites for case in s]
    assert len(cases) == len({*sources, *(d.path for d in diagnostics)})
    failed = {f"{suite.removeprefix('cards/')}/{case.name}" for suite, case in cases if not case.is_passed}
    assert failed == failing_files
    assert sum(s.failures for s in suites) == len(failing_files)
    for _, case in cases:
        for result in case.result:
            assert result.message and result.type in ("error", "warning")


def test_committed_cards_report_is_valid_and_readable(schema, tmp_path) -> None:
    out = tmp_path / "kb.xml"
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "kb", "lint", "cards", "--format", "junit", "-o", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    text = out.read_text(encoding="utf-8")
    assert _errors(schema, text) == []
    xml = junitparser.JUnitXml.fromfile(str(out))
    assert sum(1 for suite in xml for _ in suite) == len(list((REPO / "cards").rglob("*.yaml")))
