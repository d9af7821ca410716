"""Tests of faceparse.parsing.landmark_parser."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from faceparse.labels import LAPA
from faceparse.parsing import landmark_labels


def test_landmark_parser_on_a_real_photo():
    pytest.importorskip("mediapipe")
    from faceparse.parsing import LandmarkParser

    image = data.astronaut()
    labels, found = LandmarkParser()(image)
    centre = {
        c: np.argwhere(labels == LAPA.index(c)).mean(0)
        for c in ("l_eye", "r_eye", "l_brow", "r_brow", "nose", "u_lip", "l_lip", "inner_mouth")
    }
    assert centre["l_eye"][1] < centre["r_eye"][1]  # LaPa's left is the image's left
    assert centre["l_brow"][0] < centre["l_eye"][0] < centre["nose"][0]
    assert centre["nose"][0] < centre["u_lip"][0] < centre["inner_mouth"][0] < centre["l_lip"][0]
    # the whole face is between 5% and 15% of the astronaut photo
    face = labels > 0
    assert 0.02 < face.mean() < 0.15
    # the pure geometry function gives the same labels from the same points
    assert np.array_equal(landmark_labels(found.points, image.shape[:2]), labels)


def test_part_outlines_scale_about_their_centre_along_and_across_their_axis():
    from faceparse.parsing.landmark_parser import scale_outline

    square = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])
    # along x by 1, across by 1.5: the square grows to 2 × 3 about (1, 1)
    out = scale_outline(square, np.array([5.0, 0.0]), (1.0, 1.5))
    assert np.allclose(out, [[0, -0.5], [2, -0.5], [2, 2.5], [0, 2.5]])
    # the axis tilted 90°: "along" is now y
    out = scale_outline(square, np.array([0.0, -3.0]), (2.0, 1.0))
    assert np.allclose(out, [[0, -1], [2, -1], [2, 3], [0, 3]])


def test_fitted_eyes_are_taller_than_the_mesh_opening_and_the_nose_narrower():
    pytest.importorskip("mediapipe")
    from faceparse.parsing import LandmarkParser
    from faceparse.parsing.landmark_parser import LandmarkParserConfig

    image = data.astronaut()
    points = LandmarkParser().landmarks(image).points
    mesh = landmark_labels(
        points, image.shape[:2], config=LandmarkParserConfig(eye_scale=(1, 1), nose_width=1.0)
    )
    fitted = landmark_labels(points, image.shape[:2])
    for cls in ("l_eye", "r_eye"):
        height = [np.ptp(np.nonzero(lab == LAPA.index(cls))[0]) for lab in (mesh, fitted)]
        assert height[1] > 1.3 * height[0]
    nose = LAPA.index("nose")
    assert 0.8 * (mesh == nose).sum() < (fitted == nose).sum() < 0.95 * (mesh == nose).sum()
