"""The GitHub Actions reporter: workflow commands and their escaping.

Golden file: ``golden/github.txt`` (regenerate with ``KB_UPDATE_GOLDEN=1``,
see ``conftest.py``).  The tests also parse the commands back the way the
Actions runner does, so escaping is checked by round trip, not by eye.
"""

from __future__ import annotations

import re

import pytest

from validators.diagnostic import Diagnostic, Severity
from validators.engine import summarize
from validators.reporters import render
from validators.reporters.github import escape_data, escape_property

COMMAND = re.compile(r"^::(?P<cmd>error|warning|notice) (?P<props>[^:]*)::(?P<msg>.*)$")


def _unescape(value: str) -> str:
    # the runner's order: %25 last, so an escaped "%3A" written as "%253A" stays literal
    for code, ch in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(code, ch)
    return value


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, f"not a workflow command: {line!r}"
    props = dict(item.split("=", 1) for item in match["props"].split(","))
    return match["cmd"], {k: _unescape(v) for k, v in props.items()}, _unescape(match["msg"])


def _commands(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("::")]


def test_golden(golden, monkeypatch, tmp_path, diagnostics, summary, kb_root):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    golden("github.txt", render("github", diagnostics, summary, root=kb_root))


def test_one_command_per_diagnostic_then_the_summary(diagnostics, summary, kb_root):
    out = render("github", diagnostics, summary, root=kb_root)
    lines = out.splitlines()
    assert len(_commands(out)) == len(diagnostics) == len(lines) - 1
    assert lines[-1] == "3 errors, 2 warnings, 1 info in 14 files"


def test_round_trip_of_every_field(monkeypatch, tmp_path, diagnostics, summary, kb_root):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    out = render("github", diagnostics, summary, root=kb_root)
    expected_cmd = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}
    for line, d in zip(_commands(out), diagnostics, strict=True):
        cmd, props, message = parse(line)
        assert cmd == expected_cmd[d.severity]
        assert props["file"] == f"cards/{d.path}"
        assert props["title"] == f"{d.code} {d.name}"
        assert props["line"] == str(d.line) and props["endLine"] == str(d.end_line)
        assert message == (d.message if not d.hint else f"{d.message}\nhint: {d.hint}")


def test_special_characters_are_escaped(diagnostics, summary, kb_root, spaced_path):
    out = render("github", diagnostics, summary, root=kb_root)
    line = next(line for line in _commands(out) if "KB303" in line)
    assert "\n" not in line and "\r" not in line
    assert "file=cards/topics/deep learning%2C part 1.yaml," in line
    # in the message only %, CR and LF are escaped; ":" and "," stay as written
    message = "claim 'top1': the card says 76.1%25, the source says 76.13%25%0Asee the torchvision weights table"
    assert line.endswith("::" + message)


def test_escape_functions():
    assert escape_data("50% a:b,c\r\nd") == "50%25 a:b,c%0D%0Ad"
    assert escape_property("50% a:b,c\r\nd") == "50%25 a%3Ab%2Cc%0D%0Ad"
    # "%" first, or an escape sequence already present would be double-read
    assert escape_property("%3A") == "%253A"
    assert _unescape(escape_property("%3A, 100%")) == "%3A, 100%"


def test_columns_only_for_single_line_spans(diagnostics, summary, kb_root):
    out = render("github", diagnostics, summary, root=kb_root)
    for line, d in zip(_commands(out), diagnostics, strict=True):
        _, props, _ = parse(line)
        if d.line == d.end_line:
            assert props["col"] == str(d.col)
            assert int(props["endColumn"]) >= int(props["col"])
        else:
            assert "col" not in props and "endColumn" not in props


def test_end_column_never_before_start(kb_root):
    d = Diagnostic("KB999", "x", Severity.error, "t.yaml", 4, 9, 4, 3, None, "m")
    _, props, _ = parse(_commands(render("github", [d], summarize([d], 1), root=kb_root))[0])
    assert props["col"] == "9" and props["endColumn"] == "9"


@pytest.mark.parametrize(
    ("workspace", "expected"),
    [
        ("tmp", "cards/topics/cnns.yaml"),  # the checkout holds the KB root
        ("cards", "topics/cnns.yaml"),  # the KB root is the checkout
        ("elsewhere", "topics/cnns.yaml"),  # unrelated: KB-relative is the best there is
    ],
)
def test_files_are_named_relative_to_the_workspace(monkeypatch, tmp_path, kb_root, workspace, expected):
    where = {"tmp": tmp_path, "cards": kb_root, "elsewhere": tmp_path / "other"}[workspace]
    monkeypatch.setenv("GITHUB_WORKSPACE", str(where))
    d = Diagnostic("KB999", "x", Severity.warning, "topics/cnns.yaml", 1, 1, 1, 2, None, "m")
    _, props, _ = parse(_commands(render("github", [d], summarize([d], 1), root=kb_root))[0])
    assert props["file"] == expected


def test_working_directory_is_the_fallback_workspace(monkeypatch, kb_root):
    monkeypatch.chdir(kb_root)
    d = Diagnostic("KB999", "x", Severity.warning, "topics/cnns.yaml", 1, 1, 1, 2, None, "m")
    _, props, _ = parse(_commands(render("github", [d], summarize([d], 1), root=kb_root))[0])
    assert props["file"] == "topics/cnns.yaml"
