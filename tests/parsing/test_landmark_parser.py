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
