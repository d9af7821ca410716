"""Fragmentation: how far the number of connected regions per class is from the ground truth.

A parser that scatters a few stray "eye" pixels over the cheek can keep a high F1 while drawing
nonsense; counting regions exposes it. For each image and each class c:

    frag(c) = | #components(pred == c) - #components(target == c) |

with 8-connectivity, ignored target pixels removed from both maps. Reported per class as the mean
over images, and as the mean of that over foreground classes.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..labels import IGNORE_INDEX


def count_components(mask: np.ndarray) -> int:
    """Number of 8-connected regions of True pixels."""
    if not mask.any():
        return 0
    n, _ = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    return int(n) - 1  # label 0 is the background of the mask


def image_fragmentation(
    pred: np.ndarray, target: np.ndarray, num_classes: int, ignore_index: int = IGNORE_INDEX
) -> np.ndarray:
    """(num_classes,) |#components predicted - #components in ground truth| for one image."""
    if pred.shape != target.shape:
        raise ValueError(f"prediction {pred.shape} and target {target.shape} differ in shape")
    valid = target != ignore_index
    out = np.zeros(num_classes, np.int64)
    for c in range(num_classes):
        out[c] = abs(count_components((pred == c) & valid) - count_components(target == c))
    return out
