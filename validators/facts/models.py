"""Build models by name: torchvision's registry plus a few named configs.

This is the only place the fact runner turns a name into a network, and it
accepts nothing but names: a registry name that ``torchvision.models``
knows, or one of the named architecture configs below, which are built from
torchvision's own classes with fixed arguments.  A card can never make the
runner import a module or run code.

Nothing is ever downloaded: every weight argument a builder has (``weights``,
and ``weights_backbone`` for detection and segmentation models) is set to
None, and a card cannot set one.

Models are built on the meta device where possible: no memory is allocated
and no weights are initialised, so even ViT-g/14 builds in milliseconds and
parameter counts are exact.  Models are counted as their pretrained weights
ship: auxiliary heads where the weights have them (``SHIPPED_DEFAULTS``), and
frozen backbone norms for the detectors whose builders freeze them only when
given weights (``FROZEN_BACKBONE_NORMS``).  A few builders compute layer
widths from tensor data (RegNet), which the meta device cannot do; those are
built on the CPU with weight initialisation switched off (counts and shapes
do not depend on the values), then moved to the meta device, so no real
forward pass ever runs on the CPU.

Whatever exception a builder raises for the arguments it is given (TypeError,
NotImplementedError, ValueError...) is a :class:`BuildError`: deterministic,
so the runner caches it and reports a KB602.

Importing this module imports torch; the runner imports it only when some
measurement is not cached.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from typing import Any, Callable, Iterator

import torch
import torchvision
from torch import nn

from validators.facts.catalog import FROZEN_BACKBONE_NORMS, NAMED_CONFIGS, SHIPPED_DEFAULTS


class UnknownModel(LookupError):
    """Not a torchvision registry name nor a named config."""


class BuildError(RuntimeError):
    """The builder refused the arguments or failed."""


# --------------------------------------------------------------------------- named configs

#: DINOv2 backbones: (depth, heads, width, MLP width, SwiGLU MLP?)
_DINOV2 = {
    "dinov2_vits14": (12, 6, 384, 1536, False),
    "dinov2_vitb14": (12, 12, 768, 3072, False),
    "dinov2_vitl14": (24, 16, 1024, 4096, False),
    "dinov2_vitg14": (40, 24, 1536, 6144, True),
}


class _SwiGLU(nn.Module):
    """DINOv2's fused SwiGLU MLP: one Linear to 2*h, gate, one Linear back."""

    def __init__(self, dim: int, mlp_dim: int):
        super().__init__()
        # DINOv2 keeps the parameter budget of a 4x MLP: h = 2/3 * mlp_dim, rounded up to 8
        hidden = (int(mlp_dim * 2 / 3) + 7) // 8 * 8
        self.w12 = nn.Linear(dim, 2 * hidden)
        self.w3 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = self.w12(x).chunk(2, dim=-1)
        return self.w3(nn.functional.silu(x1) * x2)


def _dinov2(name: str, image_size: int = 518) -> nn.Module:
    from torchvision.models.vision_transformer import VisionTransformer

    depth, heads, width, mlp, swiglu = _DINOV2[name]
    model = VisionTransformer(
        image_size=image_size, patch_size=14, num_layers=depth, num_heads=heads, hidden_dim=width, mlp_dim=mlp
    )
    model.heads = nn.Identity()  # a backbone: features out, no classifier
    # DINOv2 has a mask token for iBOT and LayerScale in every block; torchvision's
    # ViT has neither, so they are added as parameters to make the count exact.
    model.mask_token = nn.Parameter(torch.empty(1, width))
    for block in model.encoder.layers:
        block.ls1 = nn.Parameter(torch.empty(width))
        block.ls2 = nn.Parameter(torch.empty(width))
        if swiglu:
            block.mlp = _SwiGLU(width, mlp)
    return model


def _resnet_v1(name: str, **kwargs: Any) -> nn.Module:
    """The 2015 paper's ResNet: the stride-2 of a downsampling block sits on its first 1x1 conv."""
    base = name.removesuffix("_v1")
    model = torchvision.models.get_model(base, weights=None, **kwargs)
    from torchvision.models.resnet import Bottleneck

    for module in model.modules():
        if isinstance(module, Bottleneck) and module.conv2.stride != (1, 1):
            module.conv1.stride, module.conv2.stride = module.conv2.stride, (1, 1)
    return model


def _named_builder(name: str) -> Callable[..., nn.Module]:
    if name in _DINOV2:
        return lambda **kw: _dinov2(name, **kw)
    if name.endswith("_v1") and name.startswith("resnet"):
        return lambda **kw: _resnet_v1(name, **kw)
    raise UnknownModel(name)  # pragma: no cover - NAMED_CONFIGS and this function agree


def registry_names() -> list[str]:
    return list(torchvision.models.list_models())


#: builder arguments that would load pretrained weights (and so download them); the runner
#: measures architectures, so a card may not set them
_WEIGHT_ARGUMENTS = ("weights", "pretrained")


def weight_argument(key: str) -> bool:
    """Whether a builder keyword argument selects pretrained weights (weights, weights_backbone, pretrained...)."""
    return key.lower().startswith(_WEIGHT_ARGUMENTS)


