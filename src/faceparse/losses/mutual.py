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
    logits: torch.Tensor, partner: torch.Tensor, temperature: float = 1.0
) -> torch.Tensor:
    log_p = F.log_softmax(logits.float() / temperature, dim=1)
    log_q = F.log_softmax(partner.detach().float() / temperature, dim=1)
    kl = (log_q.exp() * (log_q - log_p)).sum(1)
    return kl.mean() * temperature**2


class MutualKLLoss:
    """`rampup_steps` > 0 scales the term linearly from 0 to 1 over that many steps: early on
    both partners are untrained, and a full-weight pull towards each other drives them to the
    majority classes before either learns the small ones (docs/RESULTS.md)."""

    def __init__(self, temperature: float = 1.0, rampup_steps: int = 0):
        self.temperature = temperature
        self.rampup_steps = rampup_steps

    def __call__(self, out: ParserOutputs) -> torch.Tensor:
        if out.partner is None:
            return out.logits.sum() * 0.0  # no partner in this mode
        ramp = min(1.0, out.step / self.rampup_steps) if self.rampup_steps > 0 else 1.0
        return ramp * mutual_kl(out.logits, out.partner, self.temperature)
