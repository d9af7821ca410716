"""Tests of faceparse.normalization."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.normalization import IMAGENET_MEAN, IMAGENET_STD, normalize_depth, normalize_rgb


def test_rgb_is_normalised_channel_by_channel_into_planes():
    image = np.zeros((2, 3, 3), np.uint8)
    image[0, 0] = (255, 255, 255)
    image[1, 2] = (0, 128, 255)
    x = normalize_rgb(image)
    assert x.shape == (3, 2, 3) and x.dtype == np.float32 and x.flags.c_contiguous
    assert x[:, 0, 0] == pytest.approx((1 - IMAGENET_MEAN) / IMAGENET_STD, rel=1e-5)
    assert x[:, 0, 1] == pytest.approx(-IMAGENET_MEAN / IMAGENET_STD, rel=1e-5)
    expected = (np.array([0, 128, 255]) / 255 - IMAGENET_MEAN) / IMAGENET_STD
    assert x[:, 1, 2] == pytest.approx(expected, rel=1e-5)
    assert x[0, 0, 0] == pytest.approx(2.2489, abs=1e-4)  # (1 - 0.485) / 0.229, red


def test_depth_is_a_fraction_of_255():
    d = normalize_depth(np.array([[0, 51, 255]], np.uint8))
    assert d.shape == (1, 1, 3) and d[0, 0].tolist() == pytest.approx([0, 0.2, 1])
