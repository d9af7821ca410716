"""ResNet-18 (He et al. 2016) as a feature extractor, for any number of input channels."""

from __future__ import annotations

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = (
            nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
            if stride != 1 or cin != cout
            else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + self.shortcut(x))


class ResNet(nn.Module):
    """Stem (7×7/2 conv, 3×3/2 max-pool) and four stages; returns the stride-8, -16 and -32
    feature maps, which is what BiSeNet's context path consumes."""

    def __init__(self, in_channels: int = 3, widths=(64, 128, 256, 512), blocks=(2, 2, 2, 2)):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, widths[0], 7, 2, 3, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),
        )
        stages, cin = [], widths[0]
        for i, (cout, n) in enumerate(zip(widths, blocks, strict=True)):
            stride = 1 if i == 0 else 2
            stages.append(
                nn.Sequential(
                    *(
                        BasicBlock(cin if j == 0 else cout, cout, stride if j == 0 else 1)
                        for j in range(n)
                    )
                )
            )
            cin = cout
        self.stages = nn.ModuleList(stages)
        self.out_channels = tuple(widths[1:])  # channels at strides 8, 16, 32

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.stages[0](self.stem(x))
        s8 = self.stages[1](x)
        s16 = self.stages[2](s8)
        s32 = self.stages[3](s16)
        return s8, s16, s32


def resnet18(in_channels: int = 3, width: int = 64) -> ResNet:
    """ResNet-18; `width` < 64 scales every stage down (the light parser uses 32)."""
    return ResNet(in_channels, (width, 2 * width, 4 * width, 8 * width), (2, 2, 2, 2))
