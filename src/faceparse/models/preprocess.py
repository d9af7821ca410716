"""Network inputs as tensors: what every parser here expects (faceparse.normalization)."""

from __future__ import annotations

import numpy as np
import torch

from ..normalization import normalize_depth, normalize_rgb


def rgb_tensor(image: np.ndarray) -> torch.Tensor:
    """uint8 H×W×3 -> float 3×H×W, ImageNet-normalised."""
    return torch.from_numpy(normalize_rgb(image))


def depth_tensor(depth: np.ndarray) -> torch.Tensor:
    """uint8 H×W -> float 1×H×W in [0, 1] (0 = background)."""
    return torch.from_numpy(normalize_depth(depth))
