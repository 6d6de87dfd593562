"""Take measurements with torch and torchvision: counts, compute, shapes, metadata, formulas.

Each measurement is described by a plain dict (its *key*, see
:mod:`validators.facts.plan`) and returns a JSON-able dict, so the runner can
cache it.  Kinds of key:

``model``     parameter count and head size of one model config
``compute``   FLOPs of one forward pass (torch's flop counter), with the
              part spent in convolutions
``shape``     output shape for an input shape
``weights``   one weights enum member's metadata, straight from torchvision
``formula``   an output-size formula against the real op over a grid

FLOPs are counted with ``torch.utils.flop_counter.FlopCounterMode`` on meta
tensors.  On real tensors in eval mode, ``nn.MultiheadAttention`` takes a
fused fast path that the counter cannot see (vit_b_16 reads about a third
low), so on CPU or CUDA the fast path is switched off and attention is
forced onto the math backend while counting.

Importing this module imports torch.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections import OrderedDict
from typing import Any, Callable, Iterator

import torch
import torchvision
from torch import nn

from validators.facts import models as model_lib
from validators.facts.catalog import task_of
from validators.facts.formulas import check_formula


class Uncheckable(Exception):
    """The measurement cannot be taken (unknown model, unsupported op...); deterministic, so cacheable."""


#: models built in this process: (name, kwargs, device) -> (model, where, fallback reason).
#: Meta models cost no memory, so a test session or a long run reuses them.
_BUILT: "OrderedDict[tuple, tuple[nn.Module, str, str | None]]" = OrderedDict()
_BUILT_MAX = 48


def versions() -> dict[str, str]:
    return {"torch": torch.__version__, "torchvision": torchvision.__version__}


def _freeze(kwargs: dict[str, Any]) -> tuple:
    return tuple(sorted(kwargs.items()))


class Measurer:
    """Takes measurements; builds each model config once (per process) on the chosen device."""

    def __init__(self, device: str = "meta", say: Callable[[str], None] | None = None):
        if device == "auto":
            device = "meta"
        if device == "cuda" and not torch.cuda.is_available():
            raise Uncheckable("--device cuda was asked for, but torch sees no CUDA device")
        self.device = device
        self.op_device = "cuda" if device == "cuda" else "cpu"
        self.say = say or (lambda _msg: None)
        self.built_count = 0

    # ---------------------------------------------------------------- models

    def model(self, name: str, kwargs: dict[str, Any]) -> tuple[nn.Module, str, str | None]:
        key = (name, _freeze(kwargs), self.device)
        if key in _BUILT:
            _BUILT.move_to_end(key)
            return _BUILT[key]
        self.say(f"building {name} on {self.device}")
        try:
            built = model_lib.build(name, kwargs, self.device)
        except model_lib.UnknownModel:
            raise Uncheckable(
                f"unknown model {name!r}: not in torchvision {torchvision.__version__}'s registry nor a named config"
            ) from None
        except model_lib.BuildError as exc:
            raise Uncheckable(f"cannot build {name}: {exc}") from None
        self.built_count += 1
        _BUILT[key] = built
        while len(_BUILT) > _BUILT_MAX:
            _BUILT.popitem(last=False)
        return built

    def measure(self, key: dict[str, Any]) -> dict[str, Any]:
        what = key["m"]
        if what == "model":
            return self._params(key)
        if what == "compute":
            return self._compute(key)
        if what == "shape":
            return self._shape(key)
        if what == "weights":
            return self._weights(key)
        if what == "formula":
            return self._formula(key)
        raise Uncheckable(f"unknown measurement {what!r}")  # pragma: no cover

    def _params(self, key: dict[str, Any]) -> dict[str, Any]:
        model, where, fallback = self.model(key["model"], key["kwargs"])
        total = sum(p.numel() for p in model.parameters())
        num_classes = int(model_lib.effective_kwargs(key["model"], key["kwargs"]).get("num_classes", 1000))
        head_name, head = model_lib.find_head(model, num_classes)
        return {"params": total, "head": head_name, "head_params": head, "built_on": where, "fallback": fallback}

    @contextlib.contextmanager
    def _counting_context(self, on_device: str) -> Iterator[None]:
        if on_device == "meta":
            # batch norm has no FLOPs in torch's counter, but its meta decomposition is the
            # slowest step of a meta forward pass; shapes pass through it unchanged
            saved = nn.functional.batch_norm
            nn.functional.batch_norm = _pass_through
            try:
                with torch.no_grad():
                    yield
            finally:
                nn.functional.batch_norm = saved
            return
        # real tensors: keep attention on kernels the flop counter can see
        from torch.nn.attention import SDPBackend, sdpa_kernel

        fast = torch.backends.mha.get_fastpath_enabled()
        torch.backends.mha.set_fastpath_enabled(False)
        try:
            with torch.no_grad(), sdpa_kernel(SDPBackend.MATH):
                yield
        finally:
            torch.backends.mha.set_fastpath_enabled(fast)

    def _forward_input(self, model: nn.Module, where: str, shape: list[int]) -> torch.Tensor:
        if where == "meta":
            return torch.empty(*shape, device="meta")
        gen = torch.Generator(device="cpu").manual_seed(0)
        return torch.randn(*shape, generator=gen).to(where)

    def _supported(self, name: str) -> None:
        task = task_of(name)
        if task not in (None, "classification", "segmentation"):
            raise Uncheckable(f"{name} is a {task} model; compute and shape checks support models that take one image batch")

    def _compute(self, key: dict[str, Any]) -> dict[str, Any]:
        from torch.utils.flop_counter import FlopCounterMode

        self._supported(key["model"])
        model, where, fallback = self.model(key["model"], key["kwargs"])
        model.eval()
        x = self._forward_input(model, where, [1, *key["input_size"]])
        started = time.perf_counter()
        counter = FlopCounterMode(display=False)
        try:
            with self._counting_context(where), counter:
                out = model(x)
        except Exception as exc:
            raise Uncheckable(f"forward pass of {key['model']} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
        by_op = {str(op).split(".")[-1] if "." in str(op) else str(op): int(n) for op, n in counter.get_flop_counts().get("Global", {}).items()}
        conv = sum(n for op, n in by_op.items() if "convolution" in op)
        return {
            "flops": int(counter.get_total_flops()),
            "conv_flops": int(conv),
            "shape": _output_shape(out),
            "by_op": by_op,
            "built_on": where,
            "fallback": fallback,
            "seconds": round(time.perf_counter() - started, 4),
        }

    def _shape(self, key: dict[str, Any]) -> dict[str, Any]:
        self._supported(key["model"])
        model, where, fallback = self.model(key["model"], key["kwargs"])
        model.eval()
        x = self._forward_input(model, where, list(key["input_shape"]))
        try:
            with self._counting_context(where):
                out = model(x)
        except Exception as exc:
            raise Uncheckable(f"forward pass of {key['model']} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
        return {"shape": _output_shape(out), "built_on": where, "fallback": fallback}

    def _weights(self, key: dict[str, Any]) -> dict[str, Any]:
        enum_name, _, member = key["weights"].partition(".")
        if not member:
            raise Uncheckable(f"weights {key['weights']!r} must be written Enum.MEMBER, e.g. ViT_B_16_Weights.IMAGENET1K_V1")
        enum = getattr(torchvision.models, enum_name, None)
        if enum is None or not isinstance(enum, type) or not issubclass(enum, torchvision.models.WeightsEnum):
            raise Uncheckable(f"unknown weights enum {enum_name!r} in torchvision {torchvision.__version__}")
        try:
            weights = enum[member] if member != "DEFAULT" else enum.DEFAULT
        except KeyError:
            raise Uncheckable(
                f"{enum_name} has no member {member!r} (members: {', '.join(m.name for m in enum)})"
            ) from None
        meta = weights.meta
        metrics = meta.get("_metrics", {})
        return {
            "member": f"{enum_name}.{weights.name}",
            "num_params": meta.get("num_params"),
            "_ops": meta.get("_ops"),
            "_file_size": meta.get("_file_size"),
            "min_size": list(meta["min_size"]) if meta.get("min_size") else None,
            "metrics": {ds: dict(vals) for ds, vals in metrics.items()},
            "members": [m.name for m in enum],
        }

    # ---------------------------------------------------------------- formulas

    def _formula(self, key: dict[str, Any]) -> dict[str, Any]:
        device = self.op_device

        def run_op(op: str, size: int, v: dict[str, int], op_kwargs: dict[str, Any]) -> int:
            return _op_output(op, size, v, op_kwargs, device)

        # oneDNN compiles a kernel for every new shape, milliseconds per grid case; the plain
        # CPU kernels give the same output sizes in microseconds
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the flags context warns about Intel GPU TF32
                with torch.backends.mkldnn.flags(enabled=False):
                    return check_formula(
                        op=key["op"], formula=key["formula"], where=key["where"], grid=key["grid"],
                        op_kwargs=key["op_kwargs"], max_cases=key.get("max_cases", 20000), run_op=run_op,
                    )
        except ValueError as exc:  # FormulaProblem: deterministic, so it is reported as uncheckable
            raise Uncheckable(str(exc)) from None


def _output_shape(out: Any) -> list[int]:
    """The shape of a model's main output (logits; ``out`` of a segmentation model)."""
    if isinstance(out, dict):
        out = out.get("out", next(iter(out.values())))
    if isinstance(out, (tuple, list)):
        out = out[0]
    return list(out.shape)


