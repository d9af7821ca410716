"""Synthetic group photos with known face boxes, for measuring detection on many faces at once.

Head shots (a photo and its face box) are scaled so that each face box gets a chosen width and
pasted, head and some background around it, onto a large canvas. A later head may cover an
earlier head's margin (heads overlap, as in real group photos) but never its face box, so every
pasted face stays fully visible and is a fair target for a detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class HeadShot:
    """A photo with one face and that face's box (image pixels)."""

    image: np.ndarray
    box: Box
    name: str = ""


@dataclass
class GroupPhoto:
    image: np.ndarray  # H×W×3 uint8
    boxes: list[Box] = field(default_factory=list)  # the pasted face boxes, canvas pixels
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GroupPhotoConfig:
    side: tuple[int, int] = (640, 4096)  # canvas sides are drawn from this range
    face_px: tuple[int, int] = (40, 400)  # face box widths, drawn log-uniformly
    faces: tuple[int, int] = (3, 10)  # faces per canvas
    margin: float = 0.6  # head rectangle: face box grown by this much of its size on each side
    tries: int = 60  # placements tried per face before it is left out


def compose_group_photo(
    shots: Sequence[HeadShot],
    rng: np.random.Generator,
    config: GroupPhotoConfig = GroupPhotoConfig(),
) -> GroupPhoto:
    w, h = (int(rng.integers(config.side[0], config.side[1] + 1)) for _ in range(2))
    canvas = _background(rng, h, w)
    photo = GroupPhoto(canvas)
    lo, hi = np.log(config.face_px[0]), np.log(config.face_px[1])
    for _ in range(int(rng.integers(config.faces[0], config.faces[1] + 1))):
        shot = shots[int(rng.integers(len(shots)))]
        width = min(float(np.exp(rng.uniform(lo, hi))), min(w, h) / 3)
        if width < config.face_px[0]:
            continue
        head, face = _scaled_head(shot, width / (shot.box[2] - shot.box[0]), config.margin)
        for _ in range(config.tries):
            x = int(rng.integers(-head.shape[1] // 4, w - 3 * head.shape[1] // 4))
            y = int(rng.integers(-head.shape[0] // 4, h - 3 * head.shape[0] // 4))
            placed = (face[0] + x, face[1] + y, face[2] + x, face[3] + y)
            rect = (x, y, x + head.shape[1], y + head.shape[0])
            inside = placed[0] >= 0 and placed[1] >= 0 and placed[2] <= w and placed[3] <= h
            if inside and not any(_overlap(rect, b) for b in photo.boxes):
                _paste(canvas, head, x, y)
                photo.boxes.append(placed)
                photo.names.append(shot.name)
                break
    return photo


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A smooth colour field with mild noise: no face-like structure to set off a detector."""
    small = rng.integers(40, 220, size=(3, 4, 3)).astype(np.uint8)
    field = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    noise = rng.normal(0, 6, size=(h, w, 1)).astype(np.float32)
    return np.clip(field + noise, 0, 255).astype(np.uint8)


def _scaled_head(shot: HeadShot, scale: float, margin: float) -> tuple[np.ndarray, Box]:
    """The shot's head rectangle resized by `scale`, and the face box inside it."""
    x0, y0, x1, y1 = shot.box
    grow_x, grow_y = margin * (x1 - x0), margin * (y1 - y0)
    ih, iw = shot.image.shape[:2]
    rx0, ry0 = max(0, int(x0 - grow_x)), max(0, int(y0 - grow_y))
    rx1, ry1 = min(iw, int(np.ceil(x1 + grow_x))), min(ih, int(np.ceil(y1 + grow_y)))
    rect = shot.image[ry0:ry1, rx0:rx1]
    size = (max(1, round(rect.shape[1] * scale)), max(1, round(rect.shape[0] * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    head = cv2.resize(rect, size, interpolation=interp)
    face = ((x0 - rx0) * scale, (y0 - ry0) * scale, (x1 - rx0) * scale, (y1 - ry0) * scale)
    return head, face


def _overlap(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _paste(canvas: np.ndarray, patch: np.ndarray, x: int, y: int) -> None:
    h, w = canvas.shape[:2]
    cx0, cy0 = max(x, 0), max(y, 0)
    cx1, cy1 = min(x + patch.shape[1], w), min(y + patch.shape[0], h)
    if cx1 > cx0 and cy1 > cy0:
        canvas[cy0:cy1, cx0:cx1] = patch[cy0 - y : cy1 - y, cx0 - x : cx1 - x]
