"""Machine checks a claim can carry: the shapes only, no torch here.

A check is a discriminated union on ``kind``.  The fact runner in
``validators.facts`` knows how to execute each one; this module only says
what a card may write, so ``kb lint`` and the JSON Schema never import torch.

Stated values are kept as written (``"~3.8B"``, ``"86,567,656"``, ``"21M"``)
because the precision of what was written decides the tolerance: an exact
integer must match exactly, ``21M`` means anything that rounds to 21 million,
and ``~3.8B`` allows one unit either way in the last written digit.

Models are named, never imported: ``model`` is a name from torchvision's
registry (``torchvision.models.get_model``) or one of the named architecture
configs the runner knows (``dinov2_vits14``, ``resnet50_v1``).  A card can
never point the runner at an import path or code.

Compute conventions
-------------------
``macs`` counts multiply-adds: torchvision's "GFLOPS" column and most papers'
"FLOPs" mean this.  ``flops`` counts a multiply-add as two floating-point
operations, which is what ``torch.utils.flop_counter`` reports.  So
"17.56 GFLOPS" for ``vit_b_16`` is written as ``kind: macs, value: 17.56G``.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

#: A stated value: a number, or the number as written ("~3.8B", "86,567,656", "21M", "81%").
#: Strict members: a YAML boolean is none of them (``value: true`` is an error, not 1).
Number = Union[Annotated[int, Strict()], Annotated[float, Strict()], Annotated[str, Strict()]]

# Limits on what a check may ask the runner to build or run.  Models run on the meta
# device, where sizes cost nothing, but a few fall back to real tensors on the CPU, and
# there an input or a layer is real memory.
#: largest size of one dimension of a model input (channels, height, width, batch)
MAX_INPUT_DIM = 4096
#: most values one model input may hold (3×4096×4096)
MAX_INPUT_ELEMENTS = 3 * 4096 * 4096
#: largest integer a builder argument may be (num_classes of ImageNet-21k is 21,843)
MAX_KWARG_INT = 65536
#: most values one variable of a formula grid (or of an arithmetic check) may list
MAX_GRID_VALUES = 64
#: grid values lie within ±MAX_GRID_VALUE
MAX_GRID_VALUE = 4096

_WEIGHT_ARGUMENTS = ("weights", "pretrained")


def _any_case(word: str) -> str:
    # JSON Schema patterns (ECMA-262) have no inline (?i) flag: spell each letter both ways
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


#: keys a builder argument may not start with, in any case, as a JSON Schema pattern
WEIGHT_ARGUMENT_PATTERN = "^(" + "|".join(_any_case(w) for w in _WEIGHT_ARGUMENTS) + ")"


def _no_weight_arguments(kwargs: dict) -> dict:
    refused = sorted(k for k in kwargs if k.lower().startswith(_WEIGHT_ARGUMENTS))
    if refused:
        raise ValueError(
            f"{', '.join(refused)} cannot be set: the runner never loads pretrained weights "
            "(it measures the architecture; use kind: weights_meta for a weights' metadata)"
        )
    return kwargs


# Strict members, so that ``num_classes: 100000`` is refused by the integer bound rather
# than read as the float 100000.0, and ``true`` stays a boolean.  Floats share the
# integer bound: no builder takes a float beyond it, and one bound for every number is
# what JSON Schema (where 100000 is both an integer and a number) can say too.
KwargValue = Union[
    Annotated[bool, Strict()],
    Annotated[int, Strict(), Field(ge=-MAX_KWARG_INT, le=MAX_KWARG_INT)],
    Annotated[float, Strict(), Field(ge=-MAX_KWARG_INT, le=MAX_KWARG_INT, allow_inf_nan=False)],
    Annotated[str, Strict(), Field(max_length=100)],
]
#: Keyword arguments for a model builder; plain, bounded scalars only, so nothing executable
#: can sneak in and no argument can ask for an enormous layer; weight arguments are refused.
ModelKwargs = Annotated[
    dict[str, KwargValue],
    AfterValidator(_no_weight_arguments),
    Field(json_schema_extra={"propertyNames": {"not": {"pattern": WEIGHT_ARGUMENT_PATTERN}}}),
]
InputDim = Annotated[int, Field(ge=1, le=MAX_INPUT_DIM)]
GridValues = Annotated[
    list[Annotated[int, Field(ge=-MAX_GRID_VALUE, le=MAX_GRID_VALUE)]],
    Field(min_length=1, max_length=MAX_GRID_VALUES),
]


_MODEL_HELP = "torchvision registry name (resnet50, vit_b_16) or a named config (dinov2_vits14)."
_KWARGS_HELP = (
    f"Builder keyword arguments, e.g. image_size: 384, num_classes: 10, aux_logits: true; plain values, "
    f"numbers within ±{MAX_KWARG_INT}, never weights or pretrained."
)


def _input_budget(shape: list[int], what: str) -> None:
    elements = 1
    for n in shape:
        elements *= n
    if elements > MAX_INPUT_ELEMENTS:
        raise ValueError(f"{what} {shape} holds {elements:,} values; at most {MAX_INPUT_ELEMENTS:,} (3×4096×4096)")


class _Check(BaseModel):
    # strict, like the card models: no bool-as-int, no number-as-string
    model_config = ConfigDict(extra="forbid", strict=True)

    tolerance: float | None = Field(
        default=None,
        ge=0,
        description="Relative tolerance (0.01 = 1%). Default: follow the precision of the stated value.",
    )
    note: str | None = Field(default=None, description="Why the check is set up this way.")


class ParamsCheck(_Check):
    """Parameter count of a torchvision model (or named architecture config)."""

    kind: Literal["params"] = Field(description="params: the parameter count of a model.")
    model: str = Field(description=_MODEL_HELP)
    value: Number = Field(description="The stated count: 86567656, '86,567,656', '21M', '~25.6M'.")
    exclude_head: bool = Field(default=False, description="Count without the classification head (the last layer that outputs the classes).")
    model_kwargs: ModelKwargs = Field(
        default_factory=dict,
        description=_KWARGS_HELP,
    )
    weights: str | None = Field(
        default=None,
        description="Count the model as these pretrained weights ship (IMAGENET1K_SWAG_E2E_V1, DEFAULT or "
                    "ViT_H_14_Weights.IMAGENET1K_SWAG_E2E_V1): their resolution and builder arguments; nothing is downloaded.",
    )


class ComputeCheck(_Check):
    """Compute of one forward pass of one image.

    ``macs`` counts multiply-adds (torchvision's GFLOPS column and most papers);
    ``flops`` counts a multiply-add as 2 FLOPs (torch's flop counter).  A bare
    number without a multiplier is read in G (billions), like torchvision's column.
    """

    kind: Literal["macs", "flops"] = Field(
        description="macs: multiply-adds (torchvision's GFLOPS column); flops: a multiply-add counts as 2.",
    )
    model: str = Field(description=_MODEL_HELP)
    value: Number = Field(description="The stated compute: '17.56G', '~3.8B', '1.5 billion'.")
    input_size: list[InputDim] = Field(
        default_factory=lambda: [3, 224, 224], min_length=3, max_length=4,
        description=f"C, H, W of one input image (C, T, H, W of one clip for video models); each at most {MAX_INPUT_DIM}. "
                    "Default: 3×224×224, or the resolution of the weights named in `weights`.",
    )
    model_kwargs: ModelKwargs = Field(default_factory=dict, description=_KWARGS_HELP)
    weights: str | None = Field(
        default=None,
        description="Count the model as these pretrained weights ship, at their resolution (IMAGENET1K_SWAG_E2E_V1, DEFAULT, "
                    "or the full Enum.MEMBER name); nothing is downloaded.",
    )

    @model_validator(mode="after")
    def _bounded_input(self) -> "ComputeCheck":
        _input_budget(self.input_size, "input_size")
        return self


class OutputShapeCheck(_Check):
    """Shape of a model's output for an input of the given shape."""

    kind: Literal["output_shape"] = Field(description="output_shape: the shape of a model's output for an input shape.")
    model: str = Field(description=_MODEL_HELP)
    input_shape: list[InputDim] = Field(
        default_factory=lambda: [1, 3, 224, 224], min_length=1, max_length=6,
        description=f"Shape of the input batch; each dimension at most {MAX_INPUT_DIM}.",
    )
    value: list[int] = Field(description="The stated output shape, e.g. [1, 1000].")
    model_kwargs: ModelKwargs = Field(default_factory=dict, description=_KWARGS_HELP)

    @model_validator(mode="after")
    def _bounded_input(self) -> "OutputShapeCheck":
        _input_budget(self.input_shape, "input_shape")
        return self


class WeightsMetaCheck(_Check):
    """A number from torchvision's weights metadata (ships with torchvision, no download).

    ``_ops`` is in GFLOPS (multiply-adds) and ``_file_size`` in MB, as torchvision
    stores them; a stated value with a multiplier ("17.56G") is converted.
    """

    kind: Literal["weights_meta"] = Field(description="weights_meta: a number from torchvision's weights metadata.")
    weights: str = Field(description="Weights enum member, e.g. ViT_B_16_Weights.IMAGENET1K_V1 (or ViT_B_16_Weights.DEFAULT).")
    field: Literal["num_params", "_ops", "acc@1", "acc@5", "min_size", "_file_size"] = Field(
        description="Which metadata entry: num_params, _ops (GFLOPS), acc@1, acc@5, min_size or _file_size (MB).",
    )
    dataset: str = Field(default="ImageNet-1K", description="Which entry of the metrics table acc@1 / acc@5 come from.")
    value: Union[Number, list[int]] = Field(description="The stated value; min_size is a list such as [224, 224].")


FormulaOp = Literal[
    "Conv1d", "Conv2d", "Conv3d",
    "ConvTranspose1d", "ConvTranspose2d",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
]


class FormulaCheck(_Check):
    """An output-size formula evaluated against a real torch op over a grid of sizes.

    Variables: ``i`` input size, ``k`` kernel, ``s`` stride, ``p`` padding,
    ``d`` dilation, ``a`` output padding (transposed convs).  A variable the
    formula does not use is held at its neutral value (s=1, p=0, d=1, a=0), so
    "o = (i - k) + 1" is checked for stride 1 and no padding only, as written.
    """

    kind: Literal["formula"] = Field(description="formula: an output-size formula checked against a real torch op.")
    op: FormulaOp = Field(description="The torch.nn layer the formula describes, e.g. Conv2d or MaxPool2d.")
    formula: str = Field(description="Right-hand side for the output size, e.g. 'floor((i + 2*p - k) / s) + 1'. Also accepts ⌊ ⌋, ·, 2p.")
    where: dict[str, str] = Field(
        default_factory=dict,
        description="Variables defined from others, e.g. p: 'floor(k/2)' for 'same' padding, or p: 'k - 1'.",
    )
    grid: dict[str, GridValues] = Field(
        default_factory=dict,
        description=f"Values to try for each variable (at most {MAX_GRID_VALUES}, each within ±{MAX_GRID_VALUE}); defaults cover small sizes.",
    )
    op_kwargs: dict[str, Union[bool, int]] = Field(default_factory=dict, description="Fixed op arguments, e.g. ceil_mode: true.")


class Measure(BaseModel):
    """One side of a ratio: a measure of one model."""

    model_config = ConfigDict(extra="forbid", strict=True)

    measure: Literal["params", "macs", "flops"] = Field(description="What to measure: params, macs or flops.")
    model: str = Field(description=_MODEL_HELP)
    input_size: list[InputDim] = Field(
        default_factory=lambda: [3, 224, 224], min_length=3, max_length=3,
        description=f"C, H, W of one input image; each at most {MAX_INPUT_DIM}.",
    )
    exclude_head: bool = Field(default=False, description="Count without the classification head.")
    model_kwargs: ModelKwargs = Field(default_factory=dict, description=_KWARGS_HELP)

    @model_validator(mode="after")
    def _bounded_input(self) -> "Measure":
        _input_budget(self.input_size, "input_size")
        return self


class RatioCheck(_Check):
    """Ratio of two measures, e.g. "12x fewer parameters than AlexNet" is alexnet / googlenet = 12."""

    kind: Literal["ratio"] = Field(description="ratio: the ratio of two measures.")
    numerator: Measure = Field(description="The measure on top of the ratio.")
    denominator: Measure = Field(description="The measure it is divided by.")
    value: Number = Field(description="The stated ratio, e.g. 12 or '~12x'.")


# "exactly one of value or equals", as JSON Schema says it (a null counts as absent, as in kb)
_ONE_TARGET = {
    "oneOf": [
        {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
        for name in ("value", "equals")
    ]
}


class ArithmeticCheck(_Check):
    """Plain arithmetic stated in prose: "3·16·16 = 768", "49C² vs 27C² is 81% more".

    Either ``value`` (the stated result, with its precision) or ``equals``
    (another expression that must agree for every value of the variables).
    """

    model_config = ConfigDict(json_schema_extra=_ONE_TARGET)

    kind: Literal["arithmetic"] = Field(description="arithmetic: plain arithmetic stated in prose.")
    expression: str = Field(description="Arithmetic with + - * / // % ** ( ) and floor, ceil, sqrt, log, min, max, abs, round.")
    value: Number | None = Field(default=None, description="The stated result, with its precision; give this or `equals`.")
    equals: str | None = Field(default=None, description="An expression that must equal `expression`, e.g. '27*C**2'.")
    variables: dict[str, Union[float, Annotated[list[float], Field(min_length=1, max_length=MAX_GRID_VALUES)]]] = Field(
        default_factory=dict,
        description=f"Values for names in the expressions; a list (at most {MAX_GRID_VALUES} values) is tried value by value.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> "ArithmeticCheck":
        if (self.value is None) == (self.equals is None):
            raise ValueError("an arithmetic check needs exactly one of 'value' or 'equals'")
        return self


Check = Annotated[
    Union[ParamsCheck, ComputeCheck, OutputShapeCheck, WeightsMetaCheck, FormulaCheck, RatioCheck, ArithmeticCheck],
    Field(discriminator="kind"),
]

#: every check kind, for messages and documentation
CHECK_KINDS = ("params", "macs", "flops", "output_shape", "weights_meta", "formula", "ratio", "arithmetic")
