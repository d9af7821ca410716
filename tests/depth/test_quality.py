"""Tests of faceparse.depth.quality."""

from __future__ import annotations

import numpy as np
import pytest


def test_symmetry_error_is_zero_for_a_mirror_symmetric_map():
    from faceparse.depth.quality import MIDLINE, symmetry_error

    h, w, axis = 40, 60, 25.0
    x = np.arange(w) + 0.5
    dome = np.tile(np.clip(200 - 0.5 * (x - axis) ** 2, 0, 255), (h, 1)).astype(np.uint8)
    points = np.zeros((468, 3))
    points[list(MIDLINE), 0] = axis
    region = np.ones((h, w), bool)
    assert symmetry_error(dome, points, region) == pytest.approx(0, abs=1e-6)
    points[list(MIDLINE), 0] = axis + 4  # the wrong axis: the map no longer matches its mirror
    assert symmetry_error(dome, points, region) > 10
