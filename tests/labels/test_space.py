"""Tests of faceparse.labels.space."""

from __future__ import annotations

import numpy as np

from faceparse.labels import (
    FASSEG,
)


def test_colorize_uses_palette():
    rgb = FASSEG.colorize(np.array([[0, 2]], np.uint8))
    np.testing.assert_array_equal(rgb, [[[255, 0, 0], [255, 255, 0]]])
