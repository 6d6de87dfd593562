"""Bounds on what a check may cost, and failures that must be reported rather than crash or stick.

Real torch and torchvision throughout; formula ops and models run on the
meta device, and nothing here allocates more than a few megabytes.
"""

from __future__ import annotations

import itertools
import socket
import time

import pytest
import torch
import torchvision
from pydantic import TypeAdapter, ValidationError

from kb.checks import MAX_GRID_VALUES, Check
from tests.facts.conftest import digest_with, run, write_root
from validators.facts import models as model_lib
from validators.facts.cache import FactCache
from validators.facts.formulas import FormulaProblem, check_formula, smallest_combinations
from validators.facts.measure import (
    MAX_REAL_INPUT_ELEMENTS,
    Measurer,
    TransientFailure,
    Uncheckable,
    _forward_failed,
    _op_output,
    is_transient,
)
from validators.facts.runner import _Measurements

CHECK = TypeAdapter(Check)


# --------------------------------------------------------------------------- formula grids


def _conv_size(op, i, v, kw):
    return (i + 2 * v["p"] - v["d"] * (v["k"] - 1) - 1) // v["s"] + 1


def test_a_large_formula_grid_is_never_built_in_full():
    # 64 values for each of five variables is over a billion combinations
    grid = {v: list(range(1, 65)) for v in ("i", "k", "s", "d")} | {"p": list(range(64))}
    started = time.perf_counter()
    result = check_formula(op="Conv2d", formula="floor((i+2*p-d*(k-1)-1)/s)+1", where={}, grid=grid,
                           op_kwargs={}, max_cases=2000, run_op=_conv_size)
    assert time.perf_counter() - started < 5
    assert result["ok"] and result["cases"] == 2000


def test_combinations_come_smallest_first_exactly_as_a_full_sort_would():
    values = {"i": [1, 4, 9, 16], "k": [1, 2, 3], "s": [1, 5], "p": [0, 2, 7]}
    everything = [dict(zip(values, c)) for c in itertools.product(*values.values())]
    everything.sort(key=lambda c: (sum(c.values()), [c[v] for v in values]))
    for limit in (1, 7, 30, len(everything), len(everything) + 5):
        assert list(smallest_combinations(values, limit)) == everything[:limit]


def test_grid_limits_are_in_the_schema_and_enforced_for_direct_callers():
    too_many = list(range(MAX_GRID_VALUES + 1))
    with pytest.raises(ValidationError):
        CHECK.validate_python({"kind": "formula", "op": "Conv2d", "formula": "i", "grid": {"i": too_many}})
    with pytest.raises(ValidationError):
        CHECK.validate_python({"kind": "formula", "op": "Conv2d", "formula": "i", "grid": {"i": [10**6]}})
    with pytest.raises(FormulaProblem, match="at most"):
        check_formula(op="Conv2d", formula="i - k + 1", where={}, grid={"i": too_many}, op_kwargs={},
                      max_cases=100, run_op=_conv_size)


def test_formula_ops_run_on_meta_whatever_the_size():
    # a real 1000³ input would be 4 GB
    v = {"k": 3, "s": 2, "p": 1, "d": 1, "a": 0}
    assert _op_output("Conv3d", 1000, v, {}) == 500
    assert _op_output("ConvTranspose2d", 4000, {**v, "a": 1}, {}) == 8000


@pytest.mark.parametrize("op", ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d",
                                "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d"])
def test_meta_output_sizes_and_refusals_match_the_cpu_kernels(op):
    kwargs = [{}] if op.startswith("Conv") else [{}, {"ceil_mode": True}]
    for kw, (i, k, s, p, d, a) in itertools.product(
        kwargs, itertools.product([0, 1, 2, 5, 8], [1, 2, 3], [1, 2], [0, 1, 2], [1, 2], [0, 1, 2])
    ):
        if (op.startswith("Avg") and d != 1) or (not op.startswith("ConvTranspose") and a != 0):
            continue
        v = {"k": k, "s": s, "p": p, "d": d, "a": a}
        answers = []
        for device in ("cpu", "meta"):
            try:
                answers.append(_op_output(op, i, v, kw, device))
            except (RuntimeError, ValueError):
                answers.append("refused")
        assert answers[0] == answers[1], (op, kw, i, v, answers)


def test_arithmetic_variables_are_bounded():
    from kb.checks import ArithmeticCheck
    from kb.config import FactsConfig
    from validators.facts.runner import _eval_arithmetic

    values = [float(x) for x in range(MAX_GRID_VALUES)]
    check = ArithmeticCheck(kind="arithmetic", expression="a + b + c", equals="c + b + a",
                            variables={"a": values, "b": values, "c": values})
    started = time.perf_counter()
    outcome = _eval_arithmetic(check, FactsConfig())
    assert outcome.status == "uncheckable" and "combinations" in outcome.message
    assert time.perf_counter() - started < 1


# --------------------------------------------------------------------------- model inputs


