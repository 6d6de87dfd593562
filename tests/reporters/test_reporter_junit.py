"""The JUnit XML reporter, parsed back with ``xml.etree``.

Golden file: ``golden/junit.xml`` (regenerate with ``KB_UPDATE_GOLDEN=1``,
see ``conftest.py``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from validators.diagnostic import Diagnostic, Severity
from validators.engine import Summary, summarize
from validators.reporters import render


def _parse(out: str) -> ET.Element:
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(out.encode("utf-8"))


def _cases(top: ET.Element) -> dict[str, ET.Element]:
    # the path a testcase stands for: its classname (the folder, dotted) and its name (the file)
    return {
        case.get("name") if case.get("classname") == "kb" else f"{case.get('classname').replace('.', '/')}/{case.get('name')}": case
        for case in top.iter("testcase")
    }


def test_golden(golden, diagnostics, summary, kb_root, sources):
    golden("junit.xml", render("junit", diagnostics, summary, root=kb_root, sources=sources))


def test_one_testcase_per_card_file(diagnostics, summary, kb_root, sources, spaced_path):
    top = _parse(render("junit", diagnostics, summary, root=kb_root, sources=sources))
    files = {f"cards/{p}" for p in sources} | {f"cards/{d.path}" for d in diagnostics}
    assert set(_cases(top)) == files
    assert top.tag == "testsuites" and top.get("name") == "kb"
    assert top.get("tests") == str(len(files))


def test_suites_group_by_folder_and_counts_add_up(diagnostics, summary, kb_root, sources):
    top = _parse(render("junit", diagnostics, summary, root=kb_root, sources=sources))
    suites = top.findall("testsuite")
    assert [s.get("name") for s in suites] == ["cards/courses", "cards/digests", "cards/topics"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(c.find("failure") is not None for c in cases))
        assert all(c.get("classname") == suite.get("name").replace("/", ".") for c in cases)
    assert top.get("failures") == str(sum(int(s.get("failures")) for s in suites))


def test_failures_carry_every_error_and_warning(diagnostics, summary, kb_root, sources):
    cases = _cases(_parse(render("junit", diagnostics, summary, root=kb_root, sources=sources)))
    cnns = cases["cards/topics/cnns.yaml"]
    failures = cnns.findall("failure")
    assert len(failures) == 1  # one per testcase: many readers keep only the first
    failure = failures[0]
    assert failure.get("type") == "error"
    assert failure.get("message") == (
        "KB302 missing-resource-role: topic 'cnns' has no written-explainer resource (and 2 more)"
    )
    body = failure.text
    assert "4:1: KB302 [warning]" in body and "5:5: KB110 [warning]" in body and "13:17: KB201 [error]" in body
    assert "  hint: add the address of the resource itself" in body
    assert body.splitlines()[0] == "cards/topics/cnns.yaml: 1 error, 2 warnings"


def test_info_never_fails_and_is_shown_in_system_out(diagnostics, summary, kb_root, sources):
    cases = _cases(_parse(render("junit", diagnostics, summary, root=kb_root, sources=sources)))
    vit = cases["cards/digests/vit.yaml"]
    assert vit.find("failure") is None
    assert "7:11: KB401 [info] claim 'params' is marked not verified" in vit.find("system-out").text


def test_multi_line_message_survives(diagnostics, summary, kb_root, sources, spaced_path):
    cases = _cases(_parse(render("junit", diagnostics, summary, root=kb_root, sources=sources)))
    failure = cases[f"cards/{spaced_path}"].find("failure")
    assert "76.13%\nsee the torchvision weights table" in failure.text
    # the attribute is one line, so dashboards that show it in a table stay readable
    assert "\n" not in failure.get("message")


def test_clean_files_from_sources_pass(kb_root):
    sources = {"topics/a.yaml": "", "topics/b.yaml": ""}
    top = _parse(render("junit", [], Summary(files=2), root=kb_root, sources=sources))
    cases = _cases(top)
    assert set(cases) == {"cards/topics/a.yaml", "cards/topics/b.yaml"}
    assert top.get("failures") == "0"
    assert all(c.find("failure") is None for c in cases.values())


def test_nothing_known_still_reports_one_passing_test(kb_root):
    top = _parse(render("junit", [], Summary(files=0), root=kb_root))
    cases = list(top.iter("testcase"))
    assert len(cases) == 1 and cases[0].get("name") == "all cards"
    assert top.get("tests") == "1" and top.get("failures") == "0"


def test_characters_xml_cannot_hold_do_not_break_the_document(kb_root):
    d = Diagnostic("KB999", "x", Severity.error, "t.yaml", 1, 1, 1, 2, None, "bad \x00 byte & <tag> \x1b[0m")
    top = _parse(render("junit", [d], summarize([d], 1), root=kb_root))
    failure = next(top.iter("failure"))
    assert "bad \\x00 byte & <tag> \\x1b[0m" in failure.text
