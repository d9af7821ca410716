"""Mutual learning between the RGB and depth parsers (Lee, Bhattarai, Kim, CVPRW 2021; after
Zhang et al.'s deep mutual learning): each parser is pulled towards the other's prediction by a
per-pixel KL divergence, with the partner detached so each term trains only its own parser.

    KL_T(q ‖ p) = Σ_c q_c (log q_c − log p_c),  q = softmax(partner / T), p = softmax(logits / T)

averaged over pixels and scaled by T² so its gradient does not shrink as T grows (Hinton et al.).
All pixels count, labelled or not: this is how unlabelled depth images still teach.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .base import ParserOutputs


def mutual_kl(
    logits: torch.Tensor,
    partner: torch.Tensor,
    temperature: float = 1.0,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """`mask` (B×H×W bool): the pixels that count; all when None."""
    log_p = F.log_softmax(logits.float() / temperature, dim=1)
    log_q = F.log_softmax(partner.detach().float() / temperature, dim=1)
    kl = (log_q.exp() * (log_q - log_p)).sum(1)
    if mask is not None:
        return (kl * mask).sum() / mask.sum().clamp_min(1) * temperature**2
    return kl.mean() * temperature**2


class MutualKLLoss:
    """`rampup_steps` > 0 scales the term linearly from 0 to 1 over that many steps.
    `partner_correct_only` drops labelled pixels where the partner's argmax is wrong (unlabelled
    pixels still count), so a partner blind to a class (a depth parser to eyes, which our depth
    maps do not show) cannot teach its mistake. Neither rescued the RGB parser's eyes in the
    FASSEG grids of docs/results/MUTUAL_LEARNING.md (partner_correct_only: eye F1 0.24 -> 0.34,
    RGB-only 0.79)."""

    def __init__(
        self, temperature: float = 1.0, rampup_steps: int = 0, partner_correct_only: bool = False
    ):
        self.temperature = temperature
        self.rampup_steps = rampup_steps
        self.partner_correct_only = partner_correct_only

    def __call__(self, out: ParserOutputs) -> torch.Tensor:
        if out.partner is None:
            return out.logits.sum() * 0.0  # no partner in this mode
        ramp = min(1.0, out.step / self.rampup_steps) if self.rampup_steps > 0 else 1.0
        mask = None
        if self.partner_correct_only:  # learn from the partner only where it is right
            mask = (out.partner.argmax(1) == out.labels) | ~out.valid
        return ramp * mutual_kl(out.logits, out.partner, self.temperature, mask)
