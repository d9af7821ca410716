"""Augmentation as batched tensor work on the training device (`data.augment: device`).

The loader only decodes: each sample is read once, letterboxed to the training size and kept in
memory (`DecodedFaces`), with its augmentation parameters drawn from its own seed
(seed, epoch, index) — so batch k is the same on every run and every resume. On the device, one
`affine_grid` / `grid_sample` per batch applies zoom, rotation, shift and the horizontal flip to
image, labels and depth together (labels and depth by nearest neighbour, flipped labels with
left and right swapped), and colour jitter is a few tensor operations.

The distributions follow `faceparse.datasets.transforms.training_transform` (the loader path,
`data.augment: loader`): scale 0.8-1.2 of the fitted size, ±15° rotation, ±5% shift, flip with
probability 0.5, brightness, contrast and saturation ±30%, hue ±8°. Saturation and hue are done
in YIQ space rather than HSV, which is cheaper on tensors and changes colours the same way to
within a few grey levels. Occluders are drawn by the loader path only.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..datasets import Sample
from ..labels import IGNORE_INDEX, LabelSpace
from ..normalization import IMAGENET_MEAN, IMAGENET_STD
from .data import TrainingFaces, next_readable

# One row per sample: scale, angle (degrees), shift x, shift y (fractions of the size), flip,
# brightness, contrast, saturation (factors), hue (degrees).
PARAMS = (
    "scale",
    "angle",
    "shift_x",
    "shift_y",
    "flip",
    "brightness",
    "contrast",
    "saturation",
    "hue",
)


def draw_params(rng: np.random.Generator) -> np.ndarray:
    """One sample's augmentation parameters (float32, in PARAMS order)."""
    return np.array(
        [
            rng.uniform(0.8, 1.2),
            rng.uniform(-15.0, 15.0),
            rng.uniform(-0.05, 0.05),
            rng.uniform(-0.05, 0.05),
            float(rng.random() < 0.5),
            rng.uniform(0.7, 1.3),
            rng.uniform(0.7, 1.3),
            rng.uniform(0.7, 1.3),
            rng.uniform(-8.0, 8.0),
        ],
        np.float32,
    )


def letterbox(sample: Sample, size: int) -> Sample:
    """The whole sample scaled to fit size × size, centred; the rest is background (black RGB,
    label 0, depth 0) — what the loader path's scale 1 shows."""
    h, w = sample.image.shape[:2]
    s = size / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    y0, x0 = (size - nh) // 2, (size - nw) // 2

    def place(arr: np.ndarray | None, interpolation: int) -> np.ndarray | None:
        if arr is None:
            return None
        out = np.zeros((size, size, *arr.shape[2:]), arr.dtype)
        out[y0 : y0 + nh, x0 : x0 + nw] = cv2.resize(arr, (nw, nh), interpolation=interpolation)
        return out

    area = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    return sample.with_arrays(
        image=place(sample.image, area),
        label=place(sample.label, cv2.INTER_NEAREST),
        depth=place(sample.depth, cv2.INTER_NEAREST),
    )


class DecodedFaces(TrainingFaces):
    """Item (epoch, index) -> uint8 tensors of the letterboxed sample (decoded once, then kept
    in memory) and its augmentation parameters; `skipped` as in AugmentedFaces."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cache: dict[int, Sample] = {}

    def __getitem__(self, item: tuple[int, int]) -> dict:
        epoch, index = item
        sample, index, skipped = self._readable(index)
        out = {
            "rgb": torch.from_numpy(sample.image).permute(2, 0, 1),
            "label": torch.from_numpy(sample.label.astype(np.int64)),
            "augment": torch.from_numpy(
                draw_params(np.random.default_rng([self.seed, epoch, index]))
            ),
            "skipped": skipped,
        }
        self.check_depth(sample)
        if self.with_depth:
            has, labelled = self.depth_flags(index)
            depth = torch.from_numpy(sample.depth)[None]
            out["depth"] = depth if has else torch.zeros_like(depth)
            out["has_depth"] = torch.tensor(has)
            out["depth_labelled"] = torch.tensor(labelled)
        return out

    def _readable(self, index: int) -> tuple[Sample, int, str]:
        return next_readable(self._decoded, index, len(self.source))

    def _decoded(self, index: int) -> Sample:
        if index not in self._cache:
            self._cache[index] = letterbox(self.source[index], self.size)
        return self._cache[index]


def _theta(params: torch.Tensor) -> torch.Tensor:
    """N×2×3 matrices from output to input coordinates (affine_grid's convention)."""
    scale, angle = params[:, 0], params[:, 1] * (math.pi / 180)
    shift = params[:, 2:4] * 2  # fractions of the size -> normalised units
    flip = 1 - 2 * params[:, 4]  # -1 where flipped
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    a = torch.stack([torch.stack([cos * flip, sin], 1), torch.stack([-sin * flip, cos], 1)], 1)
    b = -(a @ shift.unsqueeze(2))
    return torch.cat([a, b], 2)


# RGB <-> YIQ: hue is a rotation of (I, Q), saturation their length.
_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])


