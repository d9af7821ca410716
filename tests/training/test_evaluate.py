"""Tests of faceparse.training.evaluate."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.metrics import ParsingEvaluator
from faceparse.training.evaluate import evaluate


class FixedParser(torch.nn.Module):
    """Predicts a given label map (as confident logits), whatever the input."""

    def __init__(self, labels: np.ndarray, num_classes: int):
        super().__init__()
        onehot = torch.nn.functional.one_hot(torch.from_numpy(labels).long(), num_classes)
        self.logits = 10.0 * onehot.permute(0, 3, 1, 2).float()
        self.i = 0

    def forward(self, x):
        self.i += 1
        return self.logits[self.i - 1 : self.i]


def test_eval_numbers_match_the_metrics_module():
    samples = synthetic_dataset(3, seed=5, size=64, space="lapa")
    preds = np.stack([s.label.copy() for s in samples])
    preds[0, :10] = 1  # a band of "skin" where the truth differs
    preds[2, 30:40, 30:40] = 4
    scores, errors = evaluate(samples, "rgb", 64, FixedParser(preds, 11))
    ref = ParsingEvaluator("lapa")
    for p, s in zip(preds, samples, strict=True):
        ref.update(p, s.label)
    expected = ref.compute()
    assert errors is None
    assert scores.mean_f1 == pytest.approx(expected.mean_f1)
    assert scores.per_class_f1 == pytest.approx(expected.per_class_f1, nan_ok=True)
    wrong = sum(int((p != s.label).sum()) for p, s in zip(preds, samples, strict=True))
    assert scores.pixel_accuracy == pytest.approx(1 - wrong / (3 * 64 * 64))


def test_evaluate_sends_inputs_where_the_model_is():
    from on_meta import OnMeta

    faces = synthetic_dataset(2, seed=3, size=64, space="lapa")
    model = OnMeta(11)
    scores, _ = evaluate(faces, "rgb", 64, model)
    assert model.calls == 2 and scores.num_images == 2