def test_model_inputs_are_bounded_in_the_schema():
    big = {"kind": "macs", "model": "regnet_y_400mf", "value": "1G", "input_size": [3, 8192, 8192]}
    with pytest.raises(ValidationError):
        CHECK.validate_python(big)
    with pytest.raises(ValidationError):
        CHECK.validate_python({"kind": "output_shape", "model": "resnet18", "value": [1],
                               "input_shape": [64, 3, 4096, 4096]})
    with pytest.raises(ValidationError):
        CHECK.validate_python({"kind": "params", "model": "resnet18", "value": 1,
                               "model_kwargs": {"num_classes": 10**9}})
    ok = CHECK.validate_python({"kind": "params", "model": "vit_b_16", "value": 1,
                                "model_kwargs": {"image_size": 384, "dropout": 0.1, "aux_logits": True}})
    assert ok.model_kwargs == {"image_size": 384, "dropout": 0.1, "aux_logits": True}


def test_a_real_forward_pass_above_the_budget_is_refused_before_it_runs():
    # on --device cpu every forward pass runs on real tensors
    measurer = Measurer("cpu")
    side = int((MAX_REAL_INPUT_ELEMENTS / 3) ** 0.5) + 64
    with pytest.raises(Uncheckable, match="budget"):
        measurer.measure({"m": "compute", "model": "regnet_y_400mf", "kwargs": {}, "input_size": [3, side, side]})
    # a meta model is not limited by the budget: its tensors hold no memory
    out = Measurer("meta").measure({"m": "shape", "model": "resnet18", "kwargs": {}, "input_shape": [1, 3, side, side]})
    assert out["shape"] == [1, 1000] and out["built_on"] == "meta"


def test_a_model_built_on_the_cpu_is_counted_on_meta_whatever_the_input():
    # RegNet computes its widths from tensors, so it is built on the CPU; its FLOPs used to be
    # counted with a real forward pass there (42 of 68 s of a run over torchvision's table),
    # and an input above the budget was refused.  Now the built model moves to meta.
    measurer = Measurer("meta")
    side = int((MAX_REAL_INPUT_ELEMENTS / 3) ** 0.5) + 64
    calls = []
    real_conv = torch.nn.Conv2d._conv_forward

    def spy(self, x, weight, bias):
        calls.append(x.device.type)
        return real_conv(self, x, weight, bias)

    torch.nn.Conv2d._conv_forward = spy
    try:
        out = measurer.measure({"m": "compute", "model": "regnet_y_400mf", "kwargs": {}, "input_size": [3, side, side]})
    finally:
        torch.nn.Conv2d._conv_forward = real_conv
    assert calls and set(calls) == {"meta"}, "a convolution ran on real tensors"
    assert out["built_on"] == "meta" and out["fallback"].startswith("built on the CPU")
    small = measurer.measure({"m": "compute", "model": "regnet_y_400mf", "kwargs": {}, "input_size": [3, 224, 224]})
    assert round(small["flops"] / 2e9, 3) == 0.402  # torchvision's _ops for RegNet_Y_400MF_Weights


# --------------------------------------------------------------------------- no downloads


