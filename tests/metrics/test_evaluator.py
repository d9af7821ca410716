"""Tests of faceparse.metrics.evaluator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from faceparse.labels import FASSEG, LAPA
from faceparse.metrics import (
    ParsingEvaluator,
)


def test_evaluator_dataset_level_scores():
    ev = ParsingEvaluator(FASSEG)
    t1 = np.array([[0, 2, 2, 3]], np.uint8)
    p1 = np.array([[0, 2, 3, 3]], np.uint8)
    t2 = np.array([[0, 0, 4, 5]], np.uint8)
    p2 = np.array([[0, 0, 4, 5]], np.uint8)
    ev.update(p1, t1)
    ev.update(p2, t2)
    s = ev.compute()
    assert s.num_images == 2
    assert s.pixel_accuracy == pytest.approx(7 / 8)
    # per class: hair(1) absent everywhere -> NaN and left out; skin 2/3; eyes 2/3; nose 1; mouth 1
    assert math.isnan(s.per_class_f1[1])
    assert s.per_class_f1[2] == pytest.approx(2 / 3) and s.per_class_f1[3] == pytest.approx(2 / 3)
    assert s.mean_f1 == pytest.approx((2 / 3 + 2 / 3 + 1 + 1) / 4)
    # overall merges eyes, nose, mouth: TP 3, FP 1 (skin -> eyes), FN 0
    assert s.overall_f1 == pytest.approx(6 / 7)
    # IoU: bg 1, skin 1/2, eyes 1/2, nose 1, mouth 1 -> mean over the 5 scored classes
    assert s.miou == pytest.approx((1 + 0.5 + 0.5 + 1 + 1) / 5)
    d = s.to_dict()
    assert d["per_class_f1"][1] is None and d["classes"][3] == "eyes"
    assert "| 3 | eyes | 0.6667 |" in s.to_markdown()


def test_evaluator_is_a_dataset_sum_not_a_mean_of_images():
    ev = ParsingEvaluator(LAPA)
    big_t = np.ones((10, 10), np.uint8)
    ev.update(big_t, big_t)  # 100 perfect skin pixels
    ev.update(np.array([[0]], np.uint8), np.array([[1]], np.uint8))  # 1 wrong pixel
    s = ev.compute()
    assert s.per_class_f1[1] == pytest.approx(200 / 201)  # a per-image mean would give 0.5


def test_merge_of_evaluators_equals_single_pass():
    rng = np.random.default_rng(0)
    pairs = [(rng.integers(0, 6, (8, 8)), rng.integers(0, 6, (8, 8))) for _ in range(4)]
    one, a, b = ParsingEvaluator(FASSEG), ParsingEvaluator(FASSEG), ParsingEvaluator(FASSEG)
    for k, (p, t) in enumerate(pairs):
        one.update(p, t)
        (a if k % 2 else b).update(p, t)
    a.merge(b)
    assert a.compute() == one.compute()
