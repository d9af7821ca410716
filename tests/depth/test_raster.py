"""Tests of faceparse.depth.raster."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.depth.raster import rasterize


def test_rasterize_interpolates_and_keeps_nearest():
    v = np.array([[0, 0, 1], [10, 0, 1], [0, 10, 3], [0, 0, 9], [10, 0, 9], [0, 10, 9.0]])
    z, tri = rasterize(v[:3], np.array([[0, 1, 2]]), (10, 10))
    assert z[0, 0] == pytest.approx(1.1)  # pixel centre (0.5, 0.5): z = 1 + 0.2 y
    assert np.isinf(z[9, 9]) and tri[9, 9] == -1  # outside the triangle
    z, tri = rasterize(v, np.array([[0, 1, 2], [3, 4, 5]]), (10, 10))
    assert z[0, 0] == 9 and tri[0, 0] == 1  # the nearer (larger z) triangle wins
