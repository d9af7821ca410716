"""Losses of the RGB→depth translator: L1 to the rendered depth, and a least-squares GAN
(Mao et al. 2017) objective for the optional PatchGAN discriminator."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def translation_l1(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean |pred − target| over all pixels: the background (0) must be predicted too."""
    return F.l1_loss(pred.float(), target.float())


def generator_adversarial(fake_scores: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(fake_scores.float(), torch.ones_like(fake_scores, dtype=torch.float32))


def discriminator_adversarial(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    real = F.mse_loss(real_scores.float(), torch.ones_like(real_scores, dtype=torch.float32))
    fake = F.mse_loss(fake_scores.float(), torch.zeros_like(fake_scores, dtype=torch.float32))
    return 0.5 * (real + fake)
