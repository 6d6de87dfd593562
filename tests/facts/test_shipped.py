"""Models counted as their pretrained weights ship, on every family torchvision publishes.

Each test here failed before the fix it names: Inception v3 counted without
the auxiliary head its weights keep, segmentation models without their
auxiliary classifier, ``weights_meta`` refusing every enum outside
``torchvision.models``, a ViT claim about 518×518 weights measured at 224,
a builder that refuses with NotImplementedError left uncached (so a warm run
imported torch again), and measured values rounded below the claim's digits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torchvision

from tests.facts.conftest import digest_with, run, write_root
from validators.facts.catalog import FROZEN_BACKBONE_NORMS, MODELS, SHIPPED_DEFAULTS, WEIGHTS, as_shipped
from validators.facts.measure import Measurer

REPO = Path(__file__).resolve().parents[2]


def _num_params(model: str) -> int:
    return torchvision.models.get_model_weights(model).DEFAULT.meta["num_params"]


@pytest.mark.parametrize("model", sorted(SHIPPED_DEFAULTS))
def test_every_shipped_default_gives_the_weights_parameter_count(model):
    measured = Measurer("meta").measure({"m": "model", "model": model, "kwargs": {}})
    assert measured["params"] == _num_params(model), f"{model}: the default does not match its weights"


@pytest.mark.parametrize("model", ["inception_v3", "fcn_resnet50", "deeplabv3_resnet50", "quantized_googlenet"])
def test_without_its_default_the_count_differs(model):
    # the table is not decoration: dropping the entry gives the count the old runner reported
    switch = next(k for k in SHIPPED_DEFAULTS[model] if k.startswith("aux"))
    flipped = {switch: not SHIPPED_DEFAULTS[model][switch]}
    measured = Measurer("meta").measure({"m": "model", "model": model, "kwargs": flipped})
    assert measured["params"] != _num_params(model)


def test_the_defaults_table_covers_every_builder_that_adds_an_aux_head_with_weights():
    import inspect

    for name in torchvision.models.list_models():
        params = inspect.signature(torchvision.models.get_model_builder(name)).parameters
        source = inspect.getsource(torchvision.models.get_model_builder(name))
        # a builder that changes aux_loss/aux_logits when given weights needs an entry
        if "aux_loss" in params and "_ovewrite_value_param" in source and "aux_loss" in source.split("_ovewrite_value_param", 1)[1]:
            assert name in SHIPPED_DEFAULTS, name
        if "aux_logits" in source and "original_aux_logits" in source:
            assert name in SHIPPED_DEFAULTS, name


def test_the_weights_table_matches_torchvision():
    seen = {}
    for model in torchvision.models.list_models():
        for w in torchvision.models.get_model_weights(model):
            full = f"{type(w).__name__}.{w.name}"
            seen[full] = model
            size, kwargs = as_shipped(full)
            transforms = w.transforms()
            crop = getattr(transforms, "crop_size", None) or getattr(transforms, "resize_size", None)
            if crop is None:
                assert size is None, full
            else:
                assert size is not None and tuple(size[-2:]) == (crop[0], crop[-1]), full
            if model.startswith("vit_"):
                side = w.meta["min_size"][0]
                assert kwargs == ({"image_size": side} if side != 224 else {}), full
    assert set(WEIGHTS) == set(seen)
    assert {m for m, row in MODELS.items() if row[1]} == set(seen.values())


@pytest.mark.parametrize("weights", [
    "FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1", "LRASPP_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1",
    "FasterRCNN_ResNet50_FPN_Weights.COCO_V1", "R3D_18_Weights.KINETICS400_V1", "Raft_Large_Weights.C_T_SKHT_V2",
    "ResNet50_QuantizedWeights.IMAGENET1K_FBGEMM_V2", "MViT_V2_S_Weights.DEFAULT",
])
def test_weights_meta_reads_every_family(weights):
    out = Measurer("meta").measure({"m": "weights", "weights": weights})
    assert out["num_params"] == torchvision.models.get_weight(weights).meta["num_params"]


CLAIMS = """\
  - id: inception
    text: Inception v3 has 27,161,264 parameters.
    check: {kind: params, model: inception_v3, value: "27,161,264"}
  - id: fcn
    text: FCN-ResNet50 has 35,322,218 parameters.
    check: {kind: params, model: fcn_resnet50, value: "35,322,218"}
  - id: fcn-meta
    text: FCN-ResNet50 has 35,322,218 parameters.
    check: {kind: weights_meta, weights: FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1, field: num_params, value: 35322218}
  - id: r3d-acc
    text: R3D-18 reaches 63.2% top-1 on Kinetics-400.
    check: {kind: weights_meta, weights: R3D_18_Weights.KINETICS400_V1, field: "acc@1", value: 63.2}
  - id: vit-h-518
    text: "vit_h_14 IMAGENET1K_SWAG_E2E_V1: 633,470,440 params at 518×518"
    check: {kind: params, model: vit_h_14, value: "633,470,440", weights: IMAGENET1K_SWAG_E2E_V1}
  - id: vit-h-518-macs
    text: "vit_h_14 IMAGENET1K_SWAG_E2E_V1: 1016.717 GFLOPS"
    check: {kind: macs, model: vit_h_14, value: 1016.717G, weights: IMAGENET1K_SWAG_E2E_V1}
  - id: vit-h-plain
    text: "vit_h_14 at 518: 633,470,440 params"
    check: {kind: params, model: vit_h_14, value: "633,470,440"}
  - id: video-macs
    text: R3D-18 costs 40.697 GFLOPS per 16-frame clip.
    check: {kind: macs, model: r3d_18, value: 40.697G, weights: DEFAULT}
  - id: wrong-member
    text: no such weights
    check: {kind: params, model: resnet50, value: 1, weights: IMAGENET22K_V9}
  - id: digits
    text: ViT-B/16 needs 17.566 GFLOPs.
    check: {kind: macs, model: vit_b_16, value: 17.566G}
