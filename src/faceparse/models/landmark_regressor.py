"""The occlusion-resistant face-mesh student (issue #29): the ImageNet EfficientNet-Lite0 encoder
regresses MediaPipe's 468 3D landmarks from a square face crop.

The head predicts the coefficients of a linear shape basis (the mean and principal components of
the teacher's meshes in crop coordinates, fixed before training): every output is a plausible
face, so an occluded half is completed from the visible one rather than guessed point by point.
Output: (B, 468, 3), x and y in crop units (0..1 across the crop), z in the same units, centred.
"""

from __future__ import annotations

import torch
from torch import nn

from .efficientnet_lite import EfficientNetLite0Encoder, load_imagenet_weights
from .layers import ConvBNReLU

NUM_POINTS = 468


class LandmarkRegressor(nn.Module):
    def __init__(self, mean_shape: torch.Tensor, basis: torch.Tensor, pretrained: bool = True):
        """`mean_shape` (468·3,) and `basis` (K, 468·3): the shape model the head spans."""
        super().__init__()
        self.encoder = EfficientNetLite0Encoder()
        if pretrained:
            load_imagenet_weights(self.encoder)
        # Stride 32 keeps where each part is; 2×2 pooling of a 1×1 squeeze is compact enough
        # to flatten without an FC layer of millions of weights.
        self.squeeze = ConvBNReLU(self.encoder.out_channels[-1], 64, 1)
        self.pool = nn.AdaptiveAvgPool2d(3)
        self.fc = nn.Sequential(nn.Linear(64 * 9, 256), nn.ReLU(inplace=True))
        self.coefficients = nn.Linear(256, basis.shape[0])
        nn.init.zeros_(self.coefficients.weight)
        nn.init.zeros_(self.coefficients.bias)
        self.register_buffer("mean_shape", mean_shape.float().clone())
        self.register_buffer("basis", basis.float().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.pool(self.squeeze(self.encoder(x)[-1])).flatten(1)
        shape = self.mean_shape + self.coefficients(self.fc(f)) @ self.basis
        return shape.view(-1, NUM_POINTS, 3)
