"""One crop's class scores, as a crop parser gives them, and what parsing reads from them: class
probabilities (C×S×S), class ids (S×S) and the foreground (S×S, 1 − the background's
probability), each computed when first read.

* `Probabilities` — probabilities as they are (the landmark parser; RGB and depth averaged,
  and with `--flip` such a view averaged with its mirror image).
* `Logits` — a network's logits on its output grid (stride 4 for the student parsers; with
  `--flip`, a view's averaged with its mirror image's), kept so: a face's labels need neither
  the probabilities at S×S nor the softmax over them.

Ahead of them, the arithmetic on score arrays that parsing does: softmax, upsampling, class ids,
classes summed into a coarser space, mirror averaging.
"""

from __future__ import annotations

import functools
from typing import Protocol

import cv2
import numpy as np
import torch

from ..labels import LabelSpace


def softmax(logits: np.ndarray) -> np.ndarray:
    """Over axis 1, in float32. Torch's fused kernel, not numpy's separate max, exp and sum
    passes over the whole array (their share of the time per photo: docs/results/WHOLE_HEAD.md)."""
    return torch.from_numpy(logits).softmax(1).numpy()


def upsampled(logits: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """N×K×h×w scores -> N×K×H×W, `size` = (H, W): each plane resized bilinearly by OpenCV (for
    upsampling, the same weights as torch's bilinear without aligned corners, which the
    network's own upsampling uses in training)."""
    logits = np.ascontiguousarray(logits, np.float32)
    h, w = size
    if logits.shape[2:] == (h, w):
        return logits
    out = np.empty((*logits.shape[:2], h, w), np.float32)
    planes = logits.reshape(-1, *logits.shape[2:])
    for plane, dst in zip(planes, out.reshape(-1, h, w), strict=True):
        cv2.resize(plane, (w, h), dst=dst, interpolation=cv2.INTER_LINEAR)
    return out


def probabilities(logits: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """N×K×h×w logits -> N×K×H×W class probabilities: the logits upsampled, then the softmax.
    OpenCV's resize took less time a view than the network's Resize in onnxruntime
    (docs/results/WHOLE_HEAD.md). Upsampling probabilities instead, with the softmax on the
    coarse grid, was faster still but cost FASSEG eyes 0.002-0.009 F1 (docs/guide/MODELS.md,
    "Upsampling"): interpolated probabilities thin out small parts that logits keep."""
    return softmax(upsampled(logits, size))


def class_ids(probabilities: np.ndarray) -> np.ndarray:
    """argmax over axis 0 of C×H×W scores as uint8, the first class on ties (as numpy's).
    numpy's argmax over the first axis walks the planes with a stride; one maximum, then one
    comparison per class, reads each plane in order (docs/results/WHOLE_HEAD.md)."""
    best = probabilities.max(0)
    ids = np.zeros(best.shape, np.uint8)  # NaN scores, equal to nothing, stay class 0
    is_best = np.empty(best.shape, bool)
    for c in range(len(probabilities) - 1, -1, -1):  # down to 0, so the lowest tied class wins
        np.equal(probabilities[c], best, out=is_best)
        np.copyto(ids, c, where=is_best)
    return ids


def summed_by_group(probs: np.ndarray, groups: np.ndarray, num_groups: int) -> np.ndarray:
    """(N, C, H, W) probabilities summed into (N, num_groups, H, W): class c adds to group
    groups[c] (a label space's classes into a coarser one's, `mapping_lut`)."""
    out = np.zeros((probs.shape[0], num_groups, *probs.shape[2:]), np.float32)
    for c, g in enumerate(groups[: probs.shape[1]]):
        out[:, g] += probs[:, c]
    return out


def mirror_averaged(scores: np.ndarray, mirrored: np.ndarray, space: LabelSpace) -> np.ndarray:
    """The mean of (N, C, H, W) scores (probabilities or logits) of crops and of their mirror
    images, the latter flipped back and their left/right classes swapped (`space.flip_lut`)."""
    swap = space.flip_lut()[: scores.shape[1]]
    return (scores + mirrored[:, swap, :, ::-1]) / 2


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
