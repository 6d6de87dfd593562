"""The typed machine report and the project object.

The report is what ``kb check`` writes and the site reads: it must validate
against its own exported JSON Schema, carry the claims ledger whichever way
it is written, and be read back without a traceback whatever is on disk.
The project object is how the command line and the MkDocs plugin agree on
paths and limits.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import pytest

from kb.project import Project, ProjectError
from kb.report import REPORT_VERSION, FactResultEntry, Report, ReportError, Summary, load_report, report_json_schema
from tests.test_cli import REPO, assert_no_traceback, cards_root, kb

TOPIC = "id: {id}\ntitle: {title}\nlevel: beginner\nsummary: A topic. It has 86,567,656 parameters [NOT VERIFIED].\n"


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[Path, Path, dict]:
    """`kb check` (offline stages only) on the committed cards: the report file and its stdout twin."""
    tmp = tmp_path_factory.mktemp("check")
    report = tmp / "report.json"
    proc = kb("check", "cards", "--no-links", "--no-facts", "--report", str(report), "--format", "json", "-q",
              "--cache-dir", str(tmp / "cache"))
    assert_no_traceback(proc)
    assert proc.returncode in (0, 1), proc.stderr
    return tmp, report, json.loads(proc.stdout)


def test_check_report_validates_against_the_exported_schema(checked):
    jsonschema = pytest.importorskip("jsonschema")
    _tmp, report, _stdout = checked
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.loads(report.read_text())
    jsonschema.validate(doc, schema)
    assert doc["version"] == REPORT_VERSION
    assert list(doc)[:3] == ["version", "summary", "diagnostics"]
    doc["diagnostics"][0]["line"] = "one"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_committed_report_schema_is_current():
    committed = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    assert committed == report_json_schema(), "schemas/report.schema.json is stale: run 'make schemas'"


def test_every_report_property_is_described():
    schema = report_json_schema()
    models = [("Report", schema), *schema["$defs"].items()]
    undescribed = [f"{name}.{key}" for name, model in models for key, prop in model.get("properties", {}).items()
                   if not prop.get("description")]
    assert not undescribed


def test_report_has_claims_on_stdout_and_in_output_file(checked):
    tmp, report, stdout = checked
    assert stdout["claims"], "the json format of kb check carries the claims ledger"
    out = tmp / "o.json"
    proc = kb("check", "cards", "--no-links", "--no-facts", "--report", str(tmp / "r2.json"), "--format", "json",
              "-o", str(out), "-q", "--cache-dir", str(tmp / "cache"))
    assert proc.returncode in (0, 1), proc.stderr
    written = json.loads(out.read_text())
    assert [c["uid"] for c in written["claims"]] == [c["uid"] for c in stdout["claims"]]
    on_disk = json.loads(report.read_text())
    for doc in (written, on_disk):
        assert doc["diagnostics"] == stdout["diagnostics"]
        assert doc["claims"] == stdout["claims"]


def test_report_round_trips_through_the_model(checked):
    _tmp, report, _stdout = checked
    model = load_report(report)
    assert isinstance(model, Report)
    assert model.claims and model.run is not None and model.run.stages == ["offline"]
    assert json.loads(model.to_json()) == json.loads(report.read_text())
    marker = next(c for c in model.claims if c.origin == "marker")
    assert marker.status == "not-verified" and marker.uid.split("#")[1].startswith("nv-")


def test_lint_json_is_a_report_too(tmp_path):
    root = cards_root(tmp_path, {"topics/a.yaml": TOPIC.format(id="a", title="A")})
    proc = kb("lint", str(root), "--format", "json")
    model = Report.model_validate_json(proc.stdout)
    assert model.claims is None and model.links is None and model.summary.files == 1


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"{\"version\": 1, \"summary\": {", "invalid JSON at line 1"),
        (b"\xff\xfe not text", "not UTF-8"),
        (b"[1, 2]", "expected a JSON object"),
        (b"{\"version\": 7, \"summary\": {}, \"diagnostics\": []}", "newer kb"),
        (b"{\"version\": 0, \"summary\": {}, \"diagnostics\": []}", "run 'kb check' again"),
        (b"{\"summary\": {}, \"diagnostics\": []}", "version None is not supported"),
        (b"{\"version\": 1, \"diagnostics\": [{\"code\": \"KB101\"}]}", "diagnostics[0].name: Field required"),
        (b"{\"version\": 1, \"claims\": [{\"uid\": 3}]}", "claims[0].uid: Input should be a valid string"),
    ],
)
def test_unusable_reports_are_one_clear_error(tmp_path, content, fragment):
    path = tmp_path / "report.json"
    path.write_bytes(content)
    with pytest.raises(ReportError) as err:
        load_report(path)
    message = str(err.value)
    assert fragment in message and str(path) in message and "\n" not in message


def test_keys_added_later_are_ignored(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"version": 1, "summary": {"files": 2}, "diagnostics": [], "added_later": {"x": 1},
                                "links": {"offline": True, "new_count": 3}}))
    model = load_report(path)
    assert model is not None and model.links is not None and model.links.offline
    assert "added_later" not in model.to_dict()


def test_no_report_is_a_state_not_an_error(tmp_path):
    assert load_report(tmp_path / "missing.json") is None
    assert load_report(None) is None
    with pytest.raises(ReportError, match="is a folder"):
        load_report(tmp_path)


def test_report_write_is_readable_and_makes_its_folder(tmp_path):
    target = tmp_path / "deep" / "report.json"
    Report().write(target)
    assert load_report(target) == Report()
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_a_report_write_that_fails_part_way_leaves_the_old_report(tmp_path, monkeypatch):
    """The disk fills up after the new text is written but before it is safe: the old report stands, whole."""
    import errno
    import os

    target = tmp_path / "report.json"
    old = Report(summary=Summary(files=3, error=1))
    old.write(target)
    before = target.read_bytes()

    def disk_full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        Report(summary=Summary(files=4000)).write(target)
    assert target.read_bytes() == before and load_report(target) == old
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind


def test_text_that_cannot_be_written_leaves_the_old_file(tmp_path):
    from kb.report import write_text_atomic

    target = tmp_path / "report.json"
    write_text_atomic(target, "old\n")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "x" * 100_000 + "\ud800")  # fails after most of the text went out
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_fact_results_are_typed_field_by_field():
    """Every field of the fact stage's result has a typed place in the report (and nothing else does)."""
    from validators.facts import FactResult

    assert {f.name for f in dataclasses.fields(FactResult)} == set(FactResultEntry.model_fields)


