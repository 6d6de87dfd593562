"""The fact runner against real torch and torchvision (meta device), and rules KB601-KB603.

One knowledge base with a claim per situation is measured once for the
module; each test reads its part of the report and of the diagnostics.
"""

from __future__ import annotations

import pytest

from tests.facts.conftest import digest_with, run, write_root

CLAIMS = """\
  - id: r18-wrong
    text: ResNet-18 has 21,797,672 parameters.
    check: {kind: params, model: resnet18, value: "21,797,672"}
  - id: r18-right
    text: ResNet-18 has 11,689,512 parameters.
    check: {kind: params, model: resnet18, value: 11689512}
  - id: r18-trunk
    text: Without its classifier ResNet-18 has 11,176,512 parameters.
    check: {kind: params, model: resnet18, value: 11176512, exclude_head: true}
  - id: vit-macs
    text: vit_b_16 needs 17.56 GFLOPS.
    check: {kind: macs, model: vit_b_16, value: 17.56G}
  - id: vit-flops
    text: vit_b_16 needs 35.13 G FLOPs counting a multiply-add as two.
    check: {kind: flops, model: vit_b_16, value: 35.13G}
  - id: vit-384-params
    text: vit_b_16 at 384 has 86,859,496 parameters.
    check: {kind: params, model: vit_b_16, value: "86,859,496", model_kwargs: {image_size: 384}}
  - id: r50-paper
    text: "ResNet-50: ~3.8B FLOPs."
    check: {kind: macs, model: resnet50, value: "~3.8B"}
  - id: r50-v1
    text: "ResNet-50 (v1): ~3.8B FLOPs."
    check: {kind: macs, model: resnet50_v1, value: "~3.8B"}
  - id: ratio
    text: GoogLeNet uses ~12x fewer parameters than AlexNet.
    check: {kind: ratio, numerator: {measure: params, model: alexnet}, denominator: {measure: params, model: googlenet}, value: "~12x"}
  - id: ratio-disputed
    text: GoogLeNet uses ~12x fewer parameters than AlexNet (kept, with the measurement).
    status: disputed
    evidence: {method: "kb facts", measured: "9.22"}
    check: {kind: ratio, numerator: {measure: params, model: alexnet}, denominator: {measure: params, model: googlenet}, value: "~12x"}
  - id: acc
    text: IMAGENET1K_V1 reaches 81.072 top-1.
    check: {kind: weights_meta, weights: ViT_B_16_Weights.IMAGENET1K_V1, field: "acc@1", value: 81.072}
  - id: acc-other-weights
    text: vit_b_16 reaches 85.304 top-1.
    check: {kind: weights_meta, weights: ViT_B_16_Weights.IMAGENET1K_V1, field: "acc@1", value: 85.304}
  - id: conv-formula
    text: o = floor((i + 2p - k)/s) + 1
    check: {kind: formula, op: Conv2d, formula: "⌊(i+2p−k)/s⌋+1"}
  - id: conv-formula-wrong
    text: o = (i + 2p - k)/s + 1
    check: {kind: formula, op: Conv2d, formula: "(i + 2*p - k)/s + 1"}
  - id: tconv-formula
    text: o' = s(i'-1) + a + k - 2p
    check: {kind: formula, op: ConvTranspose2d, formula: "s(i'-1) + a + k - 2p"}
  - id: pool-formula
    text: o = floor((i - k)/s) + 1
    check: {kind: formula, op: MaxPool2d, formula: "floor((i - k)/s) + 1"}
  - id: same-padding
    text: same padding keeps the size for odd kernels
    check: {kind: formula, op: Conv2d, formula: "i", where: {p: "floor(k/2)"}, grid: {k: [1, 3, 5, 7]}}
  - id: dilated
    text: dilated conv
    check: {kind: formula, op: Conv2d, formula: "floor((i + 2p - k - (k-1)(d-1))/s) + 1"}
  - id: regnet
    text: RegNetY-400MF has 4,344,144 parameters.
    check: {kind: params, model: regnet_y_400mf, value: "4,344,144"}
  - id: dinov2-s
    text: DINOv2 ViT-S/14 has 21M parameters.
    check: {kind: params, model: dinov2_vits14, value: 21M}
  - id: arith
    text: 49C² vs 27C² is 81% more.
    check: {kind: arithmetic, expression: "(49 - 27) / 27 * 100", value: "81%"}
  - id: arith-wrong
    text: 3·16·16 = 786
    check: {kind: arithmetic, expression: "3·16·16", value: 786}
  - id: unknown-model
    text: ResNet-51 has 1 parameter.
    check: {kind: params, model: resnet51, value: 1}
  - id: shape
    text: resnet18 outputs 1000 logits.
    check: {kind: output_shape, model: resnet18, input_shape: [2, 3, 224, 224], value: [2, 1000]}
"""


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    base = tmp_path_factory.mktemp("facts")
    root = write_root(base, {"digests/d.yaml": digest_with(CLAIMS)})
    kb, report, diags = run(root)
    return root, kb, report, diags


def _result(measured, claim_id):
    return measured[2].results[f"d#{claim_id}"]


def _diags(measured, code, claim_id=None):
    return [d for d in measured[3] if d.code == code and (claim_id is None or d.data.get("uid") == f"d#{claim_id}")]


