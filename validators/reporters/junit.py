"""JUnit XML, for CI test dashboards.

Mapping, chosen so that dashboards show one row per card and group the rows
the way the cards are laid out:

* ``<testsuites name="kb">`` holds one ``<testsuite>`` per folder of cards
  (``cards/topics``, ``cards/digests``...), named by the folder's path;
* each card file is one ``<testcase>``: ``name`` is the file name and
  ``classname`` the folder with dots (``cards.topics``), which Jenkins and
  GitLab show as package and class; the failure text starts with the path;
* a file with errors or warnings fails with exactly one ``<failure>``
  (several failures in one testcase are dropped by many readers): its
  ``type`` is the worst severity, its ``message`` the first finding plus how
  many more, and its text every error and warning with ``line:col``, code,
  severity, message and hint;
* ``info`` findings never fail a testcase; they are listed in the
  testcase's ``<system-out>``.

The document is valid against the Jenkins xUnit plugin's ``junit-10.xsd``
(which that plugin applies before reading a report, skipping any that fail),
so it carries only the attributes that schema allows: no ``file`` on
``<testcase>`` and no ``skipped`` on ``<testsuites>``.

Files with no findings appear as passing testcases when their text is among
the ``sources`` handed to the reporter (the CLI passes every loaded card), so
the dashboard counts every card checked.  With no file known at all, a single
passing testcase ``all cards`` stands in, so that a clean run does not read
as "no tests".  Times are ``0``: the linter does not time single files, and a
fixed value keeps reports reproducible.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from validators.diagnostic import Diagnostic, Severity
from validators.reporters._common import display_path, escape_controls, plural, worst

if TYPE_CHECKING:
    from validators.engine import Summary

# characters XML 1.0 cannot carry at all, even escaped
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", escape_controls(text))


def _finding_text(d: Diagnostic) -> str:
    lines = [f"{d.line}:{d.col}: {d.code} [{d.severity.value}] {d.message}"]
    if d.hint:
        lines.append(f"  hint: {d.hint}")
    return "\n".join(lines)


def _failure_message(failing: list[Diagnostic]) -> str:
    first = failing[0]
    message = " ".join(first.message.split())
    more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
    return f"{first.code} {first.name}: {message}{more}"


def _counts(diags: list[Diagnostic]) -> str:
    errors = sum(d.severity is Severity.error for d in diags)
    warnings = sum(d.severity is Severity.warning for d in diags)
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def _testcase(shown: str, diags: list[Diagnostic]) -> tuple[ET.Element, bool]:
    path = PurePosixPath(shown)
    folder = path.parent.as_posix()
    case = ET.Element(
        "testcase",
        {
            "classname": "kb" if folder == "." else _xml_text(folder.replace("/", ".")),
            "name": _xml_text(path.name),
            "time": "0",
        },
    )
    failing = [d for d in diags if d.severity is not Severity.info]
    if failing:
        failure = ET.SubElement(
            case, "failure", {"type": worst(failing).value, "message": _xml_text(_failure_message(failing))}
        )
        failure.text = _xml_text(f"{shown}: {_counts(failing)}\n" + "\n".join(_finding_text(d) for d in failing))
    info = [d for d in diags if d.severity is Severity.info]
    if info:
        ET.SubElement(case, "system-out").text = _xml_text("\n".join(_finding_text(d) for d in info))
    return case, bool(failing)


def render(
    diagnostics: list[Diagnostic], summary: Summary, *, root: Path, sources: dict[str, str] | None = None
) -> str:
    by_file: dict[str, list[Diagnostic]] = {display_path(rel, root): [] for rel in sources or {}}
    for d in diagnostics:
        by_file.setdefault(display_path(d.path, root), []).append(d)

    suites_by_folder: dict[str, list[tuple[ET.Element, bool]]] = defaultdict(list)
    for shown in sorted(by_file):
        folder = PurePosixPath(shown).parent.as_posix()
        suites_by_folder[folder].append(_testcase(shown, sorted(by_file[shown], key=Diagnostic.sort_key)))
    if not suites_by_folder:
        placeholder = ET.Element("testcase", {"classname": "kb", "name": "all cards", "time": "0"})
        suites_by_folder["kb"].append((placeholder, False))

    top = ET.Element("testsuites", {"name": "kb"})
    total = failed = 0
    for folder in sorted(suites_by_folder):
        cases = suites_by_folder[folder]
        n_failed = sum(f for _, f in cases)
        suite = ET.SubElement(
            top,
            "testsuite",
            {
                "name": _xml_text(folder) if folder != "." else "kb",
                "tests": str(len(cases)),
                "failures": str(n_failed),
                "errors": "0",
                "skipped": "0",
                "time": "0",
            },
        )
        suite.extend(case for case, _ in cases)
        total += len(cases)
        failed += n_failed
    top.attrib.update({"tests": str(total), "failures": str(failed), "errors": "0", "time": "0"})
    ET.indent(top, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(top, encoding="unicode") + "\n"
