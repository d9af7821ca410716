"""How network inputs are scaled: the ImageNet statistics every RGB network here was trained
with (the parsers, the pretrained Lite0 encoder, the skin/clothes/hair segmenter), and depth as a
fraction of 255. One home, so a parser and its preprocessing can never disagree."""

from __future__ import annotations

import numpy as np

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)  # of 0..1 RGB
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def normalize_rgb(image: np.ndarray) -> np.ndarray:
    """uint8 H×W×3 RGB -> float32 3×H×W, ImageNet-normalised. Channel by channel, each written
    once into its plane of the output: the same values as converting, scaling and transposing
    the whole array, without the three passes over it and the transposed copy."""
    out = np.empty((3, *image.shape[:2]), np.float32)
    for c in range(3):
        np.subtract(image[..., c], IMAGENET_MEAN[c] * 255, out=out[c], dtype=np.float32)
        out[c] *= 1 / (IMAGENET_STD[c] * 255)
    return out


def normalize_depth(depth: np.ndarray) -> np.ndarray:
    """uint8 H×W depth -> float32 1×H×W in [0, 1] (0 = background)."""
    return depth.astype(np.float32)[None] / 255.0
