"""Landmark error: the normalised mean error (NME) of a face mesh against a reference one."""

from __future__ import annotations

import numpy as np

# MediaPipe's outer eye corners: NME is over the distance between them (inter-ocular).
OUTER_EYE_CORNERS = (33, 263)


def interocular(points: np.ndarray) -> float:
    a, b = OUTER_EYE_CORNERS
    return float(np.linalg.norm(points[a, :2] - points[b, :2]))


def landmark_nme(points: np.ndarray, reference: np.ndarray, three_d: bool = False) -> float:
    """Mean point distance over the reference's inter-ocular distance. 2D: x, y only. 3D: z too,
    each mesh's z taken about its own mean (a mesh's depth offset is arbitrary)."""
    if three_d:
        a = points - [0, 0, points[:, 2].mean()]
        b = reference - [0, 0, reference[:, 2].mean()]
    else:
        a, b = points[:, :2], reference[:, :2]
    return float(np.linalg.norm(a - b, axis=1).mean() / max(interocular(reference), 1e-9))
