"""How network inputs are scaled: the ImageNet statistics every RGB network here was trained
with (the parsers, the pretrained Lite0 encoder, the skin/clothes/hair segmenter), and depth as a
fraction of 255. One home, so a parser and its preprocessing can never disagree."""

from __future__ import annotations

import numpy as np

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)  # of 0..1 RGB
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def normalize_rgb(image: np.ndarray) -> np.ndarray:
    """uint8 H×W×3 RGB -> float32 3×H×W, ImageNet-normalised."""
    x = image.astype(np.float32)
    x -= IMAGENET_MEAN * 255  # in place: one buffer instead of three
    x *= 1 / (IMAGENET_STD * 255)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def normalize_depth(depth: np.ndarray) -> np.ndarray:
    """uint8 H×W depth -> float32 1×H×W in [0, 1] (0 = background)."""
    return depth.astype(np.float32)[None] / 255.0
