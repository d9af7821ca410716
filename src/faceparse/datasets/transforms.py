"""Paired transforms: image, labels and depth move together and stay pixel-aligned.

Written here rather than taken from an augmentation library because a horizontal flip of a face
must also swap left/right label ids (l_eye <-> r_eye), and depth must be resampled like labels
(nearest, so background 0 never bleeds into the head). Colour changes touch the RGB only.

Every transform is `f(sample, rng) -> sample` with an explicit numpy Generator, so a seed fixes
the whole augmentation stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .base import Sample, Transform


@dataclass(frozen=True)
class Compose:
    transforms: Sequence[Transform]

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        for t in self.transforms:
            sample = t(sample, rng)
        return sample


def _warp(sample: Sample, matrix: np.ndarray, size: tuple[int, int], label_fill: int) -> Sample:
    w, h = size
    image = cv2.warpAffine(
        sample.image,
        matrix,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    out = {"image": image}
    for key in ("label", "depth"):
        arr = getattr(sample, key)
        if arr is not None:
            fill = label_fill if key == "label" else 0
            out[key] = cv2.warpAffine(
                arr,
                matrix,
                (w, h),
                flags=cv2.INTER_NEAREST,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=fill,
            )
    return sample.with_arrays(**out)


@dataclass(frozen=True)
class Resize:
    """Resize to `size` (height, width) or a square `size`."""

    size: int | tuple[int, int]

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        h, w = (self.size, self.size) if isinstance(self.size, int) else self.size
        sh, sw = sample.image.shape[:2]
        interp = cv2.INTER_AREA if h < sh or w < sw else cv2.INTER_LINEAR
        out = {"image": cv2.resize(sample.image, (w, h), interpolation=interp)}
        for key in ("label", "depth"):
            arr = getattr(sample, key)
            if arr is not None:
                out[key] = cv2.resize(arr, (w, h), interpolation=cv2.INTER_NEAREST)
        return sample.with_arrays(**out)


@dataclass(frozen=True)
class RandomAffine:
    """Random scale, rotation and shift about the centre, then a crop to `size` — one resampling.

    Area uncovered by the source is background (label 0, depth 0, black RGB); set
    `label_fill=IGNORE_INDEX` to leave it out of the loss instead.
    """

    size: int | tuple[int, int]
    scale: tuple[float, float] = (0.8, 1.2)
    max_rotation_deg: float = 15.0
    max_shift: float = 0.05  # fraction of the output size
    label_fill: int = 0

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        oh, ow = (self.size, self.size) if isinstance(self.size, int) else self.size
        sh, sw = sample.image.shape[:2]
        fit = min(oh / sh, ow / sw)  # scale 1 = the whole source fits the output
        s = fit * rng.uniform(*self.scale)
        angle = rng.uniform(-self.max_rotation_deg, self.max_rotation_deg)
        m = cv2.getRotationMatrix2D((sw / 2.0, sh / 2.0), angle, s)
        shift = rng.uniform(-self.max_shift, self.max_shift, size=2) * (ow, oh)
        m[0, 2] += ow / 2.0 - sw / 2.0 + shift[0]
        m[1, 2] += oh / 2.0 - sh / 2.0 + shift[1]
        return _warp(sample, m, (ow, oh), self.label_fill)


@dataclass(frozen=True)
class RandomHorizontalFlip:
    """Mirror with probability `p`, swapping left/right class ids of the sample's label space."""

    p: float = 0.5

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        if rng.random() >= self.p:
            return sample
        return hflip(sample)


def hflip(sample: Sample) -> Sample:
    out = {"image": np.ascontiguousarray(sample.image[:, ::-1])}
    if sample.label is not None:
        out["label"] = sample.space.flip_lut()[np.ascontiguousarray(sample.label[:, ::-1])]
    if sample.depth is not None:
        out["depth"] = np.ascontiguousarray(sample.depth[:, ::-1])
    return sample.with_arrays(**out)


@dataclass(frozen=True)
class ColorJitter:
    """Random brightness, contrast, saturation (multiplicative, ±amount) and hue (± degrees).
    RGB only: labels and depth are untouched."""

    brightness: float = 0.3
    contrast: float = 0.3
    saturation: float = 0.3
    hue_deg: float = 8.0

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        img = sample.image.astype(np.float32)
        img *= rng.uniform(1 - self.brightness, 1 + self.brightness)
        mean = img.mean()
        img = (img - mean) * rng.uniform(1 - self.contrast, 1 + self.contrast) + mean
        hsv = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV).astype(
            np.float32
        )
        hsv[:, :, 0] = (hsv[:, :, 0] + rng.uniform(-self.hue_deg, self.hue_deg) / 2.0) % 180.0
        hsv[:, :, 1] *= rng.uniform(1 - self.saturation, 1 + self.saturation)
        hsv = np.clip(hsv, 0, [179, 255, 255]).astype(np.uint8)
        return sample.with_arrays(image=cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))


def training_transform(size: int, label_fill: int = 0) -> Compose:
    """The augmentation used for training parsers: scale/rotate/crop, flip, colour jitter."""
    return Compose(
        [RandomAffine(size, label_fill=label_fill), RandomHorizontalFlip(), ColorJitter()]
    )


def eval_transform(size: int) -> Compose:
    return Compose([Resize(size)])


__all__ = [
    "ColorJitter",
    "Compose",
    "RandomAffine",
    "RandomHorizontalFlip",
    "Resize",
    "eval_transform",
    "hflip",
    "training_transform",
]