def _pass_through(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x


def _op_output(op: str, size: int, v: dict[str, int], op_kwargs: dict[str, Any], device: str) -> int:
    import torch.nn.functional as F

    dims = int(op[-2])
    x = torch.zeros(1, 1, *([size] * dims), device=device)
    k, s, p, d, a = v["k"], v["s"], v["p"], v["d"], v["a"]
    if op.startswith("Conv") and not op.startswith("ConvTranspose"):
        w = torch.zeros(1, 1, *([k] * dims), device=device)
        fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dims]
        out = fn(x, w, None, s, p, d)
    elif op.startswith("ConvTranspose"):
        w = torch.zeros(1, 1, *([k] * dims), device=device)
        fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d}[dims]
        out = fn(x, w, None, s, p, a, 1, d)
    elif op.startswith("MaxPool"):
        fn = {1: F.max_pool1d, 2: F.max_pool2d}[dims]
        out = fn(x, k, s, p, d, ceil_mode=bool(op_kwargs.get("ceil_mode", False)))
    else:
        fn = {1: F.avg_pool1d, 2: F.avg_pool2d}[dims]
        out = fn(x, k, s, p, ceil_mode=bool(op_kwargs.get("ceil_mode", False)),
                 count_include_pad=bool(op_kwargs.get("count_include_pad", True)))
    return int(out.shape[-1])


