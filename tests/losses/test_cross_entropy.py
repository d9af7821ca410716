"""Tests of faceparse.losses.cross_entropy."""

from __future__ import annotations

import math

import pytest
import torch

from faceparse.labels import IGNORE_INDEX
from faceparse.losses import (
    CrossEntropyLoss,
    OhemCrossEntropyLoss,
    ParserOutputs,
)


def test_cross_entropy_ignores_unlabelled_pixels_and_weights_aux_heads():
    logits = torch.tensor([[0.0, 0.0], [10.0, -10.0]]).T.reshape(1, 2, 1, 2)
    labels = torch.tensor([[[0, IGNORE_INDEX]]])
    out = ParserOutputs(logits, labels, aux=[logits])
    # only pixel 0 counts: uniform over 2 classes -> ln 2, plus 0.4 × the same for the aux head
    assert CrossEntropyLoss(aux_weight=0.4)(out).item() == pytest.approx(1.4 * math.log(2), 1e-6)
    none_labelled = ParserOutputs(logits, torch.full((1, 1, 2), IGNORE_INDEX))
    assert CrossEntropyLoss()(none_labelled).item() == 0.0


def test_ohem_averages_only_the_hard_pixels():
    # true-class (0) probabilities: 0.5 at pixel 0 (hard, below 0.7), ~1 at pixel 1 (easy)
    logits = torch.tensor([[[[0.0, 20.0]], [[0.0, 0.0]]]])
    labels = torch.zeros(1, 1, 2, dtype=torch.long)
    hard_only = OhemCrossEntropyLoss(threshold=0.7, min_kept=0.0, aux_weight=0.0)
    assert hard_only(ParserOutputs(logits, labels)).item() == pytest.approx(math.log(2), 1e-6)
    # keeping at least all pixels averages the easy one in
    keep_all = OhemCrossEntropyLoss(threshold=0.7, min_kept=1.0, aux_weight=0.0)
    assert keep_all(ParserOutputs(logits, labels)).item() == pytest.approx(math.log(2) / 2, 1e-6)
