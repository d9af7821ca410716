"""Tests of faceparse.parsing.crop_parsers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from faceparse.labels import CELEBAMASK_HQ, LAPA
from faceparse.parsing.crop_parsers import flip_averaged
from faceparse.parsing.crop_scores import Logits, Probabilities


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


class _SidedModel:
    """A crop model that is right under mirroring, in `space`: the image's left half is l_eye,
    its right half r_eye, and bright pixels are nose. Scores as logits or as probabilities."""

    size, uses_depth = 6, False

    def __init__(self, space, as_logits):
        self.space, self.as_logits = space, as_logits

    def predict(self, crops, depth=None):
        n, h, w, _ = crops.shape
        p = np.zeros((n, self.space.num_classes, h, w), np.float32)
        p[:, self.space.index("l_eye"), :, : w // 2] = 1
        p[:, self.space.index("r_eye"), :, w // 2 :] = 1
        bright = crops[..., 0] > 0
        p[:, self.space.index("nose")][bright] = 1
        p[:, self.space.index("l_eye")][bright] = p[:, self.space.index("r_eye")][bright] = 0
        if self.as_logits:
            return [Logits(q, w) for q in p]
        return [Probabilities(q) for q in p]


@pytest.mark.parametrize("space", [LAPA, CELEBAMASK_HQ], ids=lambda s: s.name)
@pytest.mark.parametrize("as_logits", [True, False], ids=["logits", "probabilities"])
def test_flip_averaging_swaps_the_sides_of_the_parsers_own_space_back(space, as_logits):
    crops = np.zeros((1, 6, 6, 3), np.uint8)
    crops[:, 1:3, 0] = 255  # a bright patch at the image's left edge
    model = _SidedModel(space, as_logits)
    (averaged,) = flip_averaged(model, crops)
    (plain,) = model.predict(crops)
    # the mirrored pass, flipped back with the sides swapped, agrees with the plain one exactly:
    # with LaPa's pairs on the 19 classes (eyes at 4 and 5, not 4 and 2) it would not
    assert np.array_equal(averaged.probabilities, plain.probabilities)
    assert averaged.labels[1, 0] == space.index("nose")
    assert averaged.labels[0, 0] == space.index("l_eye")
    assert averaged.labels[0, 5] == space.index("r_eye")
