"""Tests of faceparse.parsing.crop_scores."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.parsing.crop_scores import (
    Logits,
    Probabilities,
    class_ids,
    mirror_averaged,
    probabilities,
    softmax,
)


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


def test_softmax_by_hand():
    p = softmax(np.array([[[[0.0]], [[np.log(3.0)]]]], np.float32))
    assert p[0, :, 0, 0] == pytest.approx([0.25, 0.75])


def test_probabilities_upsample_the_logits_bilinearly_then_take_the_softmax():
    # class 1's logit is 0 at the left cell and log 3 at the right; four output pixels over two
    # cells sit at source x = -0.25, 0.25, 0.75, 1.25 (half-pixel centres, edges held), where
    # it is 0, log(3)/4, 3 log(3)/4 and log 3; class 0's logit is 0 everywhere
    logits = np.array([[[[0.0, 0.0]], [[0.0, np.log(3.0)]]]], np.float32)
    p = probabilities(logits, (1, 4))
    assert p.shape == (1, 2, 1, 4)
    expected = [1 / (1 + 3**e) for e in (0, 0.25, 0.75, 1)]
    assert p[0, 0, 0] == pytest.approx(expected, abs=1e-6)
    assert p[0].sum(0) == pytest.approx(np.ones((1, 4)))
    same_size = probabilities(logits, (1, 2))
    assert same_size[0, :, 0, 1] == pytest.approx([0.25, 0.75])  # no upsampling to do


def test_mirror_averaged_flips_back_and_swaps_the_sides():
    from faceparse.labels import LAPA

    probs = np.zeros((1, 11, 1, 2), np.float32)
    probs[0, LAPA.index("l_eye"), 0, 0] = 1  # l_eye at the left pixel
    mirrored = np.zeros_like(probs)
    mirrored[0, LAPA.index("l_eye"), 0, 1] = 1  # the mirror's l_eye at its right pixel
    out = mirror_averaged(probs, mirrored, LAPA)
    assert out[0, LAPA.index("l_eye"), 0].tolist() == [0.5, 0]
    assert out[0, LAPA.index("r_eye"), 0].tolist() == [0.5, 0]


def test_class_ids_take_the_first_class_on_ties_as_argmax_does():
    scores = np.array([[[0.2, 0.5]], [[0.7, 0.5]], [[0.1, 0.5]]], np.float32)  # 3 classes, 1×2
    ids = class_ids(scores)
    assert ids.dtype == np.uint8 and ids.tolist() == [[1, 0]]
    random = np.random.default_rng(0).random((19, 8, 9)).astype(np.float32)
    assert (class_ids(random) == random.argmax(0)).all()
