"""Tests of faceparse.metrics.landmarks."""

from __future__ import annotations

import numpy as np

from faceparse.metrics.landmarks import landmark_nme


def test_nme_by_hand():
    ref = np.zeros((468, 3))
    ref[33, :2], ref[263, :2] = (0, 0), (10, 0)  # inter-ocular distance 10
    moved = ref + [3, 4, 0]  # every point 5 px off
    assert landmark_nme(moved, ref) == 0.5
    # 3D: a shift in z alone is no error (each mesh about its own mean z) ...
    assert landmark_nme(ref + [0, 0, 7], ref, three_d=True) == 0
    # ... one point 12 deeper is: 12·(467/468) off, 12/468 for the rest, over 10
    deeper = ref.copy()
    deeper[0, 2] = 12
    expected = (12 * 467 / 468 + 467 * 12 / 468) / 468 / 10
    assert np.isclose(landmark_nme(deeper, ref, three_d=True), expected)