def pinned_kwargs(builder: Callable[..., nn.Module]) -> dict[str, None]:
    """The weight arguments a registry builder is always called with: all None.

    ``weights=None`` alone is not enough: detection and segmentation builders
    default ``weights_backbone`` to ImageNet weights and would download them.
    """
    try:
        params = inspect.signature(builder).parameters
    except (TypeError, ValueError):  # pragma: no cover - torchvision builders are plain functions
        params = {}
    pinned = {"weights": None}
    for arg in params:
        if weight_argument(arg) and arg != "weights":
            pinned[arg] = None
    return pinned


def builder_for(name: str) -> Callable[..., nn.Module]:
    if name in NAMED_CONFIGS:
        return _named_builder(name)
    if name not in torchvision.models.list_models():
        raise UnknownModel(name)
    builder = torchvision.models.get_model_builder(name)
    pinned = pinned_kwargs(builder)
    return lambda **kw: builder(**kw, **pinned)


def effective_kwargs(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Builder defaults for counting (as the pretrained weights ship) under the card's own kwargs."""
    return {**SHIPPED_DEFAULTS.get(name, {}), **kwargs}


# --------------------------------------------------------------------------- building


@contextlib.contextmanager
def _no_init() -> Iterator[None]:
    """Skip weight initialisation while building on a real device (counts do not need values)."""
    names = [n for n in dir(nn.init) if n.endswith("_") and not n.startswith("_")]
    saved = {n: getattr(nn.init, n) for n in names}

    def keep(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        return tensor

    try:
        for n in names:
            setattr(nn.init, n, keep)
        yield
    finally:
        for n, fn in saved.items():
            setattr(nn.init, n, fn)


def _freeze_backbone_norms(model: nn.Module) -> None:
    """Swap the BatchNorm2d layers of a detector's backbone for FrozenBatchNorm2d, as its weights ship."""
    from torchvision.ops.misc import FrozenBatchNorm2d

    for parent in list(model.backbone.body.modules()):
        for child_name, child in parent.named_children():
            if type(child) is nn.BatchNorm2d:
                setattr(parent, child_name, FrozenBatchNorm2d(child.num_features, eps=child.eps))


def _refusal(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:240] if str(exc) else ""
    if isinstance(exc, TypeError):
        return f"the builder does not accept these arguments: {text}"
    return f"the builder refused these arguments: {type(exc).__name__}: {text}".rstrip(": ")


def _transient(exc: BaseException) -> bool:
    """Out of memory says something about this machine now, not about the arguments."""
    if isinstance(exc, MemoryError):
        return True
    oom = getattr(torch, "OutOfMemoryError", None)
    if oom is not None and isinstance(exc, oom):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def _call(name: str, builder: Callable[..., nn.Module], kwargs: dict[str, Any]) -> nn.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = builder(**kwargs)
        except TypeError as exc:
            raise BuildError(_refusal(exc)) from None
    if name in FROZEN_BACKBONE_NORMS:
        _freeze_backbone_norms(model)
    return model


def _call_on(device: str, name: str, builder: Callable[..., nn.Module], kwargs: dict[str, Any], *,
             init: bool = True) -> nn.Module:
    """Build on ``device`` (``init=False``: leave the weights uninitialised).

    Whatever the builder raises is its refusal of the arguments (a BuildError),
    except running out of memory, which is about this machine and is raised as it is.
    """
    try:
        with contextlib.nullcontext() if init else _no_init(), torch.device(device):
            return _call(name, builder, kwargs)
    except BuildError:
        raise
    except Exception as exc:
        if _transient(exc):
            raise
        raise BuildError(_refusal(exc)) from None


def build(name: str, kwargs: dict[str, Any], device: str) -> tuple[nn.Module, str, str | None]:
    """Build ``name`` and return (model, device it lives on, why meta was not used).

    ``device`` is ``meta`` (try meta, fall back to CPU without init), ``cpu``
    or ``cuda`` (a real build with default initialisation).
    """
    builder = builder_for(name)
    refused = sorted(k for k in kwargs if weight_argument(k))
    if refused:
        raise BuildError(
            f"{', '.join(refused)}: pretrained weights are never loaded (the runner measures the architecture; "
            "weights metadata is checked with kind: weights_meta)"
        )
    kw = effective_kwargs(name, kwargs)
    if device == "meta":
        try:
            # meta tensors hold no values, so initialising them is wasted work
            with _no_init(), torch.device("meta"):
                return _call(name, builder, kw), "meta", None
        except BuildError:
            raise
        except Exception as exc:  # the builder needs real data, or refuses the arguments anyway
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
        # build with real (uninitialised) tensors, then drop them: counting needs shapes only
        model = _call_on("cpu", name, builder, kw, init=False)
        return model.to("meta"), "meta", f"built on the CPU without initialising weights, then moved to meta ({reason})"
    return _call_on(device, name, builder, kw), device, None


def find_head(model: nn.Module, num_classes: int) -> tuple[str | None, int]:
    """(name, parameter count) of the classification head: the last layer that outputs the classes."""
    found: tuple[str | None, int] = (None, 0)
    for mod_name, module in model.named_modules():
        out = None
        if isinstance(module, nn.Linear):
            out = module.out_features
        elif isinstance(module, (nn.Conv2d, nn.Conv1d)):
            out = module.out_channels
        if out == num_classes:
            found = (mod_name, sum(p.numel() for p in module.parameters(recurse=False)))
    return found
