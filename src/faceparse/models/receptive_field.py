"""The theoretical receptive field of a dense predictor, measured rather than derived by hand:
the input region whose pixels can change one output pixel (the centre one).

Method: a copy of the model in eval mode with every activation replaced by the identity (so no
path is switched off by a ReLU) and random weights; the gradient of the centre output with
respect to the input is then non-zero exactly on the receptive field (almost surely). Global
pooling (BiSeNet's context vector and attention) makes it the whole input.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.Sigmoid, nn.Hardswish, nn.SiLU)


@dataclass(frozen=True)
class ReceptiveField:
    height: int  # pixels, measured on a `probe`-sized input
    width: int
    probe: int

    @property
    def is_global(self) -> bool:
        """Covers the whole probe: global pooling, or larger than the probe."""
        return max(self.height, self.width) >= self.probe

    def relative_to(self, input_size: int) -> float:
        """Receptive-field side / input side at `input_size` (> 1: sees beyond the input)."""
        return max(self.height, self.width) / input_size


def _linearised(model: nn.Module) -> nn.Module:
    m = copy.deepcopy(model).eval().double()
    for child in list(m.modules()):
        for attr, sub in list(child.named_children()):
            if isinstance(sub, _ACTIVATIONS):
                setattr(child, attr, nn.Identity())
    return m


def receptive_field(model: nn.Module, in_channels: int = 3, probe: int = 1024) -> ReceptiveField:
    """Measured on a probe×probe input, large enough that a finite field fits inside it."""
    m = _linearised(model)
    torch.manual_seed(0)
    for p in m.parameters():
        p.data.uniform_(0.5, 1.5)  # positive: no cancellation to an exact zero
    x = torch.randn(1, in_channels, probe, probe, dtype=torch.float64, requires_grad=True)
    out = m(x)
    out[0, :, out.shape[2] // 2, out.shape[3] // 2].sum().backward()
    touched = x.grad[0].abs().sum(0) > 0
    rows = torch.nonzero(touched.any(1)).flatten()
    cols = torch.nonzero(touched.any(0)).flatten()
    return ReceptiveField(int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1), probe)
