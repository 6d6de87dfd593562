"""Acceptance: import the seed card, lint the result, and find what a maintainer must fix.

`kb import tests/fixtures/import/seed-cnns.txt --out OUT && kb lint OUT --format json`
must report KB110 (the video with no link, digests with no source URL),
KB207 (the two empty reference digests), KB205 (the vision-transformer card
the coverage notes ask for) and KB401 (the arXiv-mirror claim), each at a real
line and column of the generated YAML.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import kb

SEED = Path(__file__).parent / "fixtures" / "import" / "seed-cnns.txt"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed") / "OUT"
    proc = kb("import", str(SEED), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    lint = kb("lint", str(out), "--format", "json")
    assert "Traceback" not in lint.stderr
    return out, json.loads(lint.stdout)


def _at(out: Path, diag: dict) -> str:
    lines = (out / diag["path"]).read_text(encoding="utf-8").splitlines()
    return lines[diag["line"] - 1][diag["col"] - 1 :]


def test_video_without_link_and_digests_without_url(imported):
    out, report = imported
    kb110 = [d for d in report["diagnostics"] if d["code"] == "KB110"]
    topic_hits = [d for d in kb110 if d["path"].startswith("topics/")]
    assert any("video" in d["message"] for d in topic_hits)
    assert any(d["path"].startswith("digests/") for d in kb110)
    for d in kb110:
        assert d["line"] >= 1 and d["col"] >= 1
        assert _at(out, d).strip()  # points at real text in the generated file


def test_two_empty_reference_digests(imported):
    out, report = imported
    kb207 = [d for d in report["diagnostics"] if d["code"] == "KB207"]
    assert len(kb207) == 2
    for d in kb207:
        text = (out / d["path"]).read_text(encoding="utf-8")
        assert "docs.pytorch.org" in text


def test_vision_transformer_needs_a_card(imported):
    out, report = imported
    kb205 = [d for d in report["diagnostics"] if d["code"] == "KB205"]
    assert any("vision-transformer" in d["message"] for d in kb205)
    hit = next(d for d in kb205 if "vision-transformer" in d["message"])
    assert _at(out, hit).startswith("vision-transformer")


def test_arxiv_mirror_is_an_unverified_claim(imported):
    out, report = imported
    kb401 = [d for d in report["diagnostics"] if d["code"] == "KB401"]
    mirror = [d for d in kb401 if "1404.5997" in d["message"]]
    assert mirror, kb401
    assert _at(out, mirror[0]).startswith("[NOT VERIFIED]")
