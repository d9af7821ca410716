"""Views pasted back into one photo: labels (`labels_from_crops`), class probabilities
(`probabilities_from_crops`) and rendered depth (`paste_depth`). Where views overlap, the one
surest a pixel is not background takes it.
"""

from __future__ import annotations

import numpy as np

from ..face.align import coverage, crop_box, paste_back, warp_into_box
from .views import FaceCrop


def paste_crop(crop: FaceCrop, shape: tuple[int, int]):
    """(box, C×h×w probabilities over the box, h×w foreground, 0 where the view does not
    label), or None when the crop misses the image."""
    box = crop_box(crop.matrix, crop.size, shape)
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return None
    region, inside = paste_back(crop.probabilities, crop.matrix, box)
    return box, region, foreground_in_box(crop, box, inside, shape)


def foreground_in_box(crop: FaceCrop, box, inside: np.ndarray, shape: tuple[int, int]):
    """The view's foreground warped into `box` (h×w), 0 where the view does not label."""
    fg = warp_into_box(crop.scores.foreground[None], crop.matrix, box)[0]
    return np.where(_speaks(crop, box, inside, shape), fg, 0)


def _speaks(crop: FaceCrop, box, inside: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Where in `box` the view labels: inside its crop, and outside the view it widens. That
    view's coverage is rasterised exactly as when its own labels were pasted, over its own box,
    so the two views meet without a seam."""
    if crop.outside_of is None:
        return inside
    inner = crop.outside_of
    size = inner.size
    ix0, iy0, ix1, iy1 = crop_box(inner.matrix, size, shape)
    x0, y0, x1, y1 = box
    covered = np.zeros_like(inside)
    if ix1 > ix0 and iy1 > iy0:
        inner_inside = coverage(inner.matrix, size, (ix0, iy0, ix1, iy1), nearest=True)
        # the inner view's box lies inside this one's: the view is wider around the same centre
        covered[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0] = inner_inside
    return inside & ~covered


def labels_from_crops(crops: list[FaceCrop], shape: tuple[int, int]) -> np.ndarray:
    """Labels over the working image. Each face's classes are decided on its crop grid (argmax
    of S×S scores) and warped into its box by nearest neighbour, with its foreground
    probability warped bilinearly; where boxes overlap, the face surest a pixel is not
    background wins. Warping the 11 probability planes and taking their argmax at image
    resolution instead took 19 ms against 4.5 ms a photo, for labels that agreed on 99.4% of
    pixels (one measurement, 30 Celeb1k val photos, 2026-11-30; the differences are one-pixel
    shifts of class borders). The model benchmark moved by 0.001 at most with this change."""
    labels = np.zeros(shape, np.uint8)
    best = np.zeros(shape, np.float32)
    for crop in crops:
        box = crop_box(crop.matrix, crop.size, shape)
        x0, y0, x1, y1 = box
        if x1 <= x0 or y1 <= y0:
            continue
        pasted, inside = paste_back(crop.labels[None], crop.matrix, box, nearest=True)
        fg = foreground_in_box(crop, box, inside, shape)
        take = fg > best[y0:y1, x0:x1]
        np.copyto(labels[y0:y1, x0:x1], pasted[0], where=take)
        np.copyto(best[y0:y1, x0:x1], fg, where=take)
    return labels


def paste_depth(
    crops: list[np.ndarray], matrices: list[np.ndarray], canvas: np.ndarray
) -> np.ndarray:
    """Per-face depth crops (S×S uint8 each) pasted into `canvas` (H×W uint8); where heads
    overlap the nearer (brighter) value wins."""
    out = canvas.copy()
    size = crops[0].shape[-1]
    for crop, m in zip(crops, matrices, strict=True):
        box = crop_box(m, size, out.shape)
        x0, y0, x1, y1 = box
        if x1 > x0 and y1 > y0:
            region, inside = paste_back(crop[None].astype(np.float32), m, box)
            pasted = np.where(inside, np.rint(region[0]), 0).astype(np.uint8)
            out[y0:y1, x0:x1] = np.maximum(out[y0:y1, x0:x1], pasted)
    return out


def probabilities_from_crops(
    crops: list[FaceCrop], num_classes: int, shape: tuple[int, int]
) -> np.ndarray:
    """C×h×w float32 over the working image: each pixel from the view surest it is not
    background, pure background where no view reaches."""
    probs = np.zeros((num_classes, *shape), np.float32)
    probs[0] = 1
    best = np.zeros(shape, np.float32)
    for crop in crops:
        pasted = paste_crop(crop, shape)
        if pasted is None:
            continue
        (x0, y0, x1, y1), region, fg = pasted
        take = fg > best[y0:y1, x0:x1]
        probs[:, y0:y1, x0:x1] = np.where(take, region, probs[:, y0:y1, x0:x1])
        best[y0:y1, x0:x1] = np.where(take, fg, best[y0:y1, x0:x1])
    return probs
