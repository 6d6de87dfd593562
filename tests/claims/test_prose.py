"""Numbers in prose that the suggester used to misread or miss, settled by the real fact runner.

Each case failed before: "12·1536 = 18,532" was read as a claimed 18; an
accuracy written after the model name with no weights member got no check;
"ViT-L/14 at 224×224 gives N = 15×15 = 225 tokens" passed because only the
arithmetic was checked, not the patch grid; "vit_h_14 IMAGENET1K_SWAG_E2E_V1:
633,470,440 params at 518×518" was measured at 224.
"""

from __future__ import annotations

import pytest
import yaml
from pydantic import TypeAdapter

from kb.checks import Check
from tests.facts.conftest import run, write_root
from validators.claims import suggest_claims

ADAPTER = TypeAdapter(Check)


def _checks(text: str, **kw):
    claims = suggest_claims(text, **kw)
    for c in claims:
        ADAPTER.validate_python(c["check"])
    return [c["check"] for c in claims]


def test_thousands_separators_inside_arithmetic():
    assert {"kind": "arithmetic", "expression": "12*1536", "value": "18,532"} in _checks("- 12·1536 = 18,532 weights")
    assert {"kind": "arithmetic", "expression": "1000 * 1000", "value": "1,000,000"} in _checks("- 1,000 × 1,000 = 1,000,000")
    # a comma that separates items is no thousands separator
    assert {"kind": "arithmetic", "expression": "3*16*16", "value": "768"} in _checks("- shapes (224,224), and 3·16·16 = 768.")


@pytest.mark.parametrize("text, weights, value", [
    ("- EfficientNet-B0 reaches 77.692% top-1", "EfficientNet_B0_Weights.DEFAULT", 77.692),
    ("- MobileNetV3-Large 74.042% top-1", "MobileNet_V3_Large_Weights.DEFAULT", 74.042),
    ("- Top-1 accuracy of 80.858% for ResNet-50.", "ResNet50_Weights.DEFAULT", 80.858),
])
def test_accuracy_before_or_after_the_model_without_weights(text, weights, value):
    (c,) = _checks(text)
    assert c["kind"] == "weights_meta" and c["weights"] == weights and c["value"] == value and c["field"] == "acc@1"
    assert "default weights" in c["note"]


def test_a_paper_accuracy_with_one_decimal_is_not_read_against_torchvisions_weights():
    assert _checks("- ResNet-50 gets 76.0% top-1 in the paper.") == []


@pytest.mark.parametrize("text, expression, right", [
    ("- ViT-L/14 at 224×224 gives N = 15×15 = 225 tokens", "(224 // 14) ** 2", ("equals", "15 * 15")),
    ("- ViT-B/16 at 224 sees 196 tokens", "(224 // 16) ** 2", ("value", 196)),
    ("- vit_b_16 at 384 gives a 24×24 grid of patches", "(384 // 16) ** 2", ("equals", "24 * 24")),
])
def test_patch_token_counts_against_the_models_patch_grid(text, expression, right):
    checks = [c for c in _checks(text) if "patch" in c.get("note", "")]
    (c,) = checks
    assert c["expression"] == expression and c[right[0]] == right[1]


PROSE = """\
- 12·1536 = 18,532 weights in the block.
- EfficientNet-B0 reaches 77.692% top-1.
- MobileNetV3-Large 74.042% top-1.
- ViT-L/14 at 224×224 gives N = 15×15 = 225 tokens.
- ViT-B/16 at 224 sees 196 tokens.
- vit_h_14 IMAGENET1K_SWAG_E2E_V1: 633,470,440 params at 518×518.
- ViT-B/16 needs 17.566 GFLOPs.
"""


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    base = tmp_path_factory.mktemp("prose")
    claims = suggest_claims(PROSE, title="Numbers in prose")
    card = {"id": "d", "kind": "paper", "title": "Numbers in prose", "key_points": PROSE, "claims": claims}
    root = write_root(base, {"digests/d.yaml": yaml.safe_dump(card, sort_keys=False, allow_unicode=True)})
    kb, report, _ = run(root)
    return {r.claim_id: r for r in report.results.values()}, claims


def _by_text(settled, fragment, kind=None):
    results, claims = settled
    for c in claims:
        if fragment in c["text"] and (kind is None or c["check"]["kind"] == kind):
            return results[c["id"]]
    raise AssertionError(f"no claim for {fragment!r}: {[c['text'] for c in claims]}")


def test_the_runner_settles_each_prose_claim(settled):
    arith = _by_text(settled, "18,532")
    assert arith.status == "mismatch" and "18,532" in arith.message and "18,432" in arith.measured
    assert _by_text(settled, "77.692").status == "ok"
    # 74.042 is the first weights' figure; the default is IMAGENET1K_V2 (75.274): the hint says so
    v3 = _by_text(settled, "74.042")
    assert v3.status == "mismatch" and "DEFAULT" in v3.message
    assert "MobileNet_V3_Large_Weights.IMAGENET1K_V1" in v3.hint
    results, claims = settled
    grid = [results[c["id"]] for c in claims if "15×15" in c["text"] and "patch" in c["check"].get("note", "")]
    assert [r.status for r in grid] == ["mismatch"]  # 224 // 14 = 16 patches a side, not 15
    tokens = [results[c["id"]] for c in claims if "196" in c["text"] and "patch" in c["check"].get("note", "")]
    assert [r.status for r in tokens] == ["ok"]
    assert _by_text(settled, "633,470,440", "params").status == "ok"
    digits = _by_text(settled, "17.566", "macs")
    assert digits.status == "mismatch" and digits.measured.startswith("17.564")


def test_the_resolution_of_named_weights_counts_as_checked():
    # "at 518×518" is what the weights-named check measures at, so KB402 has nothing to list
    from types import SimpleNamespace

    from validators.claims.numbers import covered_mantissas, uncovered_by_line

    text = "- vit_h_14 IMAGENET1K_SWAG_E2E_V1: 633,470,440 params at 518×518.\n"
    claims = [SimpleNamespace(check=ADAPTER.validate_python(c["check"]), text=c["text"], status="not-verified", evidence=None)
              for c in suggest_claims(text)]
    assert claims and uncovered_by_line(text, covered_mantissas(claims)) == []
    other = "- vit_h_14 IMAGENET1K_SWAG_E2E_V1: 633,470,440 params at 640×640.\n"
    assert [t.text for group in uncovered_by_line(other, covered_mantissas(claims)) for t in group] == ["640", "640"]