def test_wrong_parameter_count_is_a_kb601_naming_both_values(measured):
    r = _result(measured, "r18-wrong")
    assert r.status == "mismatch"
    (d,) = _diags(measured, "KB601", "r18-wrong")
    assert "21,797,672" in d.message and "11,689,512" in d.message and "resnet18" in d.message
    assert "all parameters" in d.message
    # pointed at the stated value in the file
    line = (measured[0] / "digests/d.yaml").read_text(encoding="utf-8").splitlines()[d.line - 1]
    assert line[d.col - 1:].startswith('"21,797,672"')


def test_right_counts_pass_with_and_without_head(measured):
    assert _result(measured, "r18-right").status == "ok"
    assert _result(measured, "r18-trunk").status == "ok"
    assert not _diags(measured, "KB601", "r18-right")


def test_vit_compute_in_both_conventions(measured):
    assert _result(measured, "vit-macs").status == "ok"
    assert _result(measured, "vit-flops").status == "ok"
    assert "multiply-add" in _result(measured, "vit-macs").convention
    assert _result(measured, "vit-384-params").status == "ok"


def test_resnet50_paper_figure_hints_at_v1(measured):
    r = _result(measured, "r50-paper")
    assert r.status == "mismatch"
    assert "resnet50_v1" in r.hint and "v1.5" in r.hint
    assert _result(measured, "r50-v1").status == "ok"


def test_googlenet_ratio_is_about_nine(measured):
    r = _result(measured, "ratio")
    assert r.status == "mismatch"
    assert 9.1 < r.measured_value < 9.3
    assert _diags(measured, "KB601", "ratio")


def test_disputed_claim_is_kb403_not_kb601(measured):
    assert _result(measured, "ratio-disputed").status == "mismatch"
    assert not _diags(measured, "KB601", "ratio-disputed")
    (d,) = _diags(measured, "KB403", "ratio-disputed")
    assert "9.22" in d.message


def test_weights_metadata_and_the_other_members_hint(measured):
    assert _result(measured, "acc").status == "ok"
    r = _result(measured, "acc-other-weights")
    assert r.status == "mismatch"
    assert "IMAGENET1K_SWAG_E2E_V1" in r.hint


def test_formulas_against_the_real_ops(measured):
    for cid in ("conv-formula", "tconv-formula", "pool-formula", "same-padding", "dilated"):
        assert _result(measured, cid).status == "ok", _result(measured, cid).message


def test_wrong_formula_is_kb603_with_smallest_counterexample(measured):
    r = _result(measured, "conv-formula-wrong")
    assert r.status == "mismatch"
    assert r.counterexample == {"i": 2, "k": 1, "s": 2, "p": 0, "formula": 1.5, "torch": 1}
    (d,) = _diags(measured, "KB603", "conv-formula-wrong")
    assert "i=2" in d.message and "torch gives 1" in d.message
    assert not _diags(measured, "KB601", "conv-formula-wrong")


def test_model_that_cannot_be_built_on_meta_falls_back_to_cpu(measured):
    r = _result(measured, "regnet")
    assert r.status == "ok"
    assert "built on the CPU without initialising weights, counted on meta" in r.message


def test_named_dinov2_config(measured):
    r = _result(measured, "dinov2-s")
    assert r.status == "mismatch"
    assert r.measured == "22,056,576"


def test_arithmetic(measured):
    assert _result(measured, "arith").status == "ok"
    r = _result(measured, "arith-wrong")
    assert r.status == "mismatch" and r.measured == "768"


def test_unknown_model_is_kb602_with_the_named_configs(measured):
    r = _result(measured, "unknown-model")
    assert r.status == "uncheckable"
    (d,) = _diags(measured, "KB602", "unknown-model")
    assert "resnet51" in d.message and "dinov2_vits14" in d.hint


def test_output_shape(measured):
    assert _result(measured, "shape").status == "ok"


def test_ledger_takes_the_fact_results(measured):
    from validators.claims import ledger

    root, kb, report, _ = measured
    status = {e.claim_id: e.status for e in ledger(kb, facts=report)}
    assert status["r18-right"] == "verified"
    assert status["r18-wrong"] == "failing"
    assert status["ratio-disputed"] == "disputed"
    assert status["unknown-model"] == "not-verified"


def test_summary_line(measured):
    line = measured[2].summary_line()
    assert line.startswith("facts: ") and "mismatch" in line and "torch" in line


HOSTILE = """\
  - id: hostile-formula
    text: a formula that tries to run code
    check: {kind: formula, op: Conv2d, formula: "__import__('os').system('touch PWNED')"}
  - id: hostile-arith
    text: arithmetic that tries to run code
    check: {kind: arithmetic, expression: "().__class__.__mro__", value: 1}
  - id: import-path
    text: a model given as an import path
    check: {kind: params, model: "os.system", value: 1}
"""


def test_code_in_a_card_is_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(HOSTILE)})
    _, report, diags = run(root)
    assert {r.status for r in report.results.values()} == {"uncheckable"}
    assert len([d for d in diags if d.code == "KB602"]) == 3
    assert not (tmp_path / "PWNED").exists()
