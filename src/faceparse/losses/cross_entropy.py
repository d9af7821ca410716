"""Pixel-wise cross-entropy on the main head plus down-weighted auxiliary heads."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..labels import IGNORE_INDEX
from .base import ParserOutputs


def _ce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    # An all-ignored batch (e.g. no depth labels in it) gives 0, not NaN.
    if not (labels != IGNORE_INDEX).any():
        return logits.sum() * 0.0
    return F.cross_entropy(logits.float(), labels, ignore_index=IGNORE_INDEX)


class CrossEntropyLoss:
    def __init__(self, aux_weight: float = 0.4):
        self.aux_weight = aux_weight

    def __call__(self, out: ParserOutputs) -> torch.Tensor:
        loss = _ce(out.logits, out.labels)
        for aux in out.aux:
            loss = loss + self.aux_weight * _ce(aux, out.labels)
        return loss


class OhemCrossEntropyLoss:
    """Online hard example mining: average the loss over pixels whose true-class probability is
    below `threshold`, but over at least `min_kept` (a fraction of the valid pixels) hardest."""

    def __init__(self, threshold: float = 0.7, min_kept: float = 1 / 16, aux_weight: float = 0.4):
        self.loss_threshold = -float(torch.log(torch.tensor(threshold)))
        self.min_kept = min_kept
        self.aux_weight = aux_weight

    def _ohem(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        per_pixel = F.cross_entropy(
            logits.float(), labels, ignore_index=IGNORE_INDEX, reduction="none"
        )[labels != IGNORE_INDEX]
        if per_pixel.numel() == 0:
            return logits.sum() * 0.0
        kept = max(1, int(self.min_kept * per_pixel.numel()))
        hard = per_pixel[per_pixel > self.loss_threshold]
        if hard.numel() < kept:
            hard = per_pixel.topk(kept).values
        return hard.mean()

    def __call__(self, out: ParserOutputs) -> torch.Tensor:
        loss = self._ohem(out.logits, out.labels)
        for aux in out.aux:
            loss = loss + self.aux_weight * self._ohem(aux, out.labels)
        return loss
