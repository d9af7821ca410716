"""A network whose weights live on PyTorch's `meta` device and that fails unless its input was
sent there too: CPU-only CI then catches code that leaves inputs on the CPU while the model is
elsewhere (the GPU crash of issue #16)."""

from __future__ import annotations

import torch


class OnMeta(torch.nn.Module):
    def __init__(self, num_classes: int = 11):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1, device="meta"))
        self.num_classes = num_classes
        self.calls = 0

    def forward(self, x: torch.Tensor, with_aux: bool = False) -> torch.Tensor:
        assert x.device.type == "meta", f"input on {x.device}, the model's weights on meta"
        self.calls += 1
        return torch.zeros(x.shape[0], self.num_classes, *x.shape[2:])  # real logits, on the CPU
