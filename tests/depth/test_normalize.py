"""Tests of faceparse.depth.normalize."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.depth.normalize import normalize_depth


def test_normalize_minmax_and_metric():
    z = np.array([[-np.inf, 10.0, 9.0, 7.46]])
    np.testing.assert_array_equal(normalize_depth(z, "minmax"), [[0, 255, 155, 1]])
    # metric: 1 mm per level from the nearest point; 10 mm behind -> 245
    np.testing.assert_array_equal(normalize_depth(z, "metric", 1.0), [[0, 255, 245, 230]])
    with pytest.raises(ValueError, match="unknown depth normalization"):
        normalize_depth(z, "log")
