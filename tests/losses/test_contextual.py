"""Tests of faceparse.losses.contextual."""

from __future__ import annotations

import pytest
import torch

from faceparse.labels import IGNORE_INDEX


def test_contextual_loss_sees_where_a_mistake_is():
    from faceparse.losses import contextual_loss

    labels = torch.zeros(1, 16, 16, dtype=torch.long)
    labels[0, 6:10, 6:10] = 1
    perfect = 30.0 * torch.nn.functional.one_hot(labels, 2).permute(0, 3, 1, 2).float()
    assert contextual_loss(perfect, labels).item() == pytest.approx(0.0, abs=1e-4)

    def with_stray_patch(y, x):
        logits = perfect.clone()
        logits[0, :, y : y + 2, x : x + 2] = torch.tensor([-30.0, 30.0]).view(2, 1, 1)
        return contextual_loss(logits, labels).item()

    near, far = with_stray_patch(10, 10), with_stray_patch(0, 0)
    assert 0 < near < far  # same number of wrong pixels, but far away distorts the class more
    ignored = labels.clone()
    ignored[0, 0:2, 0:2] = IGNORE_INDEX  # the far patch on ignored pixels costs nothing
    logits = perfect.clone()
    logits[0, :, 0:2, 0:2] = torch.tensor([-30.0, 30.0]).view(2, 1, 1)
    assert contextual_loss(logits, ignored).item() == pytest.approx(0.0, abs=1e-4)
