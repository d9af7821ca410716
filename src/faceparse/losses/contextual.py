"""Statistical contextual loss — our definition, after the idea of Wei et al. (TIP 2019) of
matching statistics of the prediction to those of the ground truth beyond single pixels.

Per image and class c, treat the predicted probability map p[c] and the ground-truth mask
y[c] as mass distributions over the image plane (coordinates scaled to [0, 1]) and compare
their zeroth, first and second moments:

    area   a = Σ_i m_i / N                        (how much of the image is c)
    centre μ = Σ_i m_i x_i / Σ_i m_i              (where c is)
    spread σ = sqrt(Σ_i m_i (x_i − μ)² / Σ_i m_i)  (how far c extends, per axis)

    L = mean over (image, class present in prediction or truth) of
        |a_p − a_y| + ‖μ_p − μ_y‖₁ + ‖σ_p − σ_y‖₁

A pixel-wise loss is blind to these: a stray patch of "eye" on the cheek costs a few pixels of
cross-entropy but shifts the eye's centre and spread, which this loss sees. Moments of a class
absent from the truth are compared only through its area (its centre is undefined). Ignored
pixels are left out of both distributions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .base import ParserOutputs


def _moments(mass: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor):
    """mass B×C×H×W -> area B×C, centre B×C×2, spread B×C×2 (coordinates in [0, 1])."""
    total = mass.sum((2, 3))
    safe = total.clamp_min(1e-6)
    mx = (mass * xs).sum((2, 3)) / safe
    my = (mass * ys).sum((2, 3)) / safe
    vx = (mass * (xs - mx[..., None, None]) ** 2).sum((2, 3)) / safe
    vy = (mass * (ys - my[..., None, None]) ** 2).sum((2, 3)) / safe
    n = mass.shape[2] * mass.shape[3]
    spread = torch.stack([vx, vy], -1).clamp_min(1e-8).sqrt()
    return total / n, torch.stack([mx, my], -1), spread


def contextual_loss(logits: torch.Tensor, labels: torch.Tensor, ignore_index: int = 255):
    b, c, h, w = logits.shape
    valid = (labels != ignore_index).unsqueeze(1).float()
    probs = F.softmax(logits.float(), 1) * valid
    truth = F.one_hot(labels.clamp(max=c - 1) * (labels != ignore_index), c)
    truth = truth.permute(0, 3, 1, 2).float() * valid
    ys, xs = torch.meshgrid(
        (torch.arange(h, device=logits.device) + 0.5) / h,
        (torch.arange(w, device=logits.device) + 0.5) / w,
        indexing="ij",
    )
    a_p, mu_p, sd_p = _moments(probs, xs, ys)
    a_y, mu_y, sd_y = _moments(truth, xs, ys)
    present = truth.sum((2, 3)) > 0
    shape_term = ((mu_p - mu_y).abs().sum(-1) + (sd_p - sd_y).abs().sum(-1)) * present
    per_class = (a_p - a_y).abs() + shape_term
    counted = present | (probs.sum((2, 3)) / (h * w) > 1e-3)
    return (per_class * counted).sum() / counted.sum().clamp_min(1)


class ContextualLoss:
    def __call__(self, out: ParserOutputs) -> torch.Tensor:
        return contextual_loss(out.logits, out.labels)
