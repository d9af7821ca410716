"""BiSeNet (Yu et al., ECCV 2018) face parser on a ResNet-18 written here.

Spatial path: three strided convolutions keep a stride-8 map rich in detail. Context path: the
backbone's stride-16 and -32 maps, each refined by an attention-refinement module, plus a global
context vector. A feature-fusion module merges the two paths; auxiliary heads on the context
path's stride-16 and -32 outputs help training and are dropped at inference.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import ConvBNReLU, init_weights
from .resnet import resnet18


class SpatialPath(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        mid = cout // 2
        self.layers = nn.Sequential(
            ConvBNReLU(cin, mid, 7, 2),
            ConvBNReLU(mid, mid, 3, 2),
            ConvBNReLU(mid, mid, 3, 2),
            ConvBNReLU(mid, cout, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class AttentionRefinement(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = ConvBNReLU(cin, cout, 3)
        self.attention = nn.Sequential(
            nn.Conv2d(cout, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.Sigmoid()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return x * self.attention(x.mean((2, 3), keepdim=True))


class ContextPath(nn.Module):
    def __init__(self, in_channels: int, width: int, cout: int):
        super().__init__()
        self.backbone = resnet18(in_channels, width)
        _, c16, c32 = self.backbone.out_channels
        self.arm16 = AttentionRefinement(c16, cout)
        self.arm32 = AttentionRefinement(c32, cout)
        self.global_context = ConvBNReLU(c32, cout, 1)
        self.refine16 = ConvBNReLU(cout, cout, 3)
        self.refine32 = ConvBNReLU(cout, cout, 3)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (stride-8 context, stride-16 context); both also feed the auxiliary heads."""
        _, s16, s32 = self.backbone(x)
        g = self.global_context(s32.mean((2, 3), keepdim=True))
        up32 = self.refine32(F.interpolate(self.arm32(s32) + g, size=s16.shape[2:], mode="nearest"))
        up16 = F.interpolate(self.arm16(s16) + up32, scale_factor=2.0, mode="nearest")
        return self.refine16(up16), up32


class FeatureFusion(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = ConvBNReLU(cin, cout, 1)
        self.attention = nn.Sequential(
            nn.Conv2d(cout, cout // 4, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout // 4, cout, 1),
            nn.Sigmoid(),
        )

    def forward(self, spatial: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = self.conv(torch.cat([spatial, context], 1))
        return x + x * self.attention(x.mean((2, 3), keepdim=True))


class SegHead(nn.Module):
    def __init__(self, cin: int, mid: int, num_classes: int):
        super().__init__()
        self.conv = ConvBNReLU(cin, mid, 3)
        self.classify = nn.Conv2d(mid, num_classes, 1)

    def forward(self, x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        return F.interpolate(self.classify(self.conv(x)), size=size, mode="bilinear")


class BiSeNet(nn.Module):
    """`BiSeNet(num_classes, in_channels=3)` (RGB) or `in_channels=1` (depth). Input sides must be
    multiples of 32. `model(x)` gives logits at the input size; `model(x, with_aux=True)` gives
    (logits, [aux16, aux32])."""

    def __init__(
        self, num_classes: int, in_channels: int = 3, width: int = 64, channels: int = 128
    ):
        super().__init__()
        self.num_classes, self.in_channels = num_classes, in_channels
        self.spatial = SpatialPath(in_channels, channels)
        self.context = ContextPath(in_channels, width, channels)
        self.fusion = FeatureFusion(2 * channels, 2 * channels)
        self.head = SegHead(2 * channels, 2 * channels, num_classes)
        self.aux16 = SegHead(channels, channels // 2, num_classes)
        self.aux32 = SegHead(channels, channels // 2, num_classes)
        init_weights(self)

    def forward(self, x: torch.Tensor, with_aux: bool = False):
        size = x.shape[2:]
        context8, context16 = self.context(x)
        logits = self.head(self.fusion(self.spatial(x), context8), size)
        if not with_aux:
            return logits
        return logits, [self.aux16(context8, size), self.aux32(context16, size)]
