"""RGB→depth translator: a pix2pix-style U-Net generator and PatchGAN discriminator
(Isola et al., CVPR 2017), sized for 128–512 px faces."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import init_weights


def _down(cin: int, cout: int, norm: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, 4, 2, 1, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.LeakyReLU(0.2, inplace=True))
    return nn.Sequential(*layers)


class _Up(nn.Module):
    """Upsample, then a 3×3 conv (not a transposed conv: no checkerboard artefacts in depth)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
        )

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[2:], mode="bilinear")
        return self.conv(torch.cat([x, skip], 1))


class UNetTranslator(nn.Module):
    """RGB (3×H×W, normalised) -> depth (1×H×W in [0, 1], 0 = background, 1 = nearest).
    `levels` halvings, so H and W must be multiples of 2**levels."""

    def __init__(self, in_channels: int = 3, out_channels: int = 1, base: int = 32, levels=5):
        super().__init__()
        widths = [min(base * 2**i, 8 * base) for i in range(levels)]
        self.down = nn.ModuleList(
            [
                _down(in_channels if i == 0 else widths[i - 1], w, norm=i > 0)
                for i, w in enumerate(widths)
            ]
        )
        self.up = nn.ModuleList(
            [_Up(widths[i] + widths[i - 1], widths[i - 1]) for i in range(levels - 1, 0, -1)]
        )
        self.out = nn.Conv2d(widths[0] + in_channels, out_channels, 3, 1, 1)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [x]
        for layer in self.down:
            skips.append(layer(skips[-1]))
        y = skips.pop()
        for layer in self.up:
            y = layer(y, skips.pop())
        y = F.interpolate(y, size=x.shape[2:], mode="bilinear")
        return torch.sigmoid(self.out(torch.cat([y, skips.pop()], 1)))


class PatchDiscriminator(nn.Module):
    """Conditional PatchGAN: (RGB, depth) -> a map of real/fake scores, one per ~70 px patch."""

    def __init__(self, in_channels: int = 4, base: int = 32, layers: int = 3):
        super().__init__()
        blocks, cin = [_down(in_channels, base, norm=False)], base
        for i in range(1, layers):
            cout = base * 2 ** min(i, 3)
            blocks.append(_down(cin, cout))
            cin = cout
        blocks += [
            nn.Conv2d(cin, cin, 4, 1, 1, bias=False),
            nn.BatchNorm2d(cin),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(cin, 1, 4, 1, 1),
        ]
        self.net = nn.Sequential(*blocks)
        init_weights(self)

    def forward(self, rgb: torch.Tensor, depth: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([rgb, depth], 1))
