"""Suggestions on text they have never seen: names in usual spellings, and each kind of check."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from kb.checks import Check
from validators.claims import suggest_claims

ADAPTER = TypeAdapter(Check)


def _checks(text, **kw):
    claims = suggest_claims(text, **kw)
    for c in claims:
        ADAPTER.validate_python(c["check"])  # every suggestion fits the schema
        assert c["status"] == "not-verified" and c["text"]
    assert len({c["id"] for c in claims}) == len(claims)
    return [c["check"] for c in claims]


@pytest.mark.parametrize(
    "text, model, value",
    [
        ("- ResNet-18 has 11.7M params.", "resnet18", "11.7M"),
        ("- resnet50: 25,557,032 parameters", "resnet50", "25,557,032"),
        ("- The ResNet 34 model has 21.8 million parameters", "resnet34", "21.8 million"),
        ("- MobileNetV3-Large: 5.5M params", "mobilenet_v3_large", "5.5M"),
        ("- EfficientNet-B0 has ~5.3M parameters", "efficientnet_b0", "~5.3M"),
        ("- ConvNeXt-T weighs in at 28.6M params", "convnext_tiny", "28.6M"),
        ("- Swin-T: 28M parameters", "swin_t", "28M"),
        ("- RegNetY-1.6GF has 11.2M params", "regnet_y_1_6gf", "11.2M"),
        ("- parameters: 61.1M for AlexNet", "alexnet", "61.1M"),
    ],
)
def test_parameter_counts_in_many_spellings(text, model, value):
    (check,) = [c for c in _checks(text) if c["kind"] == "params"]
    assert check["model"] == model and check["value"] == value


def test_compute_with_models_from_a_slash_list_and_the_title():
    checks = _checks("- ResNet-101: ~7.6B FLOPs, vs ResNet-50/152 (4.1/11.5 GFLOPs).")
    got = {(c["model"], c["value"]) for c in checks}
    assert got == {("resnet101", "~7.6B"), ("resnet50", "4.1G"), ("resnet152", "11.5G")}
    assert all(c["kind"] == "macs" for c in checks)
    (c,) = _checks("- Budget: about 1.5 billion multiply-adds.", title="MobileNet v2: inverted residuals")
    assert c["model"] == "mobilenet_v2" and c["kind"] == "macs"


def test_explicit_two_flops_convention():
    (c,) = _checks("- vit_b_16 costs 35.1 GFLOPs (counting 2 FLOPs per multiply-add).")
    assert c["kind"] == "flops"


def test_weights_member_lines():
    text = ("- Weights:\n    ResNet50_Weights.IMAGENET1K_V2: acc@1 80.858, acc@5 95.434, 25,557,032 params, "
            "4.09 GFLOPS, file 97.8 MB.\n")
    checks = _checks(text)
    kinds = {(c["kind"], c.get("field")) for c in checks}
    assert ("weights_meta", "acc@1") in kinds and ("weights_meta", "acc@5") in kinds
    assert ("weights_meta", "_file_size") in kinds and ("params", None) in kinds and ("macs", None) in kinds
    assert all(c.get("weights", "ResNet50_Weights.IMAGENET1K_V2") == "ResNet50_Weights.IMAGENET1K_V2" for c in checks)


def test_bare_weights_member_takes_the_model_from_context():
    text = "- vit_b_16 IMAGENET1K_SWAG_E2E_V1: acc@1 85.304, 86,859,496 params, 55.48 GFLOPs, min_size 384×384"
    checks = _checks(text)
    # measured as the weights ship: the runner takes their 384×384 resolution from them
    params = next(c for c in checks if c["kind"] == "params")
    assert params["weights"] == "ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1" and "model_kwargs" not in params
    macs = next(c for c in checks if c["kind"] == "macs")
    assert macs["weights"] == "ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1" and "input_size" not in macs
    assert any(c.get("field") == "min_size" and c["value"] == [384, 384] for c in checks)


def test_ratio():
    (c,) = _checks("- SqueezeNet 1.0 reaches AlexNet accuracy with 50x fewer parameters than AlexNet.")
    assert c["kind"] == "ratio"
    assert c["numerator"]["model"] == "alexnet" and c["denominator"]["model"] == "squeezenet1_0"
    assert c["value"] == "50x"
    assert _checks("- AlexNet has 2x more parameters than AlexNet.") == []


def test_arithmetic_and_percentages():
    checks = _checks("- Each patch has 3·16·16 = 768 values.\n- 49C² vs 27C² is 81% more.\n")
    assert {"kind": "arithmetic", "expression": "3*16*16", "value": "768"} in checks
    assert any(c.get("expression") == "(49 - 27) / 27 * 100" and c["value"] == "81%" for c in checks)


def test_patch_count():
    (c,) = _checks("- Split into patches of size 14×14 (for 224px: N=16×16).")
    assert c == {"kind": "arithmetic", "expression": "(224 // 14) ** 2", "equals": "16 * 16",
                 "note": "patch tokens of a 224x224 image cut into patches of 14x14: 224 // 14 per side"}


def test_formulas_with_their_op_and_padding():
    text = (
        "- Pooling output size: o = ⌊(i − k)/s⌋ + 1.\n"
        "- Same padding for a convolution (p = ⌊k/2⌋ ⇒ o = i).\n"
        "- Transposed convolution: o' = s(i' − 1) + k − 2p.\n"
    )
    checks = _checks(text)
    ops = [c["op"] for c in checks]
    assert ops == ["MaxPool2d", "Conv2d", "ConvTranspose2d"]
    same = checks[1]
    assert same["where"] == {"p": "floor(k/2)"} and same["grid"] == {"k": [1, 3, 5, 7]}


def test_dinov2_names_need_dinov2_context():
    assert _checks("- ViT-S/14 distilled 21M params", title="DINOv2 hub")[0]["model"] == "dinov2_vits14"
    assert _checks("- ViT-S/14 distilled 21M params", title="CLIP") == []


def test_unrecognised_numbers_are_left_alone():
    assert _checks("- DeiT-B reaches 81.8% top-1; batch 1024; 300 epochs.") == []
    assert suggest_claims("") == []


def test_existing_ids_are_not_reused():
    claims = suggest_claims("- ResNet-18 has 11.7M params.", existing_ids=["resnet18-params"])
    assert claims[0]["id"] == "resnet18-params-2"


def test_cli_suggest_skips_numbers_already_checked(tmp_path, capsys):
    import json

    from kb.store import load_kb
    from validators.claims import cli_suggest

    root = tmp_path / "cards"
    (root / "digests").mkdir(parents=True)
    (root / "digests" / "r.yaml").write_text(
        "id: r\nkind: paper\ntitle: ResNet\nkey_points: |\n  - ResNet-50: ~3.8B FLOPs.\n  - ResNet-18 has 11.7M params.\n"
        "claims:\n  - id: r50\n    text: ResNet-50 ~3.8B\n    check: {kind: macs, model: resnet50_v1, value: ~3.8B}\n",
        encoding="utf-8",
    )
    assert cli_suggest(load_kb(root), fmt="json") == 0
    proposals = json.loads(capsys.readouterr().out)
    (claims,) = proposals.values()
    assert [c["check"]["model"] for c in claims] == ["resnet18"]


def test_arithmetic_over_values_stated_elsewhere_in_the_digest():
    text = ("- Multi-head attention (Sec. 3.2.2):\n"
            "    - h = 8 heads, d_k = d_v = d_model / h = 64 for the base model.\n"
            "- Base model: d_model = 512, 6 encoder and 6 decoder layers.\n")
    (c,) = _checks(text)
    assert c == {"kind": "arithmetic", "expression": "d_model / h", "value": "64", "variables": {"d_model": 512, "h": 8}}


def test_identities_with_a_variable():
    checks = _checks("- 3-layer 3×3 stack: 3·(3²)·C² = 27C² weights\n- single 7×7: 7²·C² = 49C² weights (81% more)\n")
    assert checks[0] == {"kind": "arithmetic", "expression": "3*(3**2)*C**2", "equals": "27*C**2", "variables": {"C": [1, 7, 64]}}
    assert checks[1]["equals"] == "49*C**2"
    assert checks[2] == {"kind": "arithmetic", "expression": "(49 - 27) / 27 * 100", "value": "81%"}
    assert _checks("- Final submission: top-5 error = 6.67% with 7 models.") == []
