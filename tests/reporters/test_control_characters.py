"""Card text reaches every output format with its control characters shown, never sent raw.

A claim's text can carry an ANSI escape (recolour or clear a CI log), a
carriage return (overwrite the line it is on), the C1 control CSI (an
escape in one character, which JSON leaves alone) or a bidirectional
override (the line reads differently from what it says).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from validators.diagnostic import Diagnostic, Severity
from validators.engine import summarize
from validators.reporters import render

HOSTILE = "claim \x1b[2J\x1b[31mred\x1b[0m\rfake ok \x9b2J bell\x07 del\x7f rlo\u202egnp.exe"
RAW = ["\x1b", "\r", "\x9b", "\x07", "\x7f", "\u202e"]


def _diag() -> Diagnostic:
    return Diagnostic("KB401", "not-verified-claim", Severity.warning, "cards/digests/d\x1b[1m.yaml", 3, 5, 3, 9,
                      "digest:d\x1b]0;title\x07", HOSTILE, hint="check it \x1b[5m", url=None)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_no_format_passes_control_characters_through(fmt, tmp_path):
    d = _diag()
    out = render(fmt, [d], summarize([d], 1), root=tmp_path, color=False)
    for ch in RAW:
        assert ch not in out, (fmt, repr(ch))
    # what was there is still shown, escaped, in every format
    shown = json.loads(out) if fmt in ("json", "sarif") else out
    flat = json.dumps(shown) if not isinstance(shown, str) else shown
    assert "\\x1b[31mred" in flat.replace("\\\\", "\\")
    assert "\\u202e" in flat.replace("\\\\", "\\")
    if fmt == "junit":
        ET.fromstring(out)  # still well-formed XML
    if fmt == "github":
        # one annotation on one line, and the summary: nothing split it
        assert len(out.splitlines()) == 2


def test_the_code_frame_shows_the_source_lines_escaped_too(tmp_path):
    """The text format quotes the card's own lines around a finding: those are card text as well."""
    d = Diagnostic("KB102", "schema", Severity.error, "cards/topics/t.yaml", 2, 8, 2, 14, "topic:t", "bad level")
    source = f"id: t\nlevel: expert  # {HOSTILE}\ntitle: T \u2067x\u2069\n"
    out = render("text", [d], summarize([d], 1), root=tmp_path, color=False, sources={"cards/topics/t.yaml": source})
    assert "level: expert" in out  # the frame is there
    for ch in RAW + ["\u2067", "\u2069"]:
        assert ch not in out, repr(ch)
    assert "\\u202e" in out and "\\x1b[31mred" in out


def test_escape_controls_keeps_ordinary_text():
    from validators.reporters._common import escape_controls

    text = "Ünïcödé, tabs\tand\nnew lines, 日本語, emoji 🙂, and a hyphen\u00ad"
    assert escape_controls(text) == text
    assert escape_controls("a\x1bb\u2066c") == "a\\x1bb\\u2066c"


def test_the_claims_ledger_keeps_escape_codes_off_the_terminal(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    digests = tmp_path / "cards" / "digests"
    digests.mkdir(parents=True)
    (digests / "d.yaml").write_text(
        'id: d\nkind: paper\ntitle: T\nkey_points: "- 25,557,032 parameters \\e[2J [NOT VERIFIED]"\n'
        'claims:\n  - id: c\n    text: "evil \\e[31m red \\r over"\n    status: not-verified\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kb", "claims", str(tmp_path / "cards")], capture_output=True,
                          text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(repo)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\r" not in proc.stdout
    assert "evil \\x1b[31m red \\x0d over" in proc.stdout
