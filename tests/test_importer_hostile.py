"""The importer never crashes: every input gives cards that pass the schema, or none and a KB190 saying why.

Each case here is an input that once crashed ``kb import`` or wrote a card
``kb lint`` rejected.  ``tests/fuzz`` looks for more of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.importer import MAX_ID_LENGTH, _as_card, bounded_id, import_cards
from kb.schema import Digest, Topic
from kb.store import load_kb
from validators.claims import suggest_claims

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "tests" / "fixtures" / "import" / "seed-cnns.txt"

TRUNCATED_FRAC = """\
Cnns

Additional Resources for Tutor Depth
📄 Output size of a convolution
Paper · source
Key content
- o = \\frac{i
- p = \\frac{k
"""


def kb_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def schema_problems(root: Path) -> list[str]:
    kb = load_kb(root)
    return [f"{p.path}:{p.span.line}: {p.code} {p.message}" for p in kb.problems if p.code.startswith("KB1")]


def test_a_truncated_frac_imports(tmp_path):
    src = tmp_path / "card.txt"
    src.write_text(TRUNCATED_FRAC, encoding="utf-8")
    out = tmp_path / "cards"
    proc = kb_cli("import", str(src), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "internal error" not in proc.stderr
    assert list((out / "digests").glob("*.yaml"))
    assert schema_problems(out) == []


def test_a_truncated_frac_does_not_crash_claims_suggest(tmp_path):
    digests = tmp_path / "cards" / "digests"
    digests.mkdir(parents=True)
    (digests / "conv.yaml").write_text(
        "id: conv\nkind: paper\ntitle: Conv\nkey_points: |\n  - o = \\frac{i\n  - p = \\frac{k\n", encoding="utf-8")
    proc = kb_cli("claims", "suggest", str(tmp_path / "cards"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "internal error" not in proc.stderr


@pytest.mark.parametrize("text", ["- o = \\frac{i", "- o = \\frac{i + 2p - k}{", "p = \\frac{ and o = \\frac{i}{s"])
def test_the_suggester_takes_half_formulas(text):
    assert isinstance(suggest_claims(text, title="t"), list)


def test_a_300_character_title(tmp_path):
    src = tmp_path / "long.txt"
    src.write_text("A" * 300 + "\n\nVideo (best)\n- Someone — “A talk”\n- Watch: YouTube\n", encoding="utf-8")
    out = tmp_path / "cards"
    proc = kb_cli("import", str(src), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    [card] = (out / "topics").glob("*.yaml")
    assert len(card.stem) <= MAX_ID_LENGTH
    assert schema_problems(out) == []


def test_long_titles_that_share_their_start_get_different_files(tmp_path):
    stem = "word " * 40
    sources = []
    for i, end in enumerate(["first ending", "second ending"]):
        sources.append(tmp_path / f"{i}.txt")
        sources[-1].write_text(f"{stem}{end}\n", encoding="utf-8")
    result = import_cards(sources, tmp_path / "cards")
    names = sorted(p.name for p in (tmp_path / "cards" / "topics").iterdir())
    assert len(names) == 2 and len(set(names)) == 2 and all(len(n) <= MAX_ID_LENGTH + len(".yaml") for n in names)
    assert len(result.topics) == 2


def test_a_renamed_duplicate_keeps_within_the_id_limit(tmp_path):
    """A second topic of the same long title gets a suffix, and its file name stays within the limit."""
    title = "-".join(["abcdefg"] * 8)  # a 63-character id, just under the limit
    sources = []
    for i in range(3):
        sources.append(tmp_path / f"{i}.txt")
        sources[-1].write_text(f"{title}\n\nVideo (best)\n- Someone \u2014 \u201cA talk\u201d\n- Watch: YouTube\n",
                               encoding="utf-8")
    result = import_cards(sources, tmp_path / "cards")
    names = sorted(p.stem for p in (tmp_path / "cards" / "topics").iterdir())
    assert len(set(names)) == 3 and len(result.topics) == 3
    assert all(len(n) <= MAX_ID_LENGTH for n in names), names
    assert schema_problems(tmp_path / "cards") == []


def test_bounded_id():
    assert bounded_id("short-id") == "short-id"
    long = "-".join(["segment"] * 30)
    a, b = bounded_id(long), bounded_id(long + "-x")
    assert len(a) <= MAX_ID_LENGTH and len(b) <= MAX_ID_LENGTH and a != b
    assert not a.startswith("-") and "--" not in a


def test_a_digest_header_with_no_title(tmp_path):
    src = tmp_path / "card.txt"
    src.write_text("Cnns\n\nAdditional Resources for Tutor Depth\n📄\nPaper · source\nKey content\n- a point\n",
                   encoding="utf-8")
    out = tmp_path / "cards"
    result = import_cards([src], out)
    assert result.digests and schema_problems(out) == []
    assert any("no title" in p.message for p in result.problems)


@pytest.mark.parametrize("title", ["1e3", "0o17", "0x1F", "true", "null", "~", ".inf", "-.5", "+12"])
def test_titles_that_yaml_would_read_as_numbers_stay_strings(tmp_path, title):
    src = tmp_path / "card.txt"
    src.write_text(f"Topic {title}\n\nAdditional Resources for Tutor Depth\n📄 {title}\nPaper · source\n",
                   encoding="utf-8")
    out = tmp_path / "cards"
    result = import_cards([src], out)
    assert result.digests, result.problems
    assert schema_problems(out) == []
    kb = load_kb(out)
    assert [c.model.title for c in kb.digests.values()] == [title]


def test_parts_that_do_not_fit_the_schema_are_dropped_and_reported():
    data = {"id": "d", "kind": "paper", "title": "T", "year": 3000, "identifiers": {"arxiv": "not an id"},
            "claims": [{"id": "c1", "text": ""}, {"id": "c2", "text": "kept", "status": "not-verified"}]}
    card, notes = _as_card(Digest, data)
    assert card is not None
    Digest.model_validate(card)
    assert "year" not in card and [c["id"] for c in card["claims"]] == ["c2"]
    assert len(notes) == 3 and all("dropped" in n for n in notes)


def test_a_card_whose_own_fields_cannot_fit_is_not_written():
    card, notes = _as_card(Topic, {"id": "Not A Slug", "title": "x"})
    assert card is None and notes


def test_a_card_that_cannot_be_written_is_an_error_and_exit_1(tmp_path):
    src = tmp_path / "card.txt"
    src.write_text("Cnns\n", encoding="utf-8")
    out = tmp_path / "cards"
    (out / "topics").mkdir(parents=True)
    (out / "topics" / "cnns.yaml").mkdir()  # a folder where the card file should go
    proc = kb_cli("import", str(src), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "KB190 [error]" in proc.stderr and "could not be written" in proc.stderr


def test_control_characters_in_import_messages_are_escaped(tmp_path):
    src = tmp_path / "card.txt"
    src.write_text("Cnns\nstray \x1b[2J text\n", encoding="utf-8")
    proc = kb_cli("import", str(src), "--out", str(tmp_path / "cards"), cwd=tmp_path)
    assert proc.returncode == 0 and "\x1b" not in proc.stderr and "\\x1b[2J" in proc.stderr


def test_a_source_file_name_with_control_characters_is_escaped_too(tmp_path):
    """A shell glob can pass a file name from someone else's pull request: it is shown, never sent raw."""
    src = tmp_path / "card\x1b]0;title\x07.txt"
    src.write_text("Cnns\nstray text\n", encoding="utf-8")
    proc = kb_cli("import", src.name, "--out", str(tmp_path / "cards"), cwd=tmp_path)
    assert "stray text" in proc.stderr  # the message that names the file is there
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr and "card\\x1b]0;title\\x07.txt" in proc.stderr


def test_the_seed_still_imports_cleanly(tmp_path):
    result = import_cards([SEED], tmp_path / "cards", suggest=suggest_claims)
    assert not [p for p in result.problems if p.severity == "error"]
    assert schema_problems(tmp_path / "cards") == []
