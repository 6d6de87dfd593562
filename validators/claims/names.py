"""Recognise torchvision model and weights names in prose, in their usual spellings.

"ResNet-50", "resnet50", "ResNet 50", "ViT-B/16", "vit_b_16", "VGG-16/19",
"MobileNetV3-Large", "EfficientNet-B0", "ConvNeXt-T", "Inception v1",
"GoogLeNet", "Krizhevsky et al. (AlexNet" and DINOv2's "ViT-S/14" all map to
a registry name (or a named config) by squashing case and punctuation and
looking the result up in a table built from the catalogue.  Nothing here
imports torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from validators.facts.catalog import MODELS, NAMED_CONFIGS, squash


#: registry names whose underscores stand for a decimal point ("regnet_y_1_6gf" is RegNetY-1.6GF)
_DECIMAL_NAME = re.compile(r"^(regnet_[xy]_|squeezenet|shufflenet_v2_x|mnasnet)(\d)_(\d+)(gf)?$")


def squash_decimal(text: str) -> str:
    """Like ``squash`` but keeps a decimal point as "p": "RegNetY-1.6GF" -> "regnety1p6gf"."""
    return squash(re.sub(r"(?<=\d)\.(?=\d)", "p", text))


def _aliases() -> dict[str, str]:
    table: dict[str, str] = {}
    decimal: dict[str, str] = {}
    for name, (task, *_rest) in MODELS.items():
        if task == "quantization":
            continue
        m = _DECIMAL_NAME.match(name)
        if m:
            decimal[squash(f"{m.group(1)}{m.group(2)}p{m.group(3)}{m.group(4) or ''}")] = name
            # the plain squash collides with another name (regnet_y_1_6gf vs regnet_y_16gf): the other wins
            table.setdefault(squash(name), name)
        else:
            table[squash(name)] = name
    table.update(decimal)
    for name in NAMED_CONFIGS:
        table[squash(name)] = name
    extra = {
        "inceptionv1": "googlenet",
        "inception1": "googlenet",
        "vitbase16": "vit_b_16", "vitbase32": "vit_b_32", "vitlarge16": "vit_l_16", "vitlarge32": "vit_l_32",
        "vithuge14": "vit_h_14",
        "convnextt": "convnext_tiny", "convnexts": "convnext_small", "convnextb": "convnext_base", "convnextl": "convnext_large",
        "swintiny": "swin_t", "swinsmall": "swin_s", "swinbase": "swin_b",
        "mobilenetv3l": "mobilenet_v3_large", "mobilenetv3s": "mobilenet_v3_small",
        "efficientnetv2small": "efficientnet_v2_s", "efficientnetv2medium": "efficientnet_v2_m", "efficientnetv2large": "efficientnet_v2_l",
        "wideresnet50": "wide_resnet50_2", "wideresnet101": "wide_resnet101_2",
        "vgg11bn": "vgg11_bn", "vgg13bn": "vgg13_bn", "vgg16bn": "vgg16_bn", "vgg19bn": "vgg19_bn",
        "resnet50v1": "resnet50_v1", "resnet101v1": "resnet101_v1", "resnet152v1": "resnet152_v1",
    }
    table.update(extra)
    return table


ALIASES = _aliases()

#: DINOv2 backbones are written like ViTs ("ViT-S/14"); only where the text is about DINOv2
DINOV2_SHORT = {"vits14": "dinov2_vits14", "vitb14": "dinov2_vitb14", "vitl14": "dinov2_vitl14", "vitg14": "dinov2_vitg14"}

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)*")
_WEIGHTS_FULL = re.compile(r"\b([A-Z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*_Weights)\.([A-Z][A-Z0-9_]*[A-Z0-9])")
_MEMBER = re.compile(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|DEFAULT)(?![A-Za-z0-9_])")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    model: str
    surface: str


def lookup(surface: str, *, dinov2: bool = False) -> str | None:
    if not surface[:1].isalpha():
        return None
    dec = squash_decimal(surface)
    if dec in ALIASES and "p" in dec and re.search(r"\dp\d", dec):
        return ALIASES[dec]
    key = squash(surface)
    if not key or key.isdigit():
        return None
    if dinov2 and key in DINOV2_SHORT:
        return DINOV2_SHORT[key]
    if key in ALIASES:
        return ALIASES[key]
    if key.endswith("s") and key[:-1] in ALIASES and not key[:-1][-1:].isdigit():
        return ALIASES[key[:-1]]  # plurals: "GoogLeNets"
    return None


def _expand_slash(token: str, start: int, dinov2: bool) -> list[Mention]:
    """'VGG-16/19' -> VGG-16 and VGG-19; 'ResNet-50/101/152' likewise."""
    m = re.match(r"^(.*?[-_ ]?)(\d+)((?:/\d+)+)$", token)
    if not m:
        return []
    prefix = re.sub(r"\d+$", "", m.group(1) + m.group(2))
    out = []
    first = lookup(m.group(1) + m.group(2), dinov2=dinov2)
    if first is None:
        return []
    out.append(Mention(start, start + len(m.group(1) + m.group(2)), first, m.group(1) + m.group(2)))
    pos = start + len(m.group(1) + m.group(2))
    for tail in m.group(3).split("/")[1:]:
        name = lookup(prefix + tail, dinov2=dinov2)
        pos += 1 + len(tail)
        if name is None:
            return []
        out.append(Mention(pos - len(tail), pos, name, prefix + tail))
    return out


def find_models(text: str, *, dinov2: bool = False) -> list[Mention]:
    """Model mentions in ``text``, in order; the longest spelling wins ("ResNeXt-50 32x4d")."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        matched = False
        for width in (3, 2, 1):
            if i + width > len(tokens):
                continue
            start, end = tokens[i][0], tokens[i + width - 1][1]
            span = text[start:end]
            if "\n" in span or len(span) > 40:
                continue
            name = lookup(span, dinov2=dinov2)
            if name is not None:
                found.append(Mention(start, end, name, span))
                i += width
                matched = True
                break
        if matched:
            continue
        s, _e, tok = tokens[i]
        # a trailing "." belongs to the sentence, not the name
        trimmed = tok.rstrip(".")
        name = lookup(trimmed, dinov2=dinov2) if trimmed != tok else None
        if name is not None:
            found.append(Mention(s, s + len(trimmed), name, trimmed))
        else:
            found.extend(_expand_slash(trimmed, s, dinov2))
        i += 1
    return found


@dataclass(frozen=True)
class WeightsMention:
    start: int
    end: int
    enum: str | None  # "ViT_B_16_Weights" when written in full
    member: str  # "IMAGENET1K_V1"


def find_weights(text: str) -> list[WeightsMention]:
    """Weights enum members: 'ViT_B_16_Weights.IMAGENET1K_V1' or a bare 'IMAGENET1K_SWAG_E2E_V1'."""
    out: list[WeightsMention] = []
    taken: list[tuple[int, int]] = []
    for m in _WEIGHTS_FULL.finditer(text):
        out.append(WeightsMention(m.start(), m.end(), m.group(1), m.group(2)))
        taken.append((m.start(), m.end()))
    known_members = {mem for _t, _e, members, _d in MODELS.values() for mem in members}
    for m in _MEMBER.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        member = m.group(1)
        if member in known_members or member == "DEFAULT":
            out.append(WeightsMention(m.start(), m.end(), None, member))
    out.sort(key=lambda w: w.start)
    return out


def weights_enum_for(model: str) -> tuple[str | None, tuple[str, ...]]:
    row = MODELS.get(model)
    if not row:
        return None, ()
    return row[1], row[2]
