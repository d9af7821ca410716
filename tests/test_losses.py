import math

import numpy as np
import pytest
import torch

from faceparse.labels import IGNORE_INDEX
from faceparse.losses import (
    CrossEntropyLoss,
    OhemCrossEntropyLoss,
    ParserOutputs,
    discriminator_adversarial,
    mutual_kl,
    parser_loss,
    translation_l1,
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


def test_translation_losses_and_unknown_terms():
    assert translation_l1(torch.tensor([0.2, 0.8]), torch.tensor([0.0, 1.0])).item() == (
        pytest.approx(0.2)
    )
    assert discriminator_adversarial(torch.ones(3), torch.zeros(3)).item() == 0.0
    with pytest.raises(ValueError, match="unknown loss 'dice'"):
        parser_loss({"dice": {}})


def _logits_from_probs(rows):
    """[[p(class 0), p(class 1)] per pixel] along one image row -> 1×2×1×W logits."""
    return torch.tensor(rows).log().T.reshape(1, 2, 1, len(rows))


def test_consensus_loss_by_hand():
    from faceparse.losses import consensus_loss
    from faceparse.losses.consensus import label_blobs

    labels = torch.zeros(1, 1, 2, dtype=torch.long)  # one blob of class 0, two pixels
    agree = _logits_from_probs([[0.5, 0.5], [0.5, 0.5]])
    assert consensus_loss(agree, labels).item() == pytest.approx(10 * math.log(2), 1e-5)
    disagree = _logits_from_probs([[0.9, 0.1], [0.1, 0.9]])  # blob mean is (0.5, 0.5) again
    kl = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    expected = 10 * math.log(2) + 5 * kl
    assert consensus_loss(disagree, labels).item() == pytest.approx(expected, 1e-5)
    # 0 1 0 with an ignored pixel: two blobs of class 0 and one of class 1, none for 255
    blobs, blob_labels = label_blobs(np.array([[[0, 1, 0, 255]]]))
    assert blob_labels.tolist() == [0, 0, 1] and blobs.tolist() == [[[0, 2, 1, -1]]]


def test_consensus_loss_weighs_every_blob_equally():
    from faceparse.losses import consensus_loss

    # a 1-pixel blob predicted wrong next to a 9-pixel blob predicted right: the small blob
    # is half the loss, not a tenth of it
    labels = torch.tensor([[[0] * 9 + [1]]])
    probs = [[0.99, 0.01]] * 9 + [[0.9, 0.1]]
    loss = consensus_loss(_logits_from_probs(probs), labels, alpha=1.0, beta=0.0).item()
    assert loss == pytest.approx((-math.log(0.99) - math.log(0.1)) / 2, 1e-4)


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


def test_mutual_kl_can_skip_pixels_where_the_partner_is_wrong():
    from faceparse.losses import MutualKLLoss

    logits = torch.zeros(1, 2, 1, 3)  # uniform student
    partner = torch.tensor([[5.0, 5.0, -5.0], [-5.0, -5.0, 5.0]]).view(1, 2, 1, 3)  # 0, 0, 1
    labels = torch.tensor([[[0, 1, IGNORE_INDEX]]])  # partner right, wrong, unlabelled
    per_pixel = [
        mutual_kl(logits[..., i : i + 1], partner[..., i : i + 1]).item() for i in range(3)
    ]
    out = ParserOutputs(logits, labels, partner=partner)
    assert MutualKLLoss()(out).item() == pytest.approx(sum(per_pixel) / 3, 1e-5)
    only_right = MutualKLLoss(partner_correct_only=True)(out).item()
    assert only_right == pytest.approx((per_pixel[0] + per_pixel[2]) / 2, 1e-5)