@pytest.mark.parametrize("name", ["fcn_resnet50", "fasterrcnn_resnet50_fpn", "deeplabv3_mobilenet_v3_large"])
def test_every_weight_argument_of_a_builder_is_pinned_to_none(name):
    builder = torchvision.models.get_model_builder(name)
    assert model_lib.pinned_kwargs(builder) == {"weights": None, "weights_backbone": None}


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """Any connection attempt fails at once, and no weights file is already on disk."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))

    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", ["fcn_resnet50", "fasterrcnn_resnet50_fpn"])
def test_segmentation_and_detection_models_build_without_downloading(offline, name):
    model, where, fallback = model_lib.build(name, {}, "meta")
    assert where == "meta" and fallback is None
    assert sum(p.numel() for p in model.parameters()) > 0


def test_a_card_cannot_ask_for_pretrained_weights():
    for key in ("weights", "weights_backbone", "pretrained", "Pretrained_Backbone"):
        with pytest.raises(ValidationError, match="cannot be set"):
            CHECK.validate_python({"kind": "params", "model": "fcn_resnet50", "value": 1, "model_kwargs": {key: "DEFAULT"}})
        with pytest.raises(model_lib.BuildError, match="never loaded"):
            model_lib.build("fcn_resnet50", {key: "DEFAULT"}, "meta")


@pytest.mark.parametrize("device", ["meta", "cpu"])
def test_every_build_path_tells_a_refusal_from_running_out_of_memory(monkeypatch, device):
    """On meta (falling back to the CPU) and on a real device alike: the builder refusing its arguments is a
    BuildError (uncheckable, cached); running out of memory is raised as it is (retried next run)."""
    def builder_raising(exc: BaseException):
        def builder(**_kwargs):
            raise exc
        return builder

    monkeypatch.setattr(model_lib, "builder_for", lambda _name: builder_raising(ValueError("depth must be 18 or 34")))
    with pytest.raises(model_lib.BuildError, match="depth must be 18 or 34"):
        model_lib.build("resnet18", {}, device)
    monkeypatch.setattr(model_lib, "builder_for", lambda _name: builder_raising(MemoryError()))
    with pytest.raises(MemoryError):
        model_lib.build("resnet18", {}, device)


# --------------------------------------------------------------------------- transient failures


@pytest.mark.parametrize(
    "exc",
    [
        MemoryError(),
        torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        RuntimeError("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: "
                     "you tried to allocate 6442450944 bytes. Error code 12 (Cannot allocate memory)"),
    ],
)
def test_running_out_of_memory_is_transient(exc):
    assert is_transient(exc)
    assert isinstance(_forward_failed("regnet_y_400mf", exc), TransientFailure)


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("Given groups=1, weight of size [64, 3, 7, 7], expected input[1, 4, 224, 224] to have 3 channels"),
        RuntimeError("Calculated output size: (64x0x0). Output size is too small"),
        ValueError("Expected more than 1 value per channel when training"),
        TypeError("forward() missing 1 required positional argument"),
    ],
)
def test_shape_and_argument_errors_are_uncheckable(exc):
    assert not is_transient(exc)
    assert isinstance(_forward_failed("resnet18", exc), Uncheckable)


def test_a_transient_failure_is_not_mistaken_for_torch_refusing_a_grid_case():
    def out_of_memory(op, i, v, kw):
        raise _forward_failed("Conv2d", MemoryError())

    # check_formula skips cases whose op raises RuntimeError or ValueError; this must get through
    with pytest.raises(TransientFailure):
        check_formula(op="Conv2d", formula="i - k + 1", where={}, grid={}, op_kwargs={}, max_cases=10,
                      run_op=out_of_memory)


def test_a_transient_failure_is_reported_but_not_cached(tmp_path):
    class RunsOutOfMemory:
        def measure(self, key):
            raise _forward_failed("resnet18", MemoryError())

    cache = FactCache(tmp_path, {"torch": torch.__version__, "torchvision": torchvision.__version__})
    m = _Measurements(cache, {"torch": "x", "torchvision": "y"}, "meta", lambda _msg: None)
    m._measurer = RunsOutOfMemory()
    key = {"m": "compute", "model": "resnet18", "kwargs": {}, "input_size": [3, 224, 224]}
    m.ensure([key])
    assert "error" in m.get(key) and "memory" in m.get(key)["error"]
    assert cache.get(key) is None


# --------------------------------------------------------------------------- through the runner

CLAIMS = """\
  - id: formula
    text: o = floor((i - k)/s) + 1
    check: {kind: formula, op: MaxPool2d, formula: "floor((i - k)/s) + 1"}
  - id: shape
    text: resnet18 outputs 1000 logits.
    check: {kind: output_shape, model: resnet18, input_shape: [2, 3, 32, 32], value: [2, 1000]}
  - id: full-count
    text: resnet18 costs 3,628,146,688 FLOPs.
    check: {kind: flops, model: resnet18, value: "3,628,146,688"}
  - id: scientific
    text: ResNet-18 has about 1.2e7 parameters.
    check: {kind: params, model: resnet18, value: "1.2e7"}
  - id: bn
    text: ResNet-18 has 0.0117Bn parameters.
    check: {kind: params, model: resnet18, value: "0.0117Bn"}
  - id: sqrt
    text: the square root of two is 1.41
    check: {kind: arithmetic, expression: "2**0.5", value: "1.41"}
  - id: complex
    text: the cube root of -8
    check: {kind: arithmetic, expression: "(-8)**(1/3)", value: "-2"}
  - id: bare-function
    text: a function name alone
    check: {kind: arithmetic, expression: "floor", value: "1"}
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = write_root(tmp_path_factory.mktemp("limits"), {"digests/d.yaml": digest_with(CLAIMS)})
    # a non-default formula_max_cases is part of the formula's measurement key
    _, report, _ = run(root, config={"facts": {"formula_max_cases": 500}})
    return report


def test_a_changed_formula_max_cases_is_used_for_planning_and_look_up(report):
    r = report.results["d#formula"]
    assert r.status == "ok", r.message
    assert report.results["d#shape"].status == "ok"


def test_a_full_flop_count_is_compared_as_a_count(report):
    r = report.results["d#full-count"]
    assert r.status == "ok", r.message
    assert "3,628,146,688 FLOPs" in r.message and " G " not in r.message


def test_scientific_notation_and_bn_through_the_runner(report):
    assert report.results["d#scientific"].status == "ok", report.results["d#scientific"].message
    assert report.results["d#bn"].status == "ok", report.results["d#bn"].message


def test_arithmetic_edge_cases_are_reported_not_crashes(report):
    assert report.results["d#sqrt"].status == "ok", report.results["d#sqrt"].message
    assert report.results["d#complex"].status == "uncheckable"
    assert "real number" in report.results["d#complex"].message
    assert report.results["d#bare-function"].status == "uncheckable"
    assert "is a function" in report.results["d#bare-function"].message
