"""What torchvision offers, as names only: the fact runner's catalogue.

Suggestions and the cache look-up must not import torch, so the names of
torchvision's registered models and their weights enums are kept here as
plain data.  ``tests/facts`` compares this table with the installed
torchvision, so it cannot drift silently; the runner itself always asks the
real registry (``torchvision.models.get_model``) before building anything.

Named architecture configs are models torchvision does not register but
builds from its own classes with fixed arguments (see
:mod:`validators.facts.models`).  Their names are listed here so a card can
name them and suggestions can propose them.
"""

from __future__ import annotations

import re

#: the torchvision release this table was taken from
TORCHVISION_VERSION = "0.29.1"

#: registry name -> (task, weights enum name, weights members, default member)
MODELS: dict[str, tuple[str, str | None, tuple[str, ...], str | None]] = {
    'alexnet': ('classification', 'AlexNet_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'convnext_base': ('classification', 'ConvNeXt_Base_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'convnext_large': ('classification', 'ConvNeXt_Large_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'convnext_small': ('classification', 'ConvNeXt_Small_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'convnext_tiny': ('classification', 'ConvNeXt_Tiny_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'deeplabv3_mobilenet_v3_large': ('segmentation', 'DeepLabV3_MobileNet_V3_Large_Weights', ('COCO_WITH_VOC_LABELS_V1',), 'COCO_WITH_VOC_LABELS_V1'),
    'deeplabv3_resnet101': ('segmentation', 'DeepLabV3_ResNet101_Weights', ('COCO_WITH_VOC_LABELS_V1',), 'COCO_WITH_VOC_LABELS_V1'),
    'deeplabv3_resnet50': ('segmentation', 'DeepLabV3_ResNet50_Weights', ('COCO_WITH_VOC_LABELS_V1',), 'COCO_WITH_VOC_LABELS_V1'),
    'densenet121': ('classification', 'DenseNet121_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'densenet161': ('classification', 'DenseNet161_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'densenet169': ('classification', 'DenseNet169_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'densenet201': ('classification', 'DenseNet201_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_b0': ('classification', 'EfficientNet_B0_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_b1': ('classification', 'EfficientNet_B1_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'efficientnet_b2': ('classification', 'EfficientNet_B2_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_b3': ('classification', 'EfficientNet_B3_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_b4': ('classification', 'EfficientNet_B4_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_b5': ('classification', 'EfficientNet_B5_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_b6': ('classification', 'EfficientNet_B6_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_b7': ('classification', 'EfficientNet_B7_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_v2_l': ('classification', 'EfficientNet_V2_L_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_v2_m': ('classification', 'EfficientNet_V2_M_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'efficientnet_v2_s': ('classification', 'EfficientNet_V2_S_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'fasterrcnn_mobilenet_v3_large_320_fpn': ('detection', 'FasterRCNN_MobileNet_V3_Large_320_FPN_Weights', ('COCO_V1',), 'COCO_V1'),
    'fasterrcnn_mobilenet_v3_large_fpn': ('detection', 'FasterRCNN_MobileNet_V3_Large_FPN_Weights', ('COCO_V1',), 'COCO_V1'),
    'fasterrcnn_resnet50_fpn': ('detection', 'FasterRCNN_ResNet50_FPN_Weights', ('COCO_V1',), 'COCO_V1'),
    'fasterrcnn_resnet50_fpn_v2': ('detection', 'FasterRCNN_ResNet50_FPN_V2_Weights', ('COCO_V1',), 'COCO_V1'),
    'fcn_resnet101': ('segmentation', 'FCN_ResNet101_Weights', ('COCO_WITH_VOC_LABELS_V1',), 'COCO_WITH_VOC_LABELS_V1'),
    'fcn_resnet50': ('segmentation', 'FCN_ResNet50_Weights', ('COCO_WITH_VOC_LABELS_V1',), 'COCO_WITH_VOC_LABELS_V1'),
    'fcos_resnet50_fpn': ('detection', 'FCOS_ResNet50_FPN_Weights', ('COCO_V1',), 'COCO_V1'),
    'googlenet': ('classification', 'GoogLeNet_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'inception_v3': ('classification', 'Inception_V3_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'keypointrcnn_resnet50_fpn': ('detection', 'KeypointRCNN_ResNet50_FPN_Weights', ('COCO_LEGACY', 'COCO_V1'), 'COCO_V1'),
    'lraspp_mobilenet_v3_large': ('segmentation', 'LRASPP_MobileNet_V3_Large_Weights', ('COCO_WITH_VOC_LABELS_V1',), 'COCO_WITH_VOC_LABELS_V1'),
    'maskrcnn_resnet50_fpn': ('detection', 'MaskRCNN_ResNet50_FPN_Weights', ('COCO_V1',), 'COCO_V1'),
    'maskrcnn_resnet50_fpn_v2': ('detection', 'MaskRCNN_ResNet50_FPN_V2_Weights', ('COCO_V1',), 'COCO_V1'),
    'maxvit_t': ('classification', 'MaxVit_T_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'mc3_18': ('video', 'MC3_18_Weights', ('KINETICS400_V1',), 'KINETICS400_V1'),
    'mnasnet0_5': ('classification', 'MNASNet0_5_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'mnasnet0_75': ('classification', 'MNASNet0_75_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'mnasnet1_0': ('classification', 'MNASNet1_0_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'mnasnet1_3': ('classification', 'MNASNet1_3_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'mobilenet_v2': ('classification', 'MobileNet_V2_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'mobilenet_v3_large': ('classification', 'MobileNet_V3_Large_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'mobilenet_v3_small': ('classification', 'MobileNet_V3_Small_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'mvit_v1_b': ('video', 'MViT_V1_B_Weights', ('KINETICS400_V1',), 'KINETICS400_V1'),
    'mvit_v2_s': ('video', 'MViT_V2_S_Weights', ('KINETICS400_V1',), 'KINETICS400_V1'),
    'quantized_googlenet': ('quantization', 'GoogLeNet_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1',), 'IMAGENET1K_FBGEMM_V1'),
    'quantized_inception_v3': ('quantization', 'Inception_V3_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1',), 'IMAGENET1K_FBGEMM_V1'),
    'quantized_mobilenet_v2': ('quantization', 'MobileNet_V2_QuantizedWeights', ('IMAGENET1K_QNNPACK_V1',), 'IMAGENET1K_QNNPACK_V1'),
    'quantized_mobilenet_v3_large': ('quantization', 'MobileNet_V3_Large_QuantizedWeights', ('IMAGENET1K_QNNPACK_V1',), 'IMAGENET1K_QNNPACK_V1'),
    'quantized_resnet18': ('quantization', 'ResNet18_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1',), 'IMAGENET1K_FBGEMM_V1'),
    'quantized_resnet50': ('quantization', 'ResNet50_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1', 'IMAGENET1K_FBGEMM_V2'), 'IMAGENET1K_FBGEMM_V2'),
    'quantized_resnext101_32x8d': ('quantization', 'ResNeXt101_32X8D_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1', 'IMAGENET1K_FBGEMM_V2'), 'IMAGENET1K_FBGEMM_V2'),
    'quantized_resnext101_64x4d': ('quantization', 'ResNeXt101_64X4D_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1',), 'IMAGENET1K_FBGEMM_V1'),
    'quantized_shufflenet_v2_x0_5': ('quantization', 'ShuffleNet_V2_X0_5_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1',), 'IMAGENET1K_FBGEMM_V1'),
    'quantized_shufflenet_v2_x1_0': ('quantization', 'ShuffleNet_V2_X1_0_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1',), 'IMAGENET1K_FBGEMM_V1'),
    'quantized_shufflenet_v2_x1_5': ('quantization', 'ShuffleNet_V2_X1_5_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1',), 'IMAGENET1K_FBGEMM_V1'),
    'quantized_shufflenet_v2_x2_0': ('quantization', 'ShuffleNet_V2_X2_0_QuantizedWeights', ('IMAGENET1K_FBGEMM_V1',), 'IMAGENET1K_FBGEMM_V1'),
    'r2plus1d_18': ('video', 'R2Plus1D_18_Weights', ('KINETICS400_V1',), 'KINETICS400_V1'),
    'r3d_18': ('video', 'R3D_18_Weights', ('KINETICS400_V1',), 'KINETICS400_V1'),
    'raft_large': ('optical_flow', 'Raft_Large_Weights', ('C_T_V1', 'C_T_V2', 'C_T_SKHT_V1', 'C_T_SKHT_V2', 'C_T_SKHT_K_V1', 'C_T_SKHT_K_V2'), 'C_T_SKHT_V2'),
    'raft_small': ('optical_flow', 'Raft_Small_Weights', ('C_T_V1', 'C_T_V2'), 'C_T_V2'),
    'regnet_x_16gf': ('classification', 'RegNet_X_16GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_x_1_6gf': ('classification', 'RegNet_X_1_6GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_x_32gf': ('classification', 'RegNet_X_32GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_x_3_2gf': ('classification', 'RegNet_X_3_2GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_x_400mf': ('classification', 'RegNet_X_400MF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_x_800mf': ('classification', 'RegNet_X_800MF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_x_8gf': ('classification', 'RegNet_X_8GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_y_128gf': ('classification', 'RegNet_Y_128GF_Weights', ('IMAGENET1K_SWAG_E2E_V1', 'IMAGENET1K_SWAG_LINEAR_V1'), 'IMAGENET1K_SWAG_E2E_V1'),
    'regnet_y_16gf': ('classification', 'RegNet_Y_16GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2', 'IMAGENET1K_SWAG_E2E_V1', 'IMAGENET1K_SWAG_LINEAR_V1'), 'IMAGENET1K_V2'),
    'regnet_y_1_6gf': ('classification', 'RegNet_Y_1_6GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_y_32gf': ('classification', 'RegNet_Y_32GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2', 'IMAGENET1K_SWAG_E2E_V1', 'IMAGENET1K_SWAG_LINEAR_V1'), 'IMAGENET1K_V2'),
    'regnet_y_3_2gf': ('classification', 'RegNet_Y_3_2GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_y_400mf': ('classification', 'RegNet_Y_400MF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_y_800mf': ('classification', 'RegNet_Y_800MF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'regnet_y_8gf': ('classification', 'RegNet_Y_8GF_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'resnet101': ('classification', 'ResNet101_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'resnet152': ('classification', 'ResNet152_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'resnet18': ('classification', 'ResNet18_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'resnet34': ('classification', 'ResNet34_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'resnet50': ('classification', 'ResNet50_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'resnext101_32x8d': ('classification', 'ResNeXt101_32X8D_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'resnext101_64x4d': ('classification', 'ResNeXt101_64X4D_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'resnext50_32x4d': ('classification', 'ResNeXt50_32X4D_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'retinanet_resnet50_fpn': ('detection', 'RetinaNet_ResNet50_FPN_Weights', ('COCO_V1',), 'COCO_V1'),
    'retinanet_resnet50_fpn_v2': ('detection', 'RetinaNet_ResNet50_FPN_V2_Weights', ('COCO_V1',), 'COCO_V1'),
    's3d': ('video', 'S3D_Weights', ('KINETICS400_V1',), 'KINETICS400_V1'),
    'shufflenet_v2_x0_5': ('classification', 'ShuffleNet_V2_X0_5_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'shufflenet_v2_x1_0': ('classification', 'ShuffleNet_V2_X1_0_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'shufflenet_v2_x1_5': ('classification', 'ShuffleNet_V2_X1_5_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'shufflenet_v2_x2_0': ('classification', 'ShuffleNet_V2_X2_0_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'squeezenet1_0': ('classification', 'SqueezeNet1_0_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'squeezenet1_1': ('classification', 'SqueezeNet1_1_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'ssd300_vgg16': ('detection', 'SSD300_VGG16_Weights', ('COCO_V1',), 'COCO_V1'),
    'ssdlite320_mobilenet_v3_large': ('detection', 'SSDLite320_MobileNet_V3_Large_Weights', ('COCO_V1',), 'COCO_V1'),
    'swin3d_b': ('video', 'Swin3D_B_Weights', ('KINETICS400_V1', 'KINETICS400_IMAGENET22K_V1'), 'KINETICS400_V1'),
    'swin3d_s': ('video', 'Swin3D_S_Weights', ('KINETICS400_V1',), 'KINETICS400_V1'),
    'swin3d_t': ('video', 'Swin3D_T_Weights', ('KINETICS400_V1',), 'KINETICS400_V1'),
    'swin_b': ('classification', 'Swin_B_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'swin_s': ('classification', 'Swin_S_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'swin_t': ('classification', 'Swin_T_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'swin_v2_b': ('classification', 'Swin_V2_B_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'swin_v2_s': ('classification', 'Swin_V2_S_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'swin_v2_t': ('classification', 'Swin_V2_T_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'vgg11': ('classification', 'VGG11_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'vgg11_bn': ('classification', 'VGG11_BN_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'vgg13': ('classification', 'VGG13_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'vgg13_bn': ('classification', 'VGG13_BN_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'vgg16': ('classification', 'VGG16_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_FEATURES'), 'IMAGENET1K_V1'),
    'vgg16_bn': ('classification', 'VGG16_BN_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'vgg19': ('classification', 'VGG19_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'vgg19_bn': ('classification', 'VGG19_BN_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'vit_b_16': ('classification', 'ViT_B_16_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_SWAG_E2E_V1', 'IMAGENET1K_SWAG_LINEAR_V1'), 'IMAGENET1K_V1'),
    'vit_b_32': ('classification', 'ViT_B_32_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'vit_h_14': ('classification', 'ViT_H_14_Weights', ('IMAGENET1K_SWAG_E2E_V1', 'IMAGENET1K_SWAG_LINEAR_V1'), 'IMAGENET1K_SWAG_E2E_V1'),
    'vit_l_16': ('classification', 'ViT_L_16_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_SWAG_E2E_V1', 'IMAGENET1K_SWAG_LINEAR_V1'), 'IMAGENET1K_V1'),
    'vit_l_32': ('classification', 'ViT_L_32_Weights', ('IMAGENET1K_V1',), 'IMAGENET1K_V1'),
    'wide_resnet101_2': ('classification', 'Wide_ResNet101_2_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
    'wide_resnet50_2': ('classification', 'Wide_ResNet50_2_Weights', ('IMAGENET1K_V1', 'IMAGENET1K_V2'), 'IMAGENET1K_V2'),
}

#: named architecture configs: name -> one line on what it is
NAMED_CONFIGS: dict[str, str] = {
    "dinov2_vits14": "DINOv2 ViT-S/14 backbone (384 wide, 12 blocks, 6 heads, 518 px, LayerScale, mask token, no head)",
    "dinov2_vitb14": "DINOv2 ViT-B/14 backbone (768 wide, 12 blocks, 12 heads, 518 px, LayerScale, mask token, no head)",
    "dinov2_vitl14": "DINOv2 ViT-L/14 backbone (1024 wide, 24 blocks, 16 heads, 518 px, LayerScale, mask token, no head)",
    "dinov2_vitg14": "DINOv2 ViT-g/14 backbone (1536 wide, 40 blocks, 24 heads, 518 px, SwiGLU MLP, LayerScale, mask token, no head)",
    "resnet50_v1": "ResNet-50 as in the 2015 paper (v1: stride 2 on the first 1x1 conv of a block; torchvision's resnet50 is v1.5)",
    "resnet101_v1": "ResNet-101 as in the 2015 paper (v1: stride on the 1x1 conv)",
    "resnet152_v1": "ResNet-152 as in the 2015 paper (v1: stride on the 1x1 conv)",
}

#: builder defaults applied unless a check sets them: models are counted as
#: torchvision ships their pretrained weights (no auxiliary classifiers)
INFERENCE_DEFAULTS: dict[str, dict[str, bool]] = {
    "googlenet": {"aux_logits": False, "init_weights": False},
    "inception_v3": {"aux_logits": False, "init_weights": False},
}

#: detectors whose builders put FrozenBatchNorm2d (scale and shift as buffers, not
#: parameters) in the backbone when weights are given and plain BatchNorm2d
#: otherwise; the runner builds without weights, so it freezes them itself to
#: count as the pretrained weights ship (torchvision 0.29; the v2 detectors
#: train their norms and are not here).  A test checks every detector's count
#: against its weights' ``num_params``, so a torchvision change shows up.
FROZEN_BACKBONE_NORMS: frozenset[str] = frozenset({
    "fasterrcnn_mobilenet_v3_large_320_fpn",
    "fasterrcnn_mobilenet_v3_large_fpn",
    "fasterrcnn_resnet50_fpn",
    "fcos_resnet50_fpn",
    "keypointrcnn_resnet50_fpn",
    "maskrcnn_resnet50_fpn",
    "retinanet_resnet50_fpn",
})


def known_model(name: str) -> bool:
    return name in MODELS or name in NAMED_CONFIGS


def task_of(name: str) -> str | None:
    if name in NAMED_CONFIGS:
        return "classification"
    row = MODELS.get(name)
    return row[0] if row else None


def weights_enum(name: str) -> str | None:
    row = MODELS.get(name)
    return row[1] if row else None


def model_for_weights(enum_name: str) -> str | None:
    """The registry name whose weights enum is ``enum_name`` (ResNet50_Weights -> resnet50)."""
    for model, row in MODELS.items():
        if row[1] == enum_name and row[0] != "quantization":
            return model
    return None


def squash(text: str) -> str:
    """Spelling-insensitive key: lower case, letters and digits only ("ViT-B/16" -> "vitb16")."""
    return re.sub(r"[^a-z0-9]", "", text.lower())
