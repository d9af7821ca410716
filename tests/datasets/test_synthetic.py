"""Tests of faceparse.datasets.synthetic: generated faces put each side where its space does."""

from __future__ import annotations

import numpy as np

from faceparse.datasets.synthetic import synthetic_face
from faceparse.labels import CELEBAMASK_HQ, LAPA


def _centroid_x(label, space, name):
    return np.nonzero(label == space.index(name))[1].mean()


def test_generated_faces_follow_each_spaces_side_convention():
    for seed in range(3):
        celeb = synthetic_face(np.random.default_rng(seed), size=96, space=CELEBAMASK_HQ)
        lapa = synthetic_face(np.random.default_rng(seed), size=96, space=LAPA)
        for part in ("eye", "brow"):
            # CelebAMask-HQ: the subject's left, on the image's right; LaPa: the image's left
            assert _centroid_x(celeb.label, CELEBAMASK_HQ, f"l_{part}") > 48
            assert _centroid_x(lapa.label, LAPA, f"l_{part}") < 48
        np.testing.assert_array_equal(celeb.image, lapa.image)  # one face, two namings
