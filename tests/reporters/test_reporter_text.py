"""The text reporter: located lines, code frames, hints, colour and the summary.

Golden files: ``golden/text.txt`` and ``golden/text-color.txt``
(regenerate with ``KB_UPDATE_GOLDEN=1``, see ``conftest.py``).
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from validators.diagnostic import Diagnostic, Severity
from validators.engine import Summary, summarize
from validators.reporters import render, use_color
from validators.reporters.text import code_frame

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _diag(line: int, col: int, end_line: int, end_col: int, message: str = "m", **kw) -> Diagnostic:
    return Diagnostic(
        kw.pop("code", "KB999"), "x", kw.pop("severity", Severity.error), kw.pop("path", "t.yaml"),
        line, col, end_line, end_col, None, message, **kw,
    )


def test_golden_plain(golden, diagnostics, summary, kb_root, sources):
    out = render("text", diagnostics, summary, root=kb_root, sources=sources, color=False, show_info=True)
    assert "\x1b[" not in out
    golden("text.txt", out)


def test_golden_colour(golden, diagnostics, summary, kb_root, sources):
    out = render("text", diagnostics, summary, root=kb_root, sources=sources, color=True, show_info=True)
    golden("text-color.txt", out)


def test_colour_only_adds_escapes(diagnostics, summary, kb_root, sources):
    plain = render("text", diagnostics, summary, root=kb_root, sources=sources, color=False)
    coloured = render("text", diagnostics, summary, root=kb_root, sources=sources, color=True)
    assert coloured != plain
    assert ANSI.sub("", coloured) == plain


def test_header_line_format(diagnostics, summary, kb_root, sources):
    out = render("text", diagnostics, summary, root=kb_root, sources=sources, color=False, show_info=True)
    # paths are shown relative to the working directory (the KB root's parent here)
    assert "cards/topics/cnns.yaml:5:5: KB110 [warning] video resource 'Lecture 5: CNNs' has no url\n" in out
    assert "cards/digests/vit.yaml:7:11: KB401 [info] claim 'params' is marked not verified\n" in out
    assert "  hint: add the address of the resource itself, not just the site it is on\n" in out


def test_summary_line_counts_and_plurals(diagnostics, summary, kb_root, sources):
    out = render("text", diagnostics, summary, root=kb_root, sources=sources, color=False)
    assert out.endswith("\n3 errors, 2 warnings, 1 info in 14 files\n")
    one = [_diag(1, 1, 1, 1, severity=s) for s in Severity]
    out = render("text", one, summarize(one, files=1), root=kb_root, sources={"t.yaml": "a: 1\n"}, color=False)
    assert out.endswith("\n1 error, 1 warning, 1 info in 1 file\n")


def test_info_findings_are_summarised_one_line_per_code(kb_root):
    info = [_diag(n, 1, n, 3, code="KB402", severity=Severity.info, path=f"{n % 2}.yaml") for n in range(1, 6)]
    info += [_diag(2, 1, 2, 3, code="KB304", severity=Severity.info)]
    warning = _diag(3, 1, 3, 2, severity=Severity.warning, message="a real problem")
    diags = [*info, warning]
    sources = {"0.yaml": "a\nb\nc\nd\ne\n", "1.yaml": "a\nb\nc\nd\ne\n", "t.yaml": "a\nb\nc\n"}
    out = render("text", diags, summarize(diags, files=3), root=kb_root, sources=sources, color=False)
    assert "KB402 [info] x: 5 findings in 2 files\n" in out
    assert "KB304 [info] x: 1 finding in 1 file\n" in out
    assert "[info] m" not in out  # no info finding is listed on its own
    assert "KB999 [warning] a real problem" in out  # errors and warnings are listed in full
    assert out.endswith("\n1 warning, 6 info in 3 files\n".replace("1 warning", "0 errors, 1 warning"))
    full = render("text", diags, summarize(diags, files=3), root=kb_root, sources=sources, color=False, show_info=True)
    assert full.count("[info] m") == 6 and "findings in" not in full


def test_clean_run_prints_only_the_summary(kb_root):
    out = render("text", [], Summary(files=3), root=kb_root, color=False)
    assert out == "0 errors, 0 warnings, 0 info in 3 files\n"


def test_frame_read_from_disk_when_sources_lack_the_file(diagnostics, summary, kb_root):
    out = render("text", diagnostics[:1], summary, root=kb_root, sources=None, color=False)
    assert "> 2 | title: A course: with a colon\n" in out
    caret_line = next(line for line in out.splitlines() if line.endswith("^"))
    # the caret sits under the second colon (column 16)
    assert caret_line.index("^") - caret_line.index("|") - 2 == 15


def test_missing_file_gives_no_frame_and_no_error(kb_root):
    d = _diag(3, 1, 3, 4, path="topics/gone.yaml")
    out = render("text", [d], summarize([d], 1), root=kb_root, color=False)
    assert out.splitlines()[0] == "cards/topics/gone.yaml:3:1: KB999 [error] m"
    assert "|" not in out


def test_underline_covers_the_span_columns():
    lines = ["key: value", "title: Lecture five", "tail: x"]
    frame = code_frame(lines, _diag(2, 8, 2, 15))
    assert frame == [
        "  1 | key: value",
        "> 2 | title: Lecture five",
        "    | " + " " * 7 + "^" * 7,
        "  3 | tail: x",
    ]


def test_point_span_gets_one_caret():
    frame = code_frame(["abc: def"], _diag(1, 4, 1, 4))
    assert frame[-1] == "    |    ^"


def test_tabs_and_wide_characters_keep_the_caret_aligned():
    frame = code_frame(["\tname: 日本語 x"], _diag(1, 12, 1, 13))
    underline = frame[-1].split("| ", 1)[1]
    # the tab is mirrored; each wide character takes two cells
    assert underline == "\t" + " " * 6 + " " * 6 + " " + "^"


def test_multi_line_span_ending_at_column_one_stops_on_the_line_before():
    lines = ["a: 1", "b:", "  - x", "  - y", "c: 2"]
    frame = code_frame(lines, _diag(2, 1, 5, 1))
    assert frame == [
        "  1 | a: 1",
        "> 2 | b:",
        "    | ^^",
        "> 3 |   - x",
        "> 4 |   - y",
        "    |   ^^^",
        "  5 | c: 2",
    ]


def test_long_span_is_elided():
    lines = [f"k{i}: v" for i in range(1, 21)]
    frame = code_frame(lines, _diag(3, 1, 15, 6))
    numbers = [int(m.group(1)) for m in (re.match(r"[> ] +(\d+) \|", row) for row in frame) if m]
    assert numbers == [2, 3, 4, 15, 16]
    assert any(row.strip() == "..." for row in frame)


def test_span_at_end_of_file_is_shown():
    frame = code_frame(["a: 1"], _diag(2, 1, 2, 1))
    assert frame[-2:] == ["> 2 |", "    | ^"]


def test_span_past_the_file_has_no_frame():
    assert code_frame(["a: 1"], _diag(7, 1, 7, 2)) == []


def test_control_characters_from_cards_cannot_reach_the_terminal(kb_root):
    d = _diag(1, 1, 1, 2, message="title \x1b[2J cleared", path="t.yaml")
    out = render("text", [d], summarize([d], 1), root=kb_root, sources={"t.yaml": "x: \x1b[31mred\n"}, color=False)
    assert "\x1b" not in out
    assert "title \\x1b[2J cleared" in out
    assert "x: \\x1b[31mred" in out


def test_multi_line_message_is_indented(kb_root):
    d = _diag(1, 1, 1, 2, message="first\nsecond")
    out = render("text", [d], summarize([d], 1), root=kb_root, sources={"t.yaml": "a: 1\n"}, color=False)
    assert out.splitlines()[:2] == ["cards/t.yaml:1:1: KB999 [error] first", "  second"]


# --------------------------------------------------------------------------- colour decision


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # an empty NO_COLOR does not count
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "0"}, False, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ({"TERM": "dumb"}, True, False),
        ({"TERM": "dumb", "FORCE_COLOR": "1"}, False, True),
    ],
)
def test_use_color(monkeypatch, env, tty, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = _Terminal() if tty else io.StringIO()
    assert use_color(stream) is expected


def test_render_decides_colour_from_stdout(monkeypatch, diagnostics, summary, kb_root, sources):
    monkeypatch.setattr(sys, "stdout", _Terminal())
    assert "\x1b[" in render("text", diagnostics, summary, root=kb_root, sources=sources)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render("text", diagnostics, summary, root=kb_root, sources=sources)


def test_force_color_colours_a_pipe(monkeypatch, diagnostics, summary, kb_root, sources):
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert "\x1b[" not in render("text", diagnostics, summary, root=kb_root, sources=sources)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in render("text", diagnostics, summary, root=kb_root, sources=sources)


def test_explicit_colour_argument_wins_over_environment(monkeypatch, diagnostics, summary, kb_root, sources):
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" in render("text", diagnostics, summary, root=kb_root, sources=sources, color=True)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" not in render("text", diagnostics, summary, root=kb_root, sources=sources, color=False)


def test_long_lines_are_clipped_around_the_span():
    from validators.diagnostic import Diagnostic, Severity
    from validators.reporters.text import MAX_FRAME_WIDTH, code_frame

    long_line = "    why: '" + "word " * 120 + "MARK rest'"
    col = long_line.index("MARK") + 1
    lines = ["    url: x", long_line, "    level: beginner"]
    d = Diagnostic("KB401", "unverified-claim", Severity.warning, "t.yaml", 2, col, 2, col + 4, None, "m")
    frame = code_frame(lines, d)
    marked = next(l for l in frame if l.startswith(">"))
    carets = frame[frame.index(marked) + 1]
    assert len(marked) < MAX_FRAME_WIDTH + 20 and "…" in marked
    # the carets sit exactly under MARK in the clipped line
    assert marked[carets.index("^") : carets.index("^") + 4] == "MARK"
    assert carets.count("^") == 4
    assert "url: x" in frame[0] and "level: beginner" in frame[-1]


def test_committed_cards_fit_a_screen(tmp_path):
    """`kb lint` and `kb check` (what `make check` runs) stay short; `--show-info` lists everything."""
    import os
    import re
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(repo)}
    env.pop("GITHUB_ACTIONS", None)

    def kb(*args):
        proc = subprocess.run([sys.executable, "-m", "kb", *args], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode in (0, 1), proc.stderr
        return proc.stdout

    short = kb("lint", "cards", "--format", "text")
    full = kb("lint", "cards", "--format", "text", "--show-info")
    info = int(re.search(r"(\d+) info in", short).group(1))
    assert info > 0
    assert len(re.findall(r"^\S+:\d+:\d+: KB\d+ \[info\]", full, re.MULTILINE)) == info
    assert not re.findall(r"^\S+:\d+:\d+: KB\d+ \[info\]", short, re.MULTILINE)
    assert len(short.splitlines()) < 150 < len(full.splitlines())
    checked = kb("check", "cards", "--no-links", "--no-facts", "--format", "text",
                 "--cache-dir", str(tmp_path), "--report", str(tmp_path / "report.json"))
    assert len(checked.splitlines()) < 150


@pytest.mark.parametrize("inside", ["\u2028", "\u2029", "\x85", "\r"])
def test_code_frame_counts_lines_as_the_loader_does(tmp_path, capsys, inside):
    """Positions count only line feeds (as editors and CI do); the frame must show that same line,
    not one shifted by a line separator, NEL or a lone carriage return inside a string."""
    from kb.cli import main

    root = tmp_path / "cards"
    (root / "topics").mkdir(parents=True)
    (root / "topics" / "t.yaml").write_bytes(f'id: t\ntitle: T\nsummary: "one{inside}two"\nlevel: beginner\nbogus: 1\n'.encode())
    main(["lint", str(root), "--no-cache", "--select", "KB102", "--format", "text"])
    out = ANSI.sub("", capsys.readouterr().out)
    assert "t.yaml:5:1: KB102" in out
    assert "> 5 | bogus: 1" in out
