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

#: Builder arguments under which each model is counted unless a check sets them: the
#: model as its pretrained weights ship.  torchvision's builders change these only when
#: they are given weights, and the runner never gives them weights, so it applies them
#: itself.  Each entry says why it exists; ``tests/facts`` builds every model here with
#: these defaults and compares its parameter count with the weights' ``num_params``.
SHIPPED_DEFAULTS: dict[str, dict[str, bool]] = {
    # GoogLeNet: the builder turns aux_logits on to load the weights, then deletes aux1 and
    # aux2 unless the caller asked for them (its default is False): shipped without them.
    # init_weights=False only saves time: counts do not depend on the initial values.
    "googlenet": {"aux_logits": False, "init_weights": False},
    # the quantizable GoogLeNet behaves the same (and its float weights have no aux heads),
    # but its class defaults aux_logits to True
    "quantized_googlenet": {"aux_logits": False, "init_weights": False},
    # Inception v3: the builder's default is aux_logits=True, so the shipped model keeps its
    # AuxLogits head (27,161,264 parameters; 23,834,568 without it)
    "inception_v3": {"aux_logits": True, "init_weights": False},
    # quantized Inception v3: the published num_params of quantized weights is the count of
    # the float weights they were quantized from (its meta "unquantized"), which keep
    # AuxLogits, although the quantizable builder's own default drops it
    "quantized_inception_v3": {"aux_logits": True, "init_weights": False},
    # FCN and DeepLabV3: the builders turn aux_loss on when given weights, whose state
    # holds the auxiliary FCNHead (fcn_resnet50: 35,322,218 with it, 32,957,013 without)
    "fcn_resnet50": {"aux_loss": True},
    "fcn_resnet101": {"aux_loss": True},
    "deeplabv3_resnet50": {"aux_loss": True},
    "deeplabv3_resnet101": {"aux_loss": True},
    "deeplabv3_mobilenet_v3_large": {"aux_loss": True},
    # LRASPP has no auxiliary head: its builder refuses aux_loss (NotImplementedError)
}

#: builder switches that add an auxiliary head (named in hints when a count is off by one)
AUX_SWITCHES: tuple[str, ...] = ("aux_logits", "aux_loss")

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


