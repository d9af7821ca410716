"""Tests of faceparse.metrics.confusion."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.metrics import (
    confusion_matrix,
    merged_f1,
    per_class_f1,
    per_class_precision,
    per_class_recall,
)

# 3 classes; rows = truth, columns = prediction
T = np.array([[0, 0, 1, 1], [0, 2, 2, 255]], np.uint8)


P = np.array([[0, 1, 1, 1], [0, 2, 1, 0]], np.uint8)


def test_confusion_matrix_by_hand():
    conf = confusion_matrix(P, T, 3)
    # truth 0: predicted 0,1,0 ; truth 1: 1,1 ; truth 2: 2,1 ; the 255 pixel is ignored
    np.testing.assert_array_equal(conf, [[2, 1, 0], [0, 2, 0], [0, 1, 1]])


def test_f1_by_hand():
    f1 = per_class_f1(confusion_matrix(P, T, 3))
    # class 1: TP 2, FP 2, FN 0 -> 4/6 ; class 2: TP 1, FP 0, FN 1 -> 2/3 ; class 0: 4/5
    np.testing.assert_allclose(f1, [4 / 5, 4 / 6, 2 / 3])


def test_precision_and_recall_by_hand():
    conf = confusion_matrix(P, T, 3)
    # class 1: 4 predicted, 2 right; 2 true, both found. class 2: 1 predicted, right; 2 true.
    np.testing.assert_allclose(per_class_precision(conf), [2 / 2, 2 / 4, 1 / 1])
    np.testing.assert_allclose(per_class_recall(conf), [2 / 3, 2 / 2, 1 / 2])


def test_merged_f1_counts_inner_confusions_as_correct():
    conf = confusion_matrix(P, T, 3)
    # merge {1, 2}: TP = 2+0+1+1 = 4, FP = 1 (truth 0 -> 1), FN = 0
    assert merged_f1(conf, (1, 2)) == pytest.approx(8 / 9)


def test_out_of_range_prediction_is_an_error():
    with pytest.raises(ValueError, match="predicted ids"):
        confusion_matrix(np.array([[7]]), np.array([[0]]), 3)


def test_mask_scores_by_hand_and_zero_for_a_class_never_called():
    from faceparse.metrics import mask_scores

    assert mask_scores(3, 1, 2) == pytest.approx({"f1": 6 / 9, "precision": 0.75, "recall": 0.6})
    assert mask_scores(0, 0, 5) == {"f1": 0.0, "precision": 0.0, "recall": 0.0}
