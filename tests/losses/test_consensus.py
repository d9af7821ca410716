"""Tests of faceparse.losses.consensus."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch


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


def test_the_kl_term_is_c_times_the_official_element_mean():
    from scipy import ndimage

    from faceparse.losses import consensus_loss

    rng = np.random.default_rng(0)
    for c in (3, 6, 19):
        logits = rng.normal(size=(2, c, 4, 5))
        labels = rng.integers(0, c, (2, 4, 5))
        p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        per_blob = []
        for b in range(2):
            for k in np.unique(labels[b]):
                comp, n = ndimage.label(labels[b] == k, structure=np.ones((3, 3)))
                for j in range(1, n + 1):
                    pix = p[b][:, comp == j]  # C × pixels
                    mean = pix.mean(1, keepdims=True)
                    # torch.nn.KLDivLoss(reduction="mean"): over pixels and classes alike
                    per_blob.append((mean * (np.log(mean) - np.log(pix))).mean())
        official = float(np.mean(per_blob))
        ours = consensus_loss(
            torch.from_numpy(logits).float(), torch.from_numpy(labels), alpha=0.0, beta=1.0
        ).item()
        assert ours == pytest.approx(c * official, rel=1e-4)
