"""Tests of faceparse.losses.translation."""

from __future__ import annotations

import pytest
import torch

from faceparse.losses import (
    discriminator_adversarial,
    parser_loss,
    translation_l1,
)


def test_translation_losses_and_unknown_terms():
    assert translation_l1(torch.tensor([0.2, 0.8]), torch.tensor([0.0, 1.0])).item() == (
        pytest.approx(0.2)
    )
    assert discriminator_adversarial(torch.ones(3), torch.zeros(3)).item() == 0.0
    with pytest.raises(ValueError, match="unknown loss 'dice'"):
        parser_loss({"dice": {}})
