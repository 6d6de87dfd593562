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


class TransientFailure(Exception):
    """The machine, not the claim, failed (out of memory): worth retrying, so never cached."""


#: most input elements a forward pass on real tensors may take (3×2048×2048).  Meta tensors
#: cost nothing, but a model that must fall back to the CPU runs a real forward pass, whose
#: activations grow with the input: regnet_y_400mf on 3×8192×8192 needs many gigabytes.
MAX_REAL_INPUT_ELEMENTS = 3 * 2048 * 2048

_ALLOCATION_FAILURES = ("out of memory", "can't allocate memory", "cannot allocate memory", "failed to allocate")


def is_transient(exc: BaseException) -> bool:
    """Whether a failure says something about this machine now rather than about the claim.

    Running out of memory (host or device) depends on what else is running; caching it
    as "uncheckable" would hide the claim until the cache is cleared.  Shape and argument
    errors are deterministic and stay uncheckable.
    """
    if isinstance(exc, (MemoryError, TransientFailure)):
        return True
    oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", None)
    if oom is not None and isinstance(exc, oom):
        return True
    if isinstance(exc, RuntimeError):
        text = str(exc).lower()
        return any(marker in text for marker in _ALLOCATION_FAILURES)
    return False


def _forward_failed(model_name: str, exc: Exception) -> Exception:
    """The exception to raise for a failed forward pass: transient (not cached) or Uncheckable."""
    summary = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    if is_transient(exc):
        return TransientFailure(f"forward pass of {model_name} ran out of memory: {summary}")
    return Uncheckable(f"forward pass of {model_name} failed: {summary}")


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

    def _forward_input(self, model: nn.Module, where: str, shape: list[int], name: str) -> torch.Tensor:
        if where == "meta":
            return torch.empty(*shape, device="meta")
        elements = 1
        for n in shape:
            elements *= int(n)
        if elements > MAX_REAL_INPUT_ELEMENTS:
            # deterministic for this model and input, so it is reported (KB602) and cached
            raise Uncheckable(
                f"{name} runs on real tensors ({where}), and an input of {'×'.join(map(str, shape))} "
                f"({elements:,} values) is above the budget of {MAX_REAL_INPUT_ELEMENTS:,} for a real forward pass"
            )
        gen = torch.Generator(device="cpu").manual_seed(0)
        return torch.randn(*shape, generator=gen).to(where)

    def _supported(self, name: str, input_dims: int) -> None:
        task = task_of(name)
        if task == "detection":
            raise Uncheckable(
                f"{name} is a detection model: it resizes its input inside the model and its compute depends on "
                "the image and on how many boxes it proposes, so there is no one count to compare with "
                "(torchvision's _ops for it can be checked with kind: weights_meta, field: _ops)"
            )
        if task == "optical_flow":
            raise Uncheckable(
                f"{name} is an optical flow model: it takes two images and iterates a number of refinement steps, "
                "so its compute depends on arguments a check cannot set "
                "(torchvision's _ops for it can be checked with kind: weights_meta, field: _ops)"
            )
        want = 4 if task == "video" else 3
        if input_dims != want:
            shape = "C, T, H, W (a clip, e.g. [3, 16, 112, 112])" if want == 4 else "C, H, W"
            raise Uncheckable(f"{name} is a {task or 'classification'} model: its input_size is {shape}")

    def _compute(self, key: dict[str, Any]) -> dict[str, Any]:
        from torch.utils.flop_counter import FlopCounterMode

        self._supported(key["model"], len(key["input_size"]))
        model, where, fallback = self.model(key["model"], key["kwargs"])
        model.eval()
        x = self._forward_input(model, where, [1, *key["input_size"]], key["model"])
        started = time.perf_counter()
        counter = FlopCounterMode(display=False)
        try:
            with self._counting_context(where), counter:
                out = model(x)
        except Exception as exc:
            raise _forward_failed(key["model"], exc) from None
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
        self._supported(key["model"], len(key["input_shape"]) - 1)
        model, where, fallback = self.model(key["model"], key["kwargs"])
        model.eval()
        x = self._forward_input(model, where, list(key["input_shape"]), key["model"])
        try:
            with self._counting_context(where):
                out = model(x)
        except Exception as exc:
            raise _forward_failed(key["model"], exc) from None
        return {"shape": _output_shape(out), "built_on": where, "fallback": fallback}

    def _weights(self, key: dict[str, Any]) -> dict[str, Any]:
        name = key["weights"]
        enum_name, _, member = name.partition(".")
        if not member:
            raise Uncheckable(f"weights {name!r} must be written Enum.MEMBER, e.g. ViT_B_16_Weights.IMAGENET1K_V1")
        try:
            # every family: classification, segmentation, detection, video, optical flow, quantized
            weights = torchvision.models.get_weight(name)
        except (ValueError, KeyError, AttributeError):
            enum = None
            for model_name in torchvision.models.list_models():
                candidate = torchvision.models.get_model_weights(model_name)
                if candidate.__name__ == enum_name:
                    enum = candidate
                    break
            if enum is None:
                raise Uncheckable(f"unknown weights enum {enum_name!r} in torchvision {torchvision.__version__}") from None
            raise Uncheckable(
                f"{enum_name} has no member {member!r} (members: {', '.join(m.name for m in enum)})"
            ) from None
        enum = type(weights)
        enum_name = enum.__name__
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
        def run_op(op: str, size: int, v: dict[str, int], op_kwargs: dict[str, Any]) -> int:
            try:
                return _op_output(op, size, v, op_kwargs)
            except Exception as exc:
                # check_formula counts a RuntimeError as "torch refuses these arguments";
                # running out of memory is no such answer
                if is_transient(exc) and not isinstance(exc, TransientFailure):
                    raise TransientFailure(f"{op} ran out of memory: {exc}") from None
                raise

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return check_formula(
                    op=key["op"], formula=key["formula"], where=key["where"], grid=key["grid"],
                    op_kwargs=key["op_kwargs"], max_cases=key.get("max_cases", 20000), run_op=run_op,
                )
        except TransientFailure:
            raise
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


def _op_output(op: str, size: int, v: dict[str, int], op_kwargs: dict[str, Any], device: str = "meta") -> int:
    """The output size of ``op`` for an input of ``size`` along every spatial dimension.

    It runs on meta tensors: the shape functions are torch's own, and no memory is
    allocated whatever the size (a real 1000³ Conv3d input alone is 4 GB).  The meta
    kernels skip two argument checks the CPU kernels make, so those are made here
    first: an input with an empty spatial dimension, and a transposed convolution's
    output padding, which must be smaller than its stride or its dilation.
    """
    import torch.nn.functional as F

    dims = int(op[-2])
    k, s, p, d, a = v["k"], v["s"], v["p"], v["d"], v["a"]
    if device == "meta":
        if size < 1:
            raise RuntimeError(f"{op} needs a non-empty input, got size {size}")
        if op.startswith("ConvTranspose") and not (a < s or a < d):
            raise RuntimeError(f"output padding {a} must be smaller than either stride {s} or dilation {d}")
    x = torch.zeros(1, 1, *([size] * dims), device=device)
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


