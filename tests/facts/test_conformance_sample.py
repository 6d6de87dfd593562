"""A sample of the conformance run against torchvision's weights table, on every test run.

``benchmarks/conformance_torchvision.py`` checks every weights entry of every
family (a few minutes); this runs the same code on at least one model per
family and on every model with a special default (auxiliary heads, frozen
detector norms, a build that needs the CPU, a resolution other than 224),
through the real ``kb facts`` command with an empty cache.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from validators.facts.catalog import FROZEN_BACKBONE_NORMS, SHIPPED_DEFAULTS

REPO = Path(__file__).resolve().parents[2]

SAMPLE = sorted(
    {"resnet50", "vit_h_14", "regnet_y_400mf", "efficientnet_b7", "swin_v2_t",  # classification
     "lraspp_mobilenet_v3_large",  # segmentation without an aux head
     "r3d_18", "mvit_v2_s",  # video
     "raft_small",  # optical flow
     "quantized_resnet50", "quantized_mobilenet_v3_large",  # quantized
     "ssdlite320_mobilenet_v3_large"}  # detection, trained norms
    | set(SHIPPED_DEFAULTS) | set(FROZEN_BACKBONE_NORMS)
)

#: compute that cannot be counted, and says why
UNCOUNTABLE = {"detection": "detection model", "optical_flow": "optical flow model"}


def _load_script():
    spec = importlib.util.spec_from_file_location("conformance_torchvision", REPO / "benchmarks" / "conformance_torchvision.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules.setdefault("conformance_torchvision", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def conformance(tmp_path_factory):
    script = _load_script()
    base = tmp_path_factory.mktemp("conformance")
    rows = script.table(set(script.FAMILIES), set(SAMPLE))
    index = script.write_kb(rows, base / "cards", "weights")
    result = script.run_kb_facts(base / "cards", base / "cache", REPO)
    return rows, index, result, script.classify(index, result)


def test_the_sample_covers_every_family(conformance):
    rows, _, _, _ = conformance
    assert {r["family"] for r in rows} == {"classification", "segmentation", "detection", "video", "optical_flow", "quantization"}
    assert {r["model"] for r in rows} == set(SAMPLE)


def test_every_published_number_verifies_or_says_why_not(conformance):
    _, index, result, summary = conformance
    assert result["rc"] in (0, 1) and result["checks"] == len(index), result["stderr"]
    for family, counts in summary["families"].items():
        assert counts["crashed"] == 0, family
        assert counts["disputed"] == 0, (family, counts["problems"])
        kinds = counts["by_kind"]
        assert kinds["params"].get("verified", 0) == sum(kinds["params"].values()), (family, counts["problems"])
        for problem in counts["problems"]:
            assert problem["verdict"] == "uncheckable"
            assert index[problem["uid"]]["kind"] == "macs" and family in UNCOUNTABLE, problem
            assert UNCOUNTABLE[family] in problem["message"] and "weights_meta" in problem["message"]
        if family not in UNCOUNTABLE:
            assert counts["uncheckable"] == 0, (family, counts["problems"])
