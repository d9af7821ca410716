"""Checks of a rendered depth map against labels and landmarks (benchmarks and tests use them)."""

from __future__ import annotations

import cv2
import numpy as np

from ..face.landmarks import polygon_mask

__all__ = ["depth_difference", "iou", "nose_nearer_than_cheeks", "polygon_mask", "symmetry_error"]

# MediaPipe landmark ids
NOSE_TIP, CHEEK_LEFT, CHEEK_RIGHT, CHIN = 1, 50, 280, 152
MIDLINE = (10, 168, NOSE_TIP, CHIN)  # forehead top, nose bridge, nose tip, chin


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def depth_at(depth: np.ndarray, point: np.ndarray) -> int:
    h, w = depth.shape
    return int(depth[min(max(int(point[1]), 0), h - 1), min(max(int(point[0]), 0), w - 1)])


def nose_nearer_than_cheeks(depth: np.ndarray, points: np.ndarray) -> bool:
    nose, left, right = (depth_at(depth, points[i]) for i in (NOSE_TIP, CHEEK_LEFT, CHEEK_RIGHT))
    return nose > left and nose > right


def symmetry_error(depth: np.ndarray, points: np.ndarray, region: np.ndarray) -> float:
    """Mean |depth − its mirror image| in grey levels over `region` (where both sides have depth).
    The mirror axis is the vertical through the mean x of the facial midline landmarks, so this
    is meaningful for frontal, upright faces only."""
    axis = float(points[list(MIDLINE), 0].mean())
    w = depth.shape[1]
    xs = 2 * axis - np.arange(w) - 1  # pixel x's mirror, in pixel-centre coordinates
    mirrored = cv2.remap(
        depth.astype(np.float32),
        np.broadcast_to(xs.astype(np.float32), depth.shape).copy(),
        np.broadcast_to(np.arange(depth.shape[0], dtype=np.float32)[:, None], depth.shape).copy(),
        cv2.INTER_LINEAR,
        borderValue=0,
    )
    both = region & (depth > 0) & (mirrored > 0)
    if not both.any():
        return float("nan")
    return float(np.abs(depth[both].astype(np.float32) - mirrored[both]).mean())


def depth_difference(depth: np.ndarray, reference: np.ndarray) -> tuple[float, float, float]:
    """(mean |difference|, RMSE) in grey levels where both maps have depth, and the IoU of their
    foregrounds: how far a depth map is from the one it should have been."""
    a, b = depth > 0, reference > 0
    both = a & b
    if not both.any():
        return float("nan"), float("nan"), iou(a, b)
    diff = depth[both].astype(np.float32) - reference[both].astype(np.float32)
    return float(np.abs(diff).mean()), float(np.sqrt((diff**2).mean())), iou(a, b)
