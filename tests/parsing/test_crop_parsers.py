"""Tests of faceparse.parsing.crop_parsers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from faceparse.labels import LAPA


def test_landmark_crop_model_parses_crops_of_any_size():
    pytest.importorskip("mediapipe")
    from faceparse.parsing.crop_parsers import LandmarkCropModel

    model = LandmarkCropModel(size=256)
    crops = np.stack([cv2.resize(data.astronaut(), (224, 224))])  # a context view's size
    probs = np.stack([scores.probabilities for scores in model.predict(crops)])
    assert probs.shape == (1, 11, 224, 224)
    assert np.allclose(probs.sum(1), 1, atol=1e-5)
    labels = probs[0].argmax(0)
    assert (labels == LAPA.index("nose")).sum() > 50 and (labels == LAPA.index("l_eye")).any()


def test_coarse_probabilities_are_shared_as_the_fine_parser_shares_them():
    import numpy as np

    from faceparse.parsing.crop_parsers import lift_probabilities

    lut = np.array([0, 1, 1, 2], np.uint8)  # fine classes 1 and 2 are coarse class 1
    fine = np.array([0.1, 0.6, 0.2, 0.1], np.float32)[None, :, None, None]
    coarse = np.array([0.2, 0.4, 0.4], np.float32)[None, :, None, None]
    lifted = lift_probabilities(coarse, fine, lut)[0, :, 0, 0]
    assert np.allclose(lifted, [0.2, 0.4 * 0.75, 0.4 * 0.25, 0.4])
