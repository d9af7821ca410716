"""Teachers for distillation: anything that maps a normalised RGB batch to class logits."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from ..errors import ModelFileError
from ..models.files import checkpoint_networks
from ..models.onnx import OnnxParser

Teacher = Callable[[torch.Tensor], torch.Tensor]


def _at_size(fn: Teacher, size: int) -> Teacher:
    """Run `fn` at its own input size and return logits at the caller's."""

    def run(x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        inp = x if (h, w) == (size, size) else F.interpolate(x, size=(size, size), mode="bilinear")
        logits = fn(inp)
        return (
            logits if logits.shape[2:] == (h, w) else F.interpolate(logits, (h, w), mode="bilinear")
        )

    return run


def load_teacher(path: str | Path, num_classes: int) -> Teacher:
    """A checkpoint's RGB parser (.pt) or an exported parser (.onnx with its .json)."""
    path = Path(path)
    if path.suffix == ".onnx":
        meta_file = Path(str(path) + ".json")
        if not meta_file.is_file():
            raise ModelFileError(f"{meta_file}: the teacher's description is missing")
        teacher, size = OnnxParser(path), json.loads(meta_file.read_text())["input"][-1]
    else:
        found = checkpoint_networks(path)
        model, size = found.network("rgb"), found.size

        def run_torch(x: torch.Tensor) -> torch.Tensor:
            model.to(x.device)
            return model(x)

        teacher = run_torch
    probe = teacher(torch.zeros(1, 3, size, size))
    if probe.shape[1] != num_classes:
        raise ModelFileError(
            f"{path}: the teacher predicts {probe.shape[1]} classes, the student {num_classes}"
        )
    return _at_size(teacher, size)
