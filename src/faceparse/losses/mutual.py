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
    """`mask` (B×H×W, bool or float weights): how much each pixel counts; all alike when None.
    The result is the mask-weighted mean."""
    log_p = F.log_softmax(logits.float() / temperature, dim=1)
    log_q = F.log_softmax(partner.detach().float() / temperature, dim=1)
    kl = (log_q.exp() * (log_q - log_p)).sum(1)
    if mask is not None:
        mask = mask.float()
        return (kl * mask).sum() / mask.sum().clamp_min(1e-6) * temperature**2
    return kl.mean() * temperature**2


class MutualKLLoss:
    """Options, each a way to keep a partner from teaching what it cannot know:

    * `rampup_steps` > 0 scales the term linearly from 0 to 1 over that many steps.
    * `partner_correct_only` drops labelled pixels where the partner's argmax is wrong
      (unlabelled pixels still count). Neither this nor the ramp rescued the RGB parser's eyes
      in the FASSEG grids of docs/results/MUTUAL_LEARNING.md (partner_correct_only: eye F1
      0.24 -> 0.34, RGB-only 0.79).
    * `depth_sees` (class ids): the classes a depth map shows — geometry such as background,
      skin, hair, nose, ears, neck; not the colour of eyes, brows or lips. The RGB parser then
      learns from its depth partner only on pixels whose label (where there is one) and whose
      partner prediction are both among them; the depth parser still learns everywhere.
    * `confidence_weighted`: each pixel counts by the partner's top probability, so an unsure
      partner teaches less."""

    def __init__(
        self,
        temperature: float = 1.0,
        rampup_steps: int = 0,
        partner_correct_only: bool = False,
        depth_sees: list[int] | None = None,
        confidence_weighted: bool = False,
    ):
        self.temperature = temperature
        self.rampup_steps = rampup_steps
        self.partner_correct_only = partner_correct_only
        self.depth_sees = None if depth_sees is None else torch.tensor(sorted(depth_sees))
        self.confidence_weighted = confidence_weighted

    def __call__(self, out: ParserOutputs) -> torch.Tensor:
        if out.partner is None:
            return out.logits.sum() * 0.0  # no partner in this mode
        ramp = min(1.0, out.step / self.rampup_steps) if self.rampup_steps > 0 else 1.0
        mask = torch.ones_like(out.labels, dtype=torch.float32)
        predicted = out.partner.argmax(1)
        if self.partner_correct_only:  # learn from the partner only where it is right
            mask = mask * ((predicted == out.labels) | ~out.valid)
        if self.depth_sees is not None and out.learner == "rgb":
            seen = self.depth_sees.to(out.labels.device)
            label_seen = torch.isin(out.labels, seen) | ~out.valid
            mask = mask * (label_seen & torch.isin(predicted, seen))
        if self.confidence_weighted:
            confidence = F.softmax(out.partner.detach().float() / self.temperature, 1).amax(1)
            mask = mask * confidence
        return ramp * mutual_kl(out.logits, out.partner, self.temperature, mask)
