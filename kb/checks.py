"""Machine checks a claim can carry: the shapes only, no torch here.

A check is a discriminated union on ``kind``.  The fact runner in
``validators.facts`` knows how to execute each one; this module only says
what a card may write, so ``kb lint`` and the JSON Schema never import torch.

Stated values are kept as written (``"~3.8B"``, ``"86,567,656"``, ``"21M"``)
because the precision of what was written decides the tolerance: an exact
integer must match exactly, ``~3.8B`` allows rounding of the last digit.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Number = Union[int, float, str]


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tolerance: float | None = Field(
        default=None,
        description="Relative tolerance (0.01 = 1%). Default: follow the precision of the stated value.",
    )
    note: str | None = Field(default=None, description="Why the check is set up this way.")


class ParamsCheck(_Check):
    """Parameter count of a torchvision model (or named architecture config)."""

    kind: Literal["params"]
    model: str = Field(description="torchvision registry name (resnet50, vit_b_16) or a named config (dinov2_vits14).")
    value: Number
    exclude_head: bool = Field(default=False, description="Count without the classification head.")
    model_kwargs: dict[str, int | float | str | bool] = Field(default_factory=dict, description="Builder keyword arguments, e.g. image_size: 384 or num_classes: 1000.")


class ComputeCheck(_Check):
    """Compute of one forward pass.

    ``macs`` counts multiply-adds (torchvision's GFLOPS column and most papers);
    ``flops`` counts a multiply-add as 2 FLOPs (torch's flop counter).
    """

    kind: Literal["macs", "flops"]
    model: str
    value: Number
    input_size: list[int] = Field(default_factory=lambda: [3, 224, 224], description="C, H, W of one input image.")
    model_kwargs: dict[str, int | float | str | bool] = Field(default_factory=dict)


class OutputShapeCheck(_Check):
    """Shape of a model's output for an input of the given shape."""

    kind: Literal["output_shape"]
    model: str
    input_shape: list[int] = Field(default_factory=lambda: [1, 3, 224, 224])
    value: list[int]
    model_kwargs: dict[str, int | float | str | bool] = Field(default_factory=dict)


class WeightsMetaCheck(_Check):
    """A number from torchvision's weights metadata (ships with torchvision, no download)."""

    kind: Literal["weights_meta"]
    weights: str = Field(description="Weights enum member, e.g. ViT_B_16_Weights.IMAGENET1K_V1.")
    field: Literal["num_params", "_ops", "acc@1", "acc@5", "min_size", "_file_size"]
    value: Number | list[int]


class FormulaCheck(_Check):
    """An output-size formula evaluated against a real torch op over a grid."""

    kind: Literal["formula"]
    op: Literal["Conv1d", "Conv2d", "MaxPool2d", "AvgPool2d", "ConvTranspose2d"]
    formula: str = Field(description="Arithmetic over i (input), k (kernel), s (stride), p (padding), d (dilation), a (output_padding); floor() allowed.")
    grid: dict[str, list[int]] = Field(default_factory=dict, description="Values to try for each variable; defaults cover small sizes.")


class Measure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measure: Literal["params", "macs", "flops"]
    model: str
    input_size: list[int] = Field(default_factory=lambda: [3, 224, 224])
    model_kwargs: dict[str, int | float | str | bool] = Field(default_factory=dict)


class RatioCheck(_Check):
    """Ratio of two measures, e.g. "12x fewer parameters than AlexNet"."""

    kind: Literal["ratio"]
    numerator: Measure
    denominator: Measure
    value: Number


class ArithmeticCheck(_Check):
    """Plain arithmetic stated in prose, e.g. 3*16*16 = 768."""

    kind: Literal["arithmetic"]
    expression: str = Field(description="Arithmetic with + - * / ** ( ) and floor/ceil/sqrt; no names other than variables.")
    variables: dict[str, float] = Field(default_factory=dict)
    value: Number


Check = Annotated[
    Union[ParamsCheck, ComputeCheck, OutputShapeCheck, WeightsMetaCheck, FormulaCheck, RatioCheck, ArithmeticCheck],
    Field(discriminator="kind"),
]