#: every weights entry torchvision publishes -> (the input its numbers are for, builder
#: arguments its builder sets from it).  The input is the crop of the weights' own
#: transforms (C, H, W; C, T, H, W for video clips of 16 frames, which is what
#: torchvision's ``_ops`` are counted for); None for detection and optical flow models,
#: whose models resize their inputs themselves.  ViTs fix their position embeddings at
#: build time, so their builders are given ``image_size`` from the weights' ``min_size``
#: (where it is not the builder's default, 224).
#: ``tests/facts`` compares this table with the installed torchvision.
WEIGHTS: dict[str, tuple[tuple[int, ...] | None, dict[str, int]]] = {
    'AlexNet_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ConvNeXt_Base_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ConvNeXt_Large_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ConvNeXt_Small_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ConvNeXt_Tiny_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'DeepLabV3_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1': ((3, 520, 520), {}),
    'DeepLabV3_ResNet101_Weights.COCO_WITH_VOC_LABELS_V1': ((3, 520, 520), {}),
    'DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1': ((3, 520, 520), {}),
    'DenseNet121_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'DenseNet161_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'DenseNet169_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'DenseNet201_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'EfficientNet_B0_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'EfficientNet_B1_Weights.IMAGENET1K_V1': ((3, 240, 240), {}),
    'EfficientNet_B1_Weights.IMAGENET1K_V2': ((3, 240, 240), {}),
    'EfficientNet_B2_Weights.IMAGENET1K_V1': ((3, 288, 288), {}),
    'EfficientNet_B3_Weights.IMAGENET1K_V1': ((3, 300, 300), {}),
    'EfficientNet_B4_Weights.IMAGENET1K_V1': ((3, 380, 380), {}),
    'EfficientNet_B5_Weights.IMAGENET1K_V1': ((3, 456, 456), {}),
    'EfficientNet_B6_Weights.IMAGENET1K_V1': ((3, 528, 528), {}),
    'EfficientNet_B7_Weights.IMAGENET1K_V1': ((3, 600, 600), {}),
    'EfficientNet_V2_L_Weights.IMAGENET1K_V1': ((3, 480, 480), {}),
    'EfficientNet_V2_M_Weights.IMAGENET1K_V1': ((3, 480, 480), {}),
    'EfficientNet_V2_S_Weights.IMAGENET1K_V1': ((3, 384, 384), {}),
    'FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.COCO_V1': (None, {}),
    'FasterRCNN_MobileNet_V3_Large_FPN_Weights.COCO_V1': (None, {}),
    'FasterRCNN_ResNet50_FPN_Weights.COCO_V1': (None, {}),
    'FasterRCNN_ResNet50_FPN_V2_Weights.COCO_V1': (None, {}),
    'FCN_ResNet101_Weights.COCO_WITH_VOC_LABELS_V1': ((3, 520, 520), {}),
    'FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1': ((3, 520, 520), {}),
    'FCOS_ResNet50_FPN_Weights.COCO_V1': (None, {}),
    'GoogLeNet_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'Inception_V3_Weights.IMAGENET1K_V1': ((3, 299, 299), {}),
    'KeypointRCNN_ResNet50_FPN_Weights.COCO_LEGACY': (None, {}),
    'KeypointRCNN_ResNet50_FPN_Weights.COCO_V1': (None, {}),
    'LRASPP_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1': ((3, 520, 520), {}),
    'MaskRCNN_ResNet50_FPN_Weights.COCO_V1': (None, {}),
    'MaskRCNN_ResNet50_FPN_V2_Weights.COCO_V1': (None, {}),
    'MaxVit_T_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'MC3_18_Weights.KINETICS400_V1': ((3, 16, 112, 112), {}),
    'MNASNet0_5_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'MNASNet0_75_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'MNASNet1_0_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'MNASNet1_3_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'MobileNet_V2_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'MobileNet_V2_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'MobileNet_V3_Large_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'MobileNet_V3_Large_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'MobileNet_V3_Small_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'MViT_V1_B_Weights.KINETICS400_V1': ((3, 16, 224, 224), {}),
    'MViT_V2_S_Weights.KINETICS400_V1': ((3, 16, 224, 224), {}),
    'GoogLeNet_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 224, 224), {}),
    'Inception_V3_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 299, 299), {}),
    'MobileNet_V2_QuantizedWeights.IMAGENET1K_QNNPACK_V1': ((3, 224, 224), {}),
    'MobileNet_V3_Large_QuantizedWeights.IMAGENET1K_QNNPACK_V1': ((3, 224, 224), {}),
    'ResNet18_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 224, 224), {}),
    'ResNet50_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 224, 224), {}),
    'ResNet50_QuantizedWeights.IMAGENET1K_FBGEMM_V2': ((3, 224, 224), {}),
    'ResNeXt101_32X8D_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 224, 224), {}),
    'ResNeXt101_32X8D_QuantizedWeights.IMAGENET1K_FBGEMM_V2': ((3, 224, 224), {}),
    'ResNeXt101_64X4D_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 224, 224), {}),
    'ShuffleNet_V2_X0_5_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 224, 224), {}),
    'ShuffleNet_V2_X1_0_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 224, 224), {}),
    'ShuffleNet_V2_X1_5_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 224, 224), {}),
    'ShuffleNet_V2_X2_0_QuantizedWeights.IMAGENET1K_FBGEMM_V1': ((3, 224, 224), {}),
    'R2Plus1D_18_Weights.KINETICS400_V1': ((3, 16, 112, 112), {}),
    'R3D_18_Weights.KINETICS400_V1': ((3, 16, 112, 112), {}),
    'Raft_Large_Weights.C_T_SKHT_K_V1': (None, {}),
    'Raft_Large_Weights.C_T_SKHT_K_V2': (None, {}),
    'Raft_Large_Weights.C_T_SKHT_V1': (None, {}),
    'Raft_Large_Weights.C_T_SKHT_V2': (None, {}),
    'Raft_Large_Weights.C_T_V1': (None, {}),
    'Raft_Large_Weights.C_T_V2': (None, {}),
    'Raft_Small_Weights.C_T_V1': (None, {}),
    'Raft_Small_Weights.C_T_V2': (None, {}),
    'RegNet_X_16GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_X_16GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_X_1_6GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_X_1_6GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_X_32GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_X_32GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_X_3_2GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_X_3_2GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_X_400MF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_X_400MF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_X_800MF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_X_800MF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_X_8GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_X_8GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_Y_128GF_Weights.IMAGENET1K_SWAG_E2E_V1': ((3, 384, 384), {}),
    'RegNet_Y_128GF_Weights.IMAGENET1K_SWAG_LINEAR_V1': ((3, 224, 224), {}),
    'RegNet_Y_16GF_Weights.IMAGENET1K_SWAG_E2E_V1': ((3, 384, 384), {}),
    'RegNet_Y_16GF_Weights.IMAGENET1K_SWAG_LINEAR_V1': ((3, 224, 224), {}),
    'RegNet_Y_16GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_Y_16GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_Y_1_6GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_Y_1_6GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_Y_32GF_Weights.IMAGENET1K_SWAG_E2E_V1': ((3, 384, 384), {}),
    'RegNet_Y_32GF_Weights.IMAGENET1K_SWAG_LINEAR_V1': ((3, 224, 224), {}),
    'RegNet_Y_32GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_Y_32GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_Y_3_2GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_Y_3_2GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_Y_400MF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_Y_400MF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_Y_800MF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_Y_800MF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RegNet_Y_8GF_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'RegNet_Y_8GF_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'ResNet101_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ResNet101_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'ResNet152_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ResNet152_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'ResNet18_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ResNet34_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ResNet50_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ResNet50_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'ResNeXt101_32X8D_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ResNeXt101_32X8D_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'ResNeXt101_64X4D_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ResNeXt50_32X4D_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ResNeXt50_32X4D_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'RetinaNet_ResNet50_FPN_Weights.COCO_V1': (None, {}),
    'RetinaNet_ResNet50_FPN_V2_Weights.COCO_V1': (None, {}),
    'S3D_Weights.KINETICS400_V1': ((3, 16, 224, 224), {}),
    'ShuffleNet_V2_X0_5_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ShuffleNet_V2_X1_5_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ShuffleNet_V2_X2_0_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'SqueezeNet1_0_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'SqueezeNet1_1_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'SSD300_VGG16_Weights.COCO_V1': (None, {}),
    'SSDLite320_MobileNet_V3_Large_Weights.COCO_V1': (None, {}),
    'Swin3D_B_Weights.KINETICS400_IMAGENET22K_V1': ((3, 16, 224, 224), {}),
    'Swin3D_B_Weights.KINETICS400_V1': ((3, 16, 224, 224), {}),
    'Swin3D_S_Weights.KINETICS400_V1': ((3, 16, 224, 224), {}),
    'Swin3D_T_Weights.KINETICS400_V1': ((3, 16, 224, 224), {}),
    'Swin_B_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'Swin_S_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'Swin_T_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'Swin_V2_B_Weights.IMAGENET1K_V1': ((3, 256, 256), {}),
    'Swin_V2_S_Weights.IMAGENET1K_V1': ((3, 256, 256), {}),
    'Swin_V2_T_Weights.IMAGENET1K_V1': ((3, 256, 256), {}),
    'VGG11_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'VGG11_BN_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'VGG13_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'VGG13_BN_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'VGG16_Weights.IMAGENET1K_FEATURES': ((3, 224, 224), {}),
    'VGG16_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'VGG16_BN_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'VGG19_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'VGG19_BN_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1': ((3, 384, 384), {'image_size': 384}),
    'ViT_B_16_Weights.IMAGENET1K_SWAG_LINEAR_V1': ((3, 224, 224), {}),
    'ViT_B_16_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ViT_B_32_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ViT_H_14_Weights.IMAGENET1K_SWAG_E2E_V1': ((3, 518, 518), {'image_size': 518}),
    'ViT_H_14_Weights.IMAGENET1K_SWAG_LINEAR_V1': ((3, 224, 224), {}),
    'ViT_L_16_Weights.IMAGENET1K_SWAG_E2E_V1': ((3, 512, 512), {'image_size': 512}),
    'ViT_L_16_Weights.IMAGENET1K_SWAG_LINEAR_V1': ((3, 224, 224), {}),
    'ViT_L_16_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'ViT_L_32_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'Wide_ResNet101_2_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'Wide_ResNet101_2_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
    'Wide_ResNet50_2_Weights.IMAGENET1K_V1': ((3, 224, 224), {}),
    'Wide_ResNet50_2_Weights.IMAGENET1K_V2': ((3, 224, 224), {}),
}


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
    found = [model for model, row in MODELS.items() if row[1] == enum_name]
    plain = [m for m in found if MODELS[m][0] != "quantization"]
    return (plain or found or [None])[0]


def resolve_weights(model: str, weights: str) -> str | None:
    """The full name (Enum.MEMBER) of ``weights`` for ``model``: a member name, DEFAULT, or a full name."""
    row = MODELS.get(model)
    if row is None or row[1] is None:
        return None
    enum, members, default = row[1], row[2], row[3]
    name = weights.strip()
    if "." in name:
        given_enum, _, name = name.partition(".")
        if given_enum != enum:
            return None
    if name == "DEFAULT":
        name = default or ""
    return f"{enum}.{name}" if name in members else None


def as_shipped(weights: str) -> tuple[tuple[int, ...] | None, dict[str, int]]:
    """(input size, builder arguments) the numbers of a weights entry are for; see WEIGHTS."""
    size, kwargs = WEIGHTS.get(weights, (None, {}))
    return size, dict(kwargs)


def squash(text: str) -> str:
    """Spelling-insensitive key: lower case, letters and digits only ("ViT-B/16" -> "vitb16")."""
    return re.sub(r"[^a-z0-9]", "", text.lower())
