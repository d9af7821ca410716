"""Tests of faceparse.losses.mutual."""

from __future__ import annotations

import math

import pytest
import torch

from faceparse.labels import IGNORE_INDEX
from faceparse.losses import (
    ParserOutputs,
    mutual_kl,
    parser_loss,
)


def test_mutual_kl_matches_a_hand_computed_value_and_is_zero_on_agreement():
    logits = torch.zeros(1, 2, 1, 1)  # p = (0.5, 0.5)
    partner = torch.tensor([math.log(3.0), 0.0]).view(1, 2, 1, 1)  # q = (0.75, 0.25)
    expected = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)  # KL(q ‖ p) = 0.1308
    assert mutual_kl(logits, partner).item() == pytest.approx(expected, abs=1e-6)
    # temperature 2: q_T = softmax(partner / 2), scaled by T²
    q = torch.softmax(partner.flatten() / 2, 0)
    kl_t = float((q * (q.log() - math.log(0.5))).sum()) * 4
    assert mutual_kl(logits, partner, 2.0).item() == pytest.approx(kl_t, abs=1e-6)
    x = torch.randn(2, 5, 4, 4)
    assert mutual_kl(x, x.clone()).item() == pytest.approx(0.0, abs=1e-6)


def test_no_gradient_reaches_the_detached_partner():
    logits = torch.randn(2, 4, 3, 3, requires_grad=True)
    partner = torch.randn(2, 4, 3, 3, requires_grad=True)
    loss, parts = parser_loss({"mutual_kl": {"weight": 2.0}})(
        ParserOutputs(logits, torch.zeros(2, 3, 3, dtype=torch.long), partner=partner)
    )
    loss.backward()
    assert partner.grad is None
    assert logits.grad is not None and logits.grad.abs().sum() > 0
    assert loss.item() == pytest.approx(2 * parts["mutual_kl"], rel=1e-6)


def test_mutual_kl_ramps_in_linearly():
    from faceparse.losses import MutualKLLoss

    logits, partner = torch.zeros(1, 2, 1, 1), torch.tensor([math.log(3.0), 0.0]).view(1, 2, 1, 1)
    full = mutual_kl(logits, partner).item()
    ramped = MutualKLLoss(rampup_steps=100)
    at = {
        s: ramped(
            ParserOutputs(logits, torch.zeros(1, 1, 1, dtype=torch.long), partner=partner, step=s)
        ).item()
        for s in (0, 25, 100, 500)
    }
    assert (
        at[0] == 0.0
        and at[25] == pytest.approx(full / 4)
        and at[100] == at[500] == (pytest.approx(full))
    )


def pixel_kls(logits: torch.Tensor, partner: torch.Tensor) -> list[float]:
    """mutual_kl of each pixel of a 1×C×1×W pair alone."""
    width = logits.shape[-1]
    return [mutual_kl(logits[..., i : i + 1], partner[..., i : i + 1]).item() for i in range(width)]


def test_mutual_kl_can_skip_pixels_where_the_partner_is_wrong():
    from faceparse.losses import MutualKLLoss

    logits = torch.zeros(1, 2, 1, 3)  # uniform student
    partner = torch.tensor([[5.0, 5.0, -5.0], [-5.0, -5.0, 5.0]]).view(1, 2, 1, 3)  # 0, 0, 1
    labels = torch.tensor([[[0, 1, IGNORE_INDEX]]])  # partner right, wrong, unlabelled
    per_pixel = pixel_kls(logits, partner)
    out = ParserOutputs(logits, labels, partner=partner)
    assert MutualKLLoss()(out).item() == pytest.approx(sum(per_pixel) / 3, 1e-5)
    only_right = MutualKLLoss(partner_correct_only=True)(out).item()
    assert only_right == pytest.approx((per_pixel[0] + per_pixel[2]) / 2, 1e-5)


def test_the_rgb_parser_learns_from_depth_only_on_classes_depth_can_see():
    from faceparse.losses import MutualKLLoss

    logits = torch.zeros(1, 3, 1, 4)  # uniform student over classes 0 (skin), 1 (nose), 2 (eye)
    partner = torch.tensor([[5.0, -5, -5, -5], [-5, 5, 5, -5], [-5, -5, -5, 5]]).view(
        1, 3, 1, 4
    )  # partner predicts 0, 1, 1, 2
    labels = torch.tensor([[[0, 2, IGNORE_INDEX, IGNORE_INDEX]]])
    per_pixel = pixel_kls(logits, partner)
    term = MutualKLLoss(depth_sees=[0, 1])
    # pixel 1 is an eye by its label, pixel 3 an eye by the partner: both left out
    rgb = term(ParserOutputs(logits, labels, partner=partner, learner="rgb")).item()
    assert rgb == pytest.approx((per_pixel[0] + per_pixel[2]) / 2, 1e-5)
    depth = term(ParserOutputs(logits, labels, partner=partner, learner="depth")).item()
    assert depth == pytest.approx(sum(per_pixel) / 4, 1e-5)  # the depth parser learns everywhere


def test_an_unsure_partner_teaches_less():
    from faceparse.losses import MutualKLLoss

    logits = torch.zeros(1, 2, 1, 2)
    partner = torch.tensor([[4.0, 0.0], [-4.0, 0.0]]).view(1, 2, 1, 2)  # sure, then 50/50
    labels = torch.full((1, 1, 2), IGNORE_INDEX)
    per_pixel = pixel_kls(logits, partner)
    sure = 1 / (1 + math.exp(-8.0))  # softmax of (4, -4) at T = 1
    weights = [sure, 0.5]
    expected = sum(w * k for w, k in zip(weights, per_pixel, strict=True)) / sum(weights)
    got = MutualKLLoss(confidence_weighted=True)(ParserOutputs(logits, labels, partner=partner))
    assert got.item() == pytest.approx(expected, 1e-5)
