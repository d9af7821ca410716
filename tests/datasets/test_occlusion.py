"""Tests of faceparse.datasets.occlusion."""

from __future__ import annotations

import numpy as np

from faceparse.datasets.occlusion import KINDS, OcclusionConfig, occlude


def test_occluders_are_reproducible_and_their_mask_is_what_changed():
    image = np.full((96, 96, 3), 7, np.uint8)
    for kind in KINDS:
        cfg = OcclusionConfig(kinds=(kind,))
        a, mask_a = occlude(image, np.random.default_rng(5), cfg)
        b, mask_b = occlude(image, np.random.default_rng(5), cfg)
        assert np.array_equal(a, b) and np.array_equal(mask_a, mask_b)
        assert 0.01 < mask_a.mean() < 0.5, kind
        # nothing outside the mask changes
        assert np.array_equal(a[~mask_a], image[~mask_a])
        # the occluder sits around the crop centre, where aligned faces are
        ys, xs = np.nonzero(mask_a)
        assert abs(ys.mean() - 48) < 40 and abs(xs.mean() - 48) < 40
