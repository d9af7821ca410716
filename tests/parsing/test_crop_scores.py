"""Tests of faceparse.parsing.crop_scores."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.models.runtime import class_ids, probabilities
from faceparse.parsing.crop_scores import Logits, Probabilities


def test_logits_give_the_labels_of_their_upsampled_probabilities():
    logits = np.random.default_rng(0).normal(size=(19, 16, 16)).astype(np.float32)
    scores = Logits(logits, 64)
    expected = class_ids(probabilities(logits[None], (64, 64))[0])
    assert scores.labels.shape == (64, 64) and scores.labels.dtype == np.uint8
    assert (scores.labels == expected).mean() > 0.9999  # equal but for float ties
    assert scores.probabilities.shape == (19, 64, 64) and scores.size == 64
    assert Logits(logits, 16).labels.tolist() == class_ids(logits).tolist()  # nothing to upsample


def test_the_foreground_of_logits_is_the_background_probability_upsampled_by_hand():
    # background's logit 0, the other class's 0 and log 3: the background's probability is
    # 1/2 and 1/4 on the two cells, and between them at source x = -0.25, 0.25, 0.75, 1.25
    logits = np.array([[[0.0, 0.0]], [[0.0, np.log(3.0)]]], np.float32)
    scores = Logits(logits, 2)
    assert scores.foreground[0] == pytest.approx([0.5, 0.75])
    wide = np.repeat(logits, 2, axis=1)  # 2×2 cells, so that the crop is square: 4×4
    assert Logits(wide, 4).foreground[1] == pytest.approx(1 - np.array([0.5, 0.4375, 0.3125, 0.25]))


def test_probabilities_are_kept_as_they_are():
    p = np.zeros((3, 2, 2), np.float32)
    p[0] = 0.2
    p[2] = 0.8
    scores = Probabilities(p)
    assert scores.probabilities is p and scores.size == 2
    assert scores.labels.tolist() == [[2, 2], [2, 2]]
    assert scores.foreground == pytest.approx(np.full((2, 2), 0.8))
