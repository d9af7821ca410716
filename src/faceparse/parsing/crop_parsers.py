"""What parses one aligned face crop: `predict(crops, depth) -> class probabilities`.

* `NetworkCropModel` — trained parsers: an RGB one and optionally a depth one; with depth given,
  their probabilities are averaged (the two parsers of the mutual-learning method see different
  evidence, so they fail differently).
* `LandmarkCropModel` — the landmark-geometry parser, no training.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from ..errors import ModelFileError
from ..labels import LAPA, LabelSpace
from ..models.files import ParserCard
from ..models.preprocess import depth_tensor, rgb_tensor
from .landmark_parser import LandmarkParser


class NetworkCropModel:
    def __init__(
        self,
        rgb: nn.Module,
        card: ParserCard,
        depth: nn.Module | None = None,
        depth_card: ParserCard | None = None,
        batch_size: int = 8,
    ):
        if depth_card is not None and depth_card.space != card.space:
            raise ModelFileError(
                f"RGB parser predicts {card.space}, depth parser {depth_card.space}"
            )
        self.rgb, self.card = rgb.eval(), card
        self.depth, self.depth_card = (depth.eval() if depth is not None else None), depth_card
        self.space: LabelSpace = card.label_space
        self.size = card.size
        self.batch_size = batch_size

    @property
    def uses_depth(self) -> bool:
        return self.depth is not None

    @torch.inference_mode()
    def predict(self, crops: np.ndarray, depth: np.ndarray | None = None) -> np.ndarray:
        """(N, S, S, 3) uint8 crops [+ (N, S, S) uint8 depth] -> (N, C, S, S) float32."""
        out = []
        for i in range(0, len(crops), self.batch_size):
            x = torch.stack([rgb_tensor(c) for c in crops[i : i + self.batch_size]])
            p = self.rgb(x).softmax(1)
            if depth is not None and self.depth is not None:
                d = torch.stack([depth_tensor(c) for c in depth[i : i + self.batch_size]])
                p = (p + self.depth(d).softmax(1)) / 2
            out.append(p.numpy())
        return np.concatenate(out).astype(np.float32)


class LandmarkCropModel:
    """Face-mesh polygons per crop as one-hot probabilities, softened over ~1% of the crop so
    that pasting back and resizing give smooth edges."""

    space = LAPA
    uses_depth = False

    def __init__(self, teacher: str | Path | None = None, size: int = 256):
        self.parser = LandmarkParser(teacher)
        self.size = size

    def predict(self, crops: np.ndarray, depth: np.ndarray | None = None) -> np.ndarray:
        n, c = len(crops), self.space.num_classes
        out = np.zeros((n, c, self.size, self.size), np.float32)
        sigma = 0.01 * self.size
        for i, crop in enumerate(crops):
            found = self.parser(crop)
            if found is None:  # the mesh can miss a face the detector found: all background
                out[i, 0] = 1
                continue
            one_hot = np.eye(c, dtype=np.float32)[found[0]]
            soft = cv2.GaussianBlur(one_hot, (0, 0), sigma)
            out[i] = soft.transpose(2, 0, 1) / soft.sum(2)[None]
        return out
