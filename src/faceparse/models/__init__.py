"""Networks: face parsers (BiSeNet on ResNet-18, and a light variant) and the RGB→depth
translator with its discriminator."""

from __future__ import annotations

from torch import nn

from .bisenet import BiSeNet
from .translator import PatchDiscriminator, UNetTranslator

# name -> BiSeNet width settings: backbone base width, path channels
PARSERS = {
    "bisenet-r18": {"width": 64, "channels": 128},
    # A quarter of the backbone's multiply-adds: for fast experiments on a CPU.
    "bisenet-light": {"width": 32, "channels": 64},
}


def build_parser(arch: str, num_classes: int, in_channels: int = 3) -> nn.Module:
    try:
        widths = PARSERS[arch]
    except KeyError:
        raise ValueError(f"unknown parser {arch!r}; choose from {', '.join(PARSERS)}") from None
    return BiSeNet(num_classes, in_channels, **widths)


__all__ = ["PARSERS", "BiSeNet", "PatchDiscriminator", "UNetTranslator", "build_parser"]
