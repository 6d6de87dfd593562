"""[NOT VERIFIED] markers become derived claims, and KB401 reports every unverified claim."""

from __future__ import annotations

from validators.claims import ledger, marker_clause
from validators.links.model import Identity, LinkReport
from tests.claims.conftest import at, lint

TOPIC = """\
id: cnns
title: CNNs
summary: "Convolutions share weights across positions. AlexNet won ILSVRC 2012 by a wide margin [NOT VERIFIED]."
resources:
  - id: paper
    role: original-paper
    title: ImageNet Classification with Deep Convolutional Neural Networks
    url: https://papers.nips.cc/paper/4824
    why: 'Highly readable. The arxiv mirror is: https://arxiv.org/abs/1404.5997 [NOT VERIFIED]'
    note: |
      First line.
      [NOT VERIFIED] Trained on two GTX 580 GPUs for six days.
coverage:
  weak: The transition to ViT is underserved [not verified]; see the DINOv2 paper.
courses:
  c1:
    emphasis: Parameter counts and memory [NOT VERIFIED]
claims:
  - id: plain
    text: CNNs are translation equivariant.
  - id: verified-one
    text: LeNet-5 predates AlexNet.
    status: verified
    evidence: {method: read the papers}
"""


def test_every_marker_is_a_kb401_at_the_marker(tmp_path):
    kb, diags = lint(tmp_path, {"topics/cnns.yaml": TOPIC}, code="KB401")
    markers = [d for d in diags if "[NOT VERIFIED]" in d.message]
    assert len(markers) == 5
    for d in markers:
        assert at(kb, d).upper().startswith("[NOT VERIFIED]"), (d.line, d.col, at(kb, d))
    texts = " | ".join(d.message for d in markers)
    assert "The arxiv mirror is: https://arxiv.org/abs/1404.5997" in texts
    assert "AlexNet won ILSVRC 2012 by a wide margin" in texts
    assert "Trained on two GTX 580 GPUs for six days" in texts  # a marker opening its sentence
    assert "The transition to ViT is underserved" in texts
    assert "Parameter counts and memory" in texts


def test_explicit_not_verified_claim_is_kb401_and_verified_is_not(tmp_path):
    _, diags = lint(tmp_path, {"topics/cnns.yaml": TOPIC}, code="KB401")
    explicit = [d for d in diags if "'plain'" in d.message]
    assert len(explicit) == 1
    assert not [d for d in diags if "verified-one" in d.message]


def test_uids_are_stable_and_in_file_order(tmp_path):
    kb, _ = lint(tmp_path, {"topics/cnns.yaml": TOPIC})
    entries = [e for e in ledger(kb) if e.origin == "marker"]
    assert [e.uid for e in entries] == [f"cnns#nv-{n}" for n in range(1, 6)]
    assert [e.field for e in entries] == ["summary", "resources[0].why", "resources[0].note", "coverage.weak", "courses.c1.emphasis"]
    assert entries == sorted(entries, key=lambda e: (e.line, e.col))
    assert all(e.to_dict()["status"] == "not-verified" for e in entries)


def test_evidence_from_this_run_upgrades_a_claim(tmp_path):
    kb, diags = lint(tmp_path, {"topics/cnns.yaml": TOPIC}, code="KB401",
                     evidence={"cnns#nv-1": {"status": "verified", "method": "read the paper"},
                               "cnns#plain": {"method": "textbook"}})
    assert not [d for d in diags if d.data.get("uid") in ("cnns#nv-1", "cnns#plain")]
    status = {e.uid: e.status for e in ledger(kb, evidence={"cnns#nv-1": {"status": "verified"}})}
    assert status["cnns#nv-1"] == "verified"


def test_link_identity_confirms_or_disputes_a_marker(tmp_path):
    confirmed = LinkReport()
    confirmed.identity["https://arxiv.org/abs/1404.5997"] = Identity("ImageNet Classification", "ImageNet Classification", "match")
    kb, diags = lint(tmp_path, {"topics/cnns.yaml": TOPIC}, code="KB401", links=confirmed)
    assert not [d for d in diags if "1404.5997" in d.message]

    refuted = LinkReport()
    refuted.identity["https://arxiv.org/abs/1404.5997"] = Identity("ImageNet Classification", "One weird trick", "mismatch")
    kb, diags = lint(tmp_path, {"topics/cnns.yaml": TOPIC}, code="KB403", links=refuted)
    (d,) = [d for d in diags if d.code == "KB403"]
    assert "One weird trick" in d.message
    entry = next(e for e in ledger(kb, links=refuted) if e.uid == "cnns#nv-2")
    assert entry.status == "disputed" and entry.evidence["by"] == "kb links"


def test_links_stage_may_be_absent_or_foreign(tmp_path):
    class Bare:
        identity = {"https://arxiv.org/abs/1404.5997": ("a", "a", "confirmed")}

    kb, _ = lint(tmp_path, {"topics/cnns.yaml": TOPIC})
    assert next(e for e in ledger(kb, links=None) if e.uid == "cnns#nv-2").status == "not-verified"
    assert next(e for e in ledger(kb, links=Bare()) if e.uid == "cnns#nv-2").status == "verified"


def test_claim_with_a_check_waits_for_the_facts_stage(tmp_path):
    digest = """\
id: d
kind: paper
title: D
claims:
  - id: r18
    text: ResNet-18 has 11,689,512 parameters.
    check: {kind: params, model: resnet18, value: 11689512}
"""
    _, diags = lint(tmp_path, {"digests/d.yaml": digest}, code="KB401")
    assert diags == []


def test_marker_in_a_claim_text_and_in_a_digest(tmp_path):
    digest = """\
id: d
kind: paper
title: D
focus: Results [NOT VERIFIED] and more.
key_points: |
  - ViT-B/16 has 86M params [NOT VERIFIED].
claims:
  - id: c
    text: Something verified [NOT VERIFIED]
    status: verified
    evidence: {method: x}
"""
    kb, diags = lint(tmp_path, {"digests/d.yaml": digest}, code="KB401")
    assert len(diags) == 3
    for d in diags:
        assert at(kb, d).startswith("[NOT VERIFIED]")


def test_marker_clause():
    text = "First sentence. Second one has a URL https://x.org/a.b [NOT VERIFIED]; third."
    start = text.index("[NOT")
    assert marker_clause(text, start, start + 14) == "Second one has a URL https://x.org/a.b"
    text = "- [NOT VERIFIED] Opens the bullet. Next."
    start = text.index("[NOT")
    assert marker_clause(text, start, start + 14) == "Opens the bullet."