def test_rule_context_names_the_stage_result_classes():
    from validators.claims.ledger import LedgerEntry
    from validators.context import RuleContext
    from validators.facts import FactReport
    from validators.links import LinkReport

    import validators.context as context_module

    hints = typing.get_type_hints(RuleContext, {**vars(context_module), "LinkReport": LinkReport,
                                                "FactReport": FactReport, "LedgerEntry": LedgerEntry})
    assert hints["links"] == LinkReport | None
    assert hints["facts"] == FactReport | None


def test_the_core_reads_reports_without_the_validators(tmp_path):
    """The site and other readers use kb.report and kb.project alone: the core never imports validators."""
    import subprocess
    import sys

    report = tmp_path / "r.json"
    Report().write(report)
    script = ("import sys; from kb.report import load_report; from kb.project import Project; "
              f"assert load_report({str(report)!r}) is not None; "
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('validators', 'torch', 'httpx', 'mkdocs')))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                          env={"PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the project object


def test_project_resolves_paths_in_order(tmp_path):
    root = cards_root(tmp_path, {"topics/a.yaml": TOPIC.format(id="a", title="A")})
    plain = Project.discover(root, cwd=tmp_path, environ={})
    assert plain.cards_root == root.resolve()
    assert plain.cache_dir == root.resolve().parent / ".kb-cache"
    assert plain.report_path == plain.cache_dir / "report.json"

    from_env = Project.discover(root, cwd=tmp_path, environ={"KB_CACHE_DIR": "envcache"})
    assert from_env.cache_dir == tmp_path / "envcache"

    (tmp_path / "kb.toml").write_text('cache_dir = "c"\nreport = "out/r.json"\nmax_file_bytes = 4096\n')
    configured = Project.discover(root, cwd=tmp_path, environ={"KB_CACHE_DIR": "envcache"})
    assert configured.cache_dir == tmp_path / "envcache"  # the environment beats the file
    assert configured.report_path == tmp_path / "out" / "r.json"
    assert configured.max_file_bytes == 4096
    assert Project.discover(root, cwd=tmp_path, environ={}).cache_dir == tmp_path / "c"
    given = Project.discover(root, cwd=tmp_path, environ={}, cache_dir="x", report="y.json")
    assert (given.cache_dir, given.report_path) == (tmp_path / "x", tmp_path / "y.json")

    # no folder given: [tool.kb] cards beside the config file
    (tmp_path / "kb.toml").write_text('cards = "cards"\n')
    sub = tmp_path / "elsewhere"
    sub.mkdir()
    assert Project.discover(cwd=tmp_path, environ={}).cards_root == root.resolve()


def test_project_errors_are_one_line(tmp_path):
    with pytest.raises(ProjectError, match="no such folder"):
        Project.discover(tmp_path / "nope", cwd=tmp_path, environ={})
    with pytest.raises(ProjectError, match="is not a cards root"):
        Project.discover(tmp_path, cwd=tmp_path, environ={})


def test_the_site_plugin_loads_cards_with_the_configured_limits(tmp_path, monkeypatch):
    """The plugin and `kb lint` read the same project: a card over max_file_bytes is KB101 in both."""
    monkeypatch.delenv("KB_CACHE_DIR", raising=False)
    from mkdocs.config import load_config

    from kb.mkdocs_plugin import KbPlugin

    root = cards_root(tmp_path, {"topics/a.yaml": TOPIC.format(id="a", title="A" * 400)})
    (tmp_path / "kb.toml").write_text("max_file_bytes = 256\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: t\ndocs_dir: docs\n")
    plugin = KbPlugin()
    plugin.load_config({"cards": "cards"})
    plugin.on_config(load_config(str(tmp_path / "mkdocs.yml")))
    assert plugin.project == Project.discover(root, cwd=tmp_path, environ={})
    site_kb = plugin.project.load_kb()
    assert [p.code for p in site_kb.problems] == ["KB101"] and not site_kb.topics

    lint = kb("lint", str(root), "--format", "json")
    assert [d["code"] for d in json.loads(lint.stdout)["diagnostics"]] == ["KB101"]
