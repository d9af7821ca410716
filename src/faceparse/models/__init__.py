"""Networks: face parsers (BiSeNet on ResNet-18, a light BiSeNet, real-time students) and the
RGB→depth translator with its discriminator."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from ..errors import UnknownNameError
from .bisenet import BiSeNet
from .receptive_field import ReceptiveField, receptive_field
from .student import StudentParser
from .translator import PatchDiscriminator, UNetTranslator

# name -> factory(num_classes, in_channels)
PARSERS: dict[str, Callable[[int, int], nn.Module]] = {
    "bisenet-r18": lambda n, c: BiSeNet(n, c, width=64, channels=128),
    # half the backbone width and path channels, ~4× faster on CPU: for fast experiments
    "bisenet-light": lambda n, c: BiSeNet(n, c, width=32, channels=64),
    "student": lambda n, c: StudentParser(n, c, encoder="scratch"),
    "student-lite0": lambda n, c: StudentParser(n, c, encoder="lite0"),
}


def build_parser(arch: str, num_classes: int, in_channels: int = 3) -> nn.Module:
    try:
        factory = PARSERS[arch]
    except KeyError:
        raise UnknownNameError("parser", arch, PARSERS) from None
    return factory(num_classes, in_channels)


__all__ = [
    "PARSERS",
    "BiSeNet",
    "PatchDiscriminator",
    "ReceptiveField",
    "StudentParser",
    "UNetTranslator",
    "build_parser",
    "receptive_field",
]
