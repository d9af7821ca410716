"""One crop's class scores, as a crop parser gives them, and what parsing reads from them: class
probabilities (C×S×S), class ids (S×S) and the foreground (S×S, 1 − the background's
probability), each computed when first read.

* `Probabilities` — probabilities as they are (the landmark parser; RGB and depth averaged,
  and with `--flip` such a view averaged with its mirror image).
* `Logits` — a network's logits on its output grid (stride 4 for the student parsers; with
  `--flip`, a view's averaged with its mirror image's), kept so: a face's labels need neither
  the probabilities at S×S nor the softmax over them.
"""

from __future__ import annotations

import functools
from typing import Protocol

import cv2
import numpy as np

from ..models.runtime import class_ids, probabilities, upsampled


class CropScores(Protocol):
    size: int
    probabilities: np.ndarray  # C×S×S float32
    labels: np.ndarray  # S×S uint8 class ids
    # S×S float32: how sure the crop is that a pixel is not background; where faces overlap,
    # the surest face takes the pixel
    foreground: np.ndarray


class Probabilities:
    def __init__(self, probs: np.ndarray):
        self.size = probs.shape[-1]
        self.probabilities = probs

    @functools.cached_property
    def labels(self) -> np.ndarray:
        return class_ids(self.probabilities)

    @functools.cached_property
    def foreground(self) -> np.ndarray:
        return 1 - self.probabilities[0]


class Logits:
    """Logits K×h×w for a size × size crop. The labels are the class ids of the logits
    upsampled (those of the probabilities: the softmax keeps the order). The foreground is the
    background's probability on the network's grid, upsampled: it only decides between
    overlapping faces, and a softmax over 1/16 of the pixels and none over the crop is what
    makes a photo faster to parse (docs/guide/MODELS.md, "Upsampling")."""

    def __init__(self, logits: np.ndarray, size: int):
        self.logits, self.size = logits, size

    @functools.cached_property
    def probabilities(self) -> np.ndarray:
        return probabilities(self.logits[None], (self.size, self.size))[0]

    @functools.cached_property
    def labels(self) -> np.ndarray:
        return class_ids(upsampled(self.logits[None], (self.size, self.size))[0])

    @functools.cached_property
    def foreground(self) -> np.ndarray:
        # numpy, not torch's softmax: on 19×64² a torch call cost more than its arithmetic
        # (docs/guide/MODELS.md, "Upsampling")
        logits = self.logits.astype(np.float32, copy=False)
        exp = np.exp(logits - logits.max(0))
        background = exp[0] / exp.sum(0)
        if background.shape != (self.size, self.size):
            background = cv2.resize(
                background, (self.size, self.size), interpolation=cv2.INTER_LINEAR
            )
        return 1 - background
