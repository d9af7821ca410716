"""Small building blocks shared by the networks."""

from __future__ import annotations

from torch import nn


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1):
        super().__init__(
            nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


def init_weights(module: nn.Module) -> None:
    """Kaiming init for convolutions, unit/zero for norms: training starts from scratch here
    (no pretrained ResNet weights can be downloaded on our machines)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d | nn.InstanceNorm2d) and m.weight is not None:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