"""


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    base = tmp_path_factory.mktemp("shipped")
    root = write_root(base, {"digests/d.yaml": digest_with(CLAIMS)})
    return run(root)


def _r(shipped, cid):
    return shipped[1].results[f"d#{cid}"]


@pytest.mark.parametrize("cid", ["inception", "fcn", "fcn-meta", "r3d-acc", "vit-h-518", "vit-h-518-macs", "video-macs"])
def test_claims_copied_from_the_weights_table_verify(shipped, cid):
    r = _r(shipped, cid)
    assert r.status == "ok", r.message


def test_a_vit_count_for_other_weights_names_them_in_the_hint(shipped):
    r = _r(shipped, "vit-h-plain")
    assert r.status == "mismatch" and r.measured == "632,045,800"
    assert "IMAGENET1K_SWAG_E2E_V1" in r.hint and "weights: IMAGENET1K_SWAG_E2E_V1" in r.hint


def test_unknown_weights_member_is_uncheckable_with_the_members(shipped):
    r = _r(shipped, "wrong-member")
    assert r.status == "uncheckable" and "IMAGENET1K_V2" in r.message


def test_measured_value_is_shown_with_the_claims_digits(shipped):
    r = _r(shipped, "digits")
    assert r.status == "mismatch"
    assert r.measured.startswith("17.564 G"), r.measured  # not "17.56 G" beside "17.566G"


SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from kb.config import FactsConfig
    from kb.store import load_kb
    from validators.facts import run_facts
    report = run_facts(load_kb(Path(sys.argv[1])), FactsConfig(), cache_dir=Path(sys.argv[2]), progress=False)
    print(json.dumps({"torch": "torch" in sys.modules, "measured": report.measured,
                      "status": {u: [r.status, r.message] for u, r in report.results.items()}}))
    """
)

REFUSED = """\
  - id: lraspp-aux
    text: LR-ASPP with an auxiliary head
    check: {kind: params, model: lraspp_mobilenet_v3_large, value: 1, model_kwargs: {aux_loss: true}}
  - id: vit-bad-size
    text: a ViT whose image size the patch does not divide
    check: {kind: params, model: vit_b_16, value: 1, model_kwargs: {image_size: 225}}
"""


def test_a_builder_refusal_of_any_kind_is_cached_so_a_warm_run_never_imports_torch(tmp_path):
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(REFUSED)})
    cache = tmp_path / ".kb-cache"

    def fresh():
        proc = subprocess.run([sys.executable, "-c", SCRIPT, str(root), str(cache)], cwd=REPO, capture_output=True,
                              text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    cold = fresh()
    assert cold["status"]["d#lraspp-aux"][0] == "uncheckable"
    assert "NotImplementedError" in cold["status"]["d#lraspp-aux"][1]
    assert cold["status"]["d#vit-bad-size"][0] == "uncheckable"
    warm = fresh()
    assert warm["torch"] is False and warm["measured"] == 0
    assert warm["status"] == cold["status"]


def test_frozen_norm_detectors_count_as_shipped():
    for model in sorted(FROZEN_BACKBONE_NORMS)[:3]:
        measured = Measurer("meta").measure({"m": "model", "model": model, "kwargs": {}})
        assert measured["params"] == _num_params(model), model
