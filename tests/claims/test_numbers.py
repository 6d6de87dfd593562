"""Numbers in key points, and KB402 for those no check covers."""

from __future__ import annotations

import pytest

from validators.claims import numbers_in
from tests.claims.conftest import at, lint


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("ResNet-50: ~3.8B FLOPs.", ["~3.8B"]),
        ("ResNet-152: ~11.3B FLOPs, still < VGG-16/19 (15.3/19.6B FLOPs).", ["~11.3B", "15.3", "19.6B"]),
        ("IMAGENET1K_V1: acc@1 81.072, 86,567,656 params", ["81.072", "86,567,656"]),
        ("ViT-B/16 and ViT-g/14 on V100-32GB in ILSVRC14 (Sec. 3.3, Table 4, Fig.5, Eq. 2)", []),
        ("Pizzi et al. 2022 showed (2019) a top-5 error", []),
        ("xFormers 0.0.18, momentum 0.9, weight decay 5e−4", ["0.9", "5e−4"]),
        ("~12× fewer, 128k prototypes, 81% more", ["~12×", "128k", "81%"]),
        ("a 1×1 conv with 0 bias", []),
        ("3·(3²)·C² = 27C² weights", ["3", "3", "27"]),
        ("see https://arxiv.org/abs/1404.5997 and `dinov2_vits14`", []),
    ],
)
def test_numbers_in(text, numbers):
    assert [t.text for t in numbers_in(text)] == numbers


DIGEST = """\
id: r
kind: paper
title: Deep Residual Learning
key_points: |
  - Complexity (Sec.4):
      - ResNet-50: ~3.8B FLOPs.
      - ResNet-152: ~11.3B FLOPs, still < VGG-16/19 (15.3/19.6B FLOPs).
  - Training: batch size 256, momentum 0.9.
claims:
  - id: r50
    text: "ResNet-50: ~3.8B FLOPs."
    check: {kind: macs, model: resnet50_v1, value: "~3.8B"}
  - id: vgg19
    text: VGG-19 needs 19.6B multiply-adds.
    status: verified
    evidence: {method: torchvision docs, measured: "19.63 G"}
"""


def test_kb402_lists_uncovered_numbers_per_line(tmp_path):
    kb, diags = lint(tmp_path, {"digests/r.yaml": DIGEST}, code="KB402")
    messages = {d.line: d.message for d in diags}
    assert len(diags) == 2
    assert "2 numbers without a check: ~11.3B, 15.3" in messages[7]
    assert "256, 0.9" in messages[8]
    for d in diags:
        assert d.severity.value == "info"
    first = next(d for d in diags if d.line == 7)
    assert at(kb, first).startswith("~11.3B")


def test_kb402_ignore_option(tmp_path):
    _, diags = lint(tmp_path, {"digests/r.yaml": DIGEST}, code="KB402", config={"rules": {"KB402": {"ignore": ["256", "0.9"]}}})
    assert len(diags) == 1


def test_masks_skipped_by_their_clues_blank_what_every_mask_blanks():
    """A mask's search is skipped when its clue is absent: the text must come out as if every mask ran."""
    import random

    from validators.claims import numbers

    def every_mask(text: str) -> str:
        out = list(text)
        for pattern, _clue in numbers._MASKS:
            for m in pattern.finditer(text):
                for i in range(m.start(), m.end()):
                    out[i] = " " if out[i] != "\n" else "\n"
        return "".join(out)

    rng = random.Random(5)
    words = ["Sec. 3.2", "Table 4", "Figs 1-2", "et al. (2019)", "et al 2020", "§ 4.1", "(2021a)", "0.0.18", "v1.2.3",
             "ILSVRC 2014", "CVPR'19", "in 2017", "since  1998", "VGG-16/19", "ResNet-50", "`code 12`", "```\nx = 3\n```",
             "https://a.b/1.2.3", "12.5%", "~3.8B", "by", "from", "in", "\n", " ", ",", "-", "/", ".", "2019", "7"]
    texts = ["".join(rng.choice(words) + rng.choice(["", " ", "\n"]) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    for text in texts:
        assert numbers._masked(text) == every_mask(text), text
