"""Tests of faceparse.metrics.fragmentation."""

from __future__ import annotations

import numpy as np

from faceparse.metrics import (
    count_components,
    image_fragmentation,
)


def test_components_use_8_connectivity():
    m = np.zeros((5, 5), bool)
    m[0, 0] = m[1, 1] = True  # diagonal neighbours: one region
    m[4, 4] = True
    assert count_components(m) == 2
    assert count_components(np.zeros((3, 3), bool)) == 0


def test_fragmentation_by_hand():
    target = np.zeros((6, 6), np.uint8)
    target[1:3, 1:3] = 1
    pred = target.copy()
    pred[5, 5] = 1  # a stray blob of class 1
    pred[4, 0] = 2  # class 2 appears, absent in truth
    frag = image_fragmentation(pred, target, 3)
    # class 0: truth one region; prediction one region too (holes don't split the 8-connected bg)
    np.testing.assert_array_equal(frag, [0, 1, 1])