def _jitter(rgb: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
    """N×3×H×W float 0..255 -> brightness, contrast, saturation and hue changed, clipped: one
    affine colour map per image (brightness and contrast scale about the image's mean; then to
    YIQ, scale and rotate (I, Q), back to RGB), applied in one batched matrix product."""
    n = rgb.shape[0]
    brightness, contrast, sat = params[:, 5], params[:, 6], params[:, 7]
    hue = params[:, 8] * (math.pi / 180)
    cos, sin = torch.cos(hue) * sat, torch.sin(hue) * sat
    one, zero = torch.ones_like(sat), torch.zeros_like(sat)
    rotate = torch.stack(
        [
            torch.stack([one, zero, zero], 1),
            torch.stack([zero, cos, -sin], 1),
            torch.stack([zero, sin, cos], 1),
        ],
        1,
    )
    yiq = _YIQ.to(rgb)
    colour = torch.linalg.inv(yiq) @ rotate @ yiq  # N×3×3
    pixels = rgb.flatten(2)  # N×3×HW
    mean = pixels.mean((1, 2)) * brightness  # after the brightness change
    scale = colour * (brightness * contrast).view(n, 1, 1)
    offset = colour.sum(2) * ((1 - contrast) * mean).view(n, 1)  # colour @ the grey shift
    out = torch.baddbmm(offset.unsqueeze(2), scale, pixels)
    return out.clamp_(0, 255).view_as(rgb)


class DeviceAugment:
    """Augments a batch of DecodedFaces items where it lies (CPU or GPU)."""

    def __init__(self, space: LabelSpace):
        self.flip_lut = torch.from_numpy(space.flip_lut().astype(np.int64))
        self.mean = torch.from_numpy(IMAGENET_MEAN * 255).view(1, 3, 1, 1)
        self.std = torch.from_numpy(IMAGENET_STD * 255).view(1, 3, 1, 1)

    def __call__(
        self,
        rgb: torch.Tensor,
        label: torch.Tensor,
        params: torch.Tensor,
        depth: torch.Tensor | None = None,
        depth_labelled: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """uint8 N×3×S×S rgb, N×S×S labels, N×9 params (+ uint8 N×1×S×S depth, N booleans)
        -> normalised rgb, labels (and depth in [0, 1], depth labels), all warped alike."""
        device = rgb.device
        grid = F.affine_grid(_theta(params.float()), list(rgb.shape), align_corners=False)
        image = F.grid_sample(rgb.float(), grid, "bilinear", "zeros", align_corners=False)
        image = _jitter(image, params.float()).sub_(self.mean.to(device)).div_(self.std.to(device))
        nearest = [label[:, None].float()] + ([depth.float()] if depth is not None else [])
        warped = F.grid_sample(torch.cat(nearest, 1), grid, "nearest", "zeros", align_corners=False)
        labels = warped[:, 0].round().long()
        flipped = params[:, 4].bool().view(-1, 1, 1)
        labels = torch.where(flipped, self.flip_lut.to(device)[labels.clamp(0, 255)], labels)
        out = {"rgb": image, "label": labels}
        if depth is not None:
            out["depth"] = warped[:, 1:2] / 255.0
            keep = depth_labelled.view(-1, 1, 1)
            out["depth_label"] = torch.where(keep, labels, torch.full_like(labels, IGNORE_INDEX))
        return out
