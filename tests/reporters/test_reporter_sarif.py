"""The SARIF reporter, validated against the official SARIF 2.1.0 schema.

The schema is vendored as ``tests/fixtures/sarif-schema-2.1.0.json``, taken
unchanged from a package on PyPI (its origin and checksum are in
``tests/fixtures/sarif-schema-2.1.0.source.txt``).  Golden file:
``golden/report.sarif`` (regenerate with ``KB_UPDATE_GOLDEN=1``, see
``conftest.py``); the source root's absolute URI is replaced by ``file:///SRCROOT/``
there so the file does not depend on where the tests run.  The tests run in a
temporary folder outside any git repository, holding ``cards/``: the working
directory is then the source root, so URIs read ``cards/topics/...``.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import jsonschema
import pytest

from validators.diagnostic import Diagnostic, Severity
from validators.engine import summarize
from validators.registry import all_rules
from validators.reporters import render

SCHEMA_PATH = Path(__file__).parent.parent / "fixtures" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
FINGERPRINT = "kbFingerprint/v1"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft4Validator  # the official schema is draft-04
    cls.check_schema(schema)
    return cls(schema)


def _log(diagnostics, summary, root) -> dict:
    return json.loads(render("sarif", diagnostics, summary, root=root))


def test_vendored_schema_is_the_recorded_one():
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_golden(golden, frozen_sarif_tool, diagnostics, summary, kb_root):
    out = render("sarif", diagnostics, summary, root=kb_root)
    golden("report.sarif", out.replace(kb_root.parent.absolute().as_uri() + "/", "file:///SRCROOT/"))


def test_valid_against_the_official_schema(validator, diagnostics, summary, kb_root):
    log = _log(diagnostics, summary, kb_root)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_empty_run_is_valid(validator, kb_root):
    log = _log([], summarize([], files=3), kb_root)
    validator.validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []


@pytest.mark.parametrize(
    "breakage",
    [
        lambda log: log["runs"][0]["results"][0].pop("message"),
        lambda log: log["runs"][0]["results"][0].__setitem__("level", "info"),
        lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].__setitem__(
            "startLine", 0
        ),
        lambda log: log.__setitem__("version", "2.0.0"),
    ],
)
def test_schema_rejects_broken_logs(validator, breakage, diagnostics, summary, kb_root):
    """The validator really enforces the schema, so the test above can fail."""
    log = copy.deepcopy(_log(diagnostics, summary, kb_root))
    breakage(log)
    assert list(validator.iter_errors(log))


def test_driver_and_rules(frozen_sarif_tool, diagnostics, summary, kb_root):
    log = _log(diagnostics, summary, kb_root)
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "kb"
    assert driver["version"] == "0.0.0-test"
    assert driver["informationUri"] == "https://kb.invalid/"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted({d.code for d in diagnostics})
    for rule in driver["rules"]:
        assert set(rule) >= {"id", "name", "shortDescription", "fullDescription", "helpUri", "defaultConfiguration"}
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    by_id = {r["id"]: r for r in driver["rules"]}
    assert by_id["KB110"]["shortDescription"]["text"] == "A resource has no URL."
    assert by_id["KB110"]["helpUri"] == "https://kb.invalid/rules/KB110/"
    # a rule missing from the catalogue still gets a usable descriptor from its diagnostic
    assert by_id["KB401"]["name"] == "not-verified-claim"
    assert by_id["KB401"]["defaultConfiguration"]["level"] == "note"


def test_results_point_at_their_rules_and_regions(diagnostics, summary, kb_root):
    log = _log(diagnostics, summary, kb_root)
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert len(run["results"]) == len(diagnostics)
    levels = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}
    for result, d in zip(run["results"], diagnostics, strict=True):
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == d.code
        assert result["level"] == levels[d.severity]
        assert result["message"]["text"].startswith(d.message)
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["region"] == {
            "startLine": d.line, "startColumn": d.col, "endLine": d.end_line, "endColumn": d.end_col,
        }


def test_uris_are_relative_encoded_and_resolve_under_the_root(diagnostics, summary, kb_root, spaced_path):
    log = _log(diagnostics, summary, kb_root)
    run = log["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file://") and base.endswith("/")
    for result, d in zip(run["results"], diagnostics, strict=True):
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert " " not in uri and not urlsplit(uri).scheme and not uri.startswith("/")
        resolved = Path(unquote(urlsplit(urljoin(base, uri)).path))
        assert resolved == kb_root.absolute() / d.path
    spaced = next(r for r in run["results"] if r["ruleId"] == "KB303")
    spaced_uri = spaced["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert spaced_uri == "cards/topics/deep%20learning,%20part%201.yaml"


def _fingerprints(diags, root) -> list[str]:
    log = _log(diags, summarize(diags, files=1), root)
    return [r["partialFingerprints"][FINGERPRINT] for r in log["runs"][0]["results"]]


def test_fingerprints_survive_lines_moving(diagnostics, kb_root):
    moved = [dataclasses.replace(d, line=d.line + 7, end_line=d.end_line + 7, col=d.col + 2) for d in diagnostics]
    before, after = _fingerprints(diagnostics, kb_root), _fingerprints(moved, kb_root)
    assert before == after
    assert len(set(before)) == len(before)


def test_fingerprints_ignore_positions_quoted_in_messages(kb_root):
    first = Diagnostic("KB203", "duplicate-id", Severity.error, "t.yaml", 3, 1, 3, 5, "topic:a",
                       "id 'a' is also defined at line 12 of u.yaml")
    moved = dataclasses.replace(first, message="id 'a' is also defined at line 40 of  u.yaml")
    assert _fingerprints([first], kb_root) == _fingerprints([moved], kb_root)


@pytest.mark.parametrize(
    "change",
    [{"code": "KB204"}, {"path": "u.yaml"}, {"card": "topic:b"}, {"message": "id 'b' is duplicated"}],
)
def test_fingerprints_change_with_what_the_finding_is(change, kb_root):
    first = Diagnostic("KB203", "duplicate-id", Severity.error, "t.yaml", 3, 1, 3, 5, "topic:a", "id 'a' is duplicated")
    assert _fingerprints([first], kb_root) != _fingerprints([dataclasses.replace(first, **change)], kb_root)


def test_identical_findings_get_distinct_fingerprints(kb_root):
    d = Diagnostic("KB204", "duplicate-url", Severity.warning, "t.yaml", 3, 1, 3, 5, "topic:a", "url used twice")
    prints = _fingerprints([d, dataclasses.replace(d, line=9, end_line=9)], kb_root)
    assert prints[1] == prints[0] + ":2"


def test_rule_metadata_comes_from_the_registry(validator, kb_root):
    rules = all_rules()
    codes = sorted(rules)[:3]
    diags = [
        Diagnostic(code, rules[code].name, Severity.info, "t.yaml", 1, 1, 1, 2, None, "m", url=f"https://kb.invalid/rules/{code}/")
        for code in codes
    ]
    log = _log(diags, summarize(diags, files=1), kb_root)
    validator.validate(log)
    for descriptor in log["runs"][0]["tool"]["driver"]["rules"]:
        rule = rules[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary()
        assert "## What it does" in descriptor["help"]["markdown"]
        expected = {"error": "error", "warning": "warning", "info": "note"}[rule.severity.value]
        assert descriptor["defaultConfiguration"]["level"] == expected


def test_no_help_uri_without_a_docs_url(kb_root):
    d = Diagnostic("KB999", "made-up", Severity.warning, "t.yaml", 1, 1, 1, 2, None, "m", url=None)
    rule = _log([d], summarize([d], files=1), kb_root)["runs"][0]["tool"]["driver"]["rules"][0]
    assert "helpUri" not in rule
