"""Synthetic occluders for face crops (after Tiwari et al., WACV 2022): hands, objects and random
textured shapes pasted over the face, with the mask of what they cover.

Everything is drawn from a numpy Generator, so an occluded copy is reproducible from its seed
(the occluded FASSEG test copy of docs/guide/MODELS.md is made this way).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

KINDS = ("hand", "object", "shape")


@dataclass(frozen=True)
class OcclusionConfig:
    kinds: tuple[str, ...] = KINDS
    # Occluder size as a fraction of the crop side, and where its centre falls: within this
    # fraction of the side around the crop centre (where the face is after alignment).
    min_size: float = 0.2
    max_size: float = 0.45
    spread: float = 0.25


def random_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A random fill: flat colour with noise, stripes, or a smooth gradient (uint8 h×w×3)."""
    base = rng.integers(0, 256, 3).astype(np.float32)
    kind = rng.integers(3)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 0:
        tex = base + rng.normal(0, 18, (h, w, 1))
    elif kind == 1:
        period = rng.uniform(4, 16)
        angle = rng.uniform(0, np.pi)
        phase = (xx * np.cos(angle) + yy * np.sin(angle)) / period
        other = rng.integers(0, 256, 3).astype(np.float32)
        tex = np.where((np.floor(phase) % 2 == 0)[..., None], base, other)
    else:
        other = rng.integers(0, 256, 3).astype(np.float32)
        t = (xx / max(w - 1, 1))[..., None]
        tex = base * (1 - t) + other * t
    return np.clip(tex, 0, 255).astype(np.uint8)


def _hand_mask(rng: np.random.Generator, side: int) -> np.ndarray:
    """A palm and four or five fingers, at a random angle."""
    m = np.zeros((side, side), np.uint8)
    c = side / 2
    palm = (int(side * 0.22), int(side * 0.26))
    cv2.ellipse(m, (int(c), int(c + side * 0.1)), palm, 0, 0, 360, 1, -1)
    fingers = int(rng.integers(4, 6))
    for k in range(fingers):
        x = c + (k - (fingers - 1) / 2) * side * 0.11
        length = side * rng.uniform(0.25, 0.4)
        top = (int(x), int(c - length))
        cv2.line(m, (int(x), int(c)), top, 1, thickness=max(2, int(side * 0.08)))
    angle = rng.uniform(-60, 60)
    rot = cv2.getRotationMatrix2D((c, c), angle, 1.0)
    return cv2.warpAffine(m, rot, (side, side), flags=cv2.INTER_NEAREST)


def _object_mask(rng: np.random.Generator, side: int) -> np.ndarray:
    """A phone, cup or microphone-like solid: a rounded rectangle or a disc."""
    m = np.zeros((side, side), np.uint8)
    if rng.random() < 0.5:
        w, h = int(side * rng.uniform(0.3, 0.6)), int(side * rng.uniform(0.6, 0.95))
        x0, y0 = (side - w) // 2, (side - h) // 2
        r = max(1, min(w, h) // 6)
        cv2.rectangle(m, (x0 + r, y0), (x0 + w - r, y0 + h), 1, -1)
        cv2.rectangle(m, (x0, y0 + r), (x0 + w, y0 + h - r), 1, -1)
        for cx, cy in (
            (x0 + r, y0 + r),
            (x0 + w - r, y0 + r),
            (x0 + r, y0 + h - r),
            (x0 + w - r, y0 + h - r),
        ):
            cv2.circle(m, (cx, cy), r, 1, -1)
        rot = cv2.getRotationMatrix2D((side / 2, side / 2), rng.uniform(-45, 45), 1.0)
        return cv2.warpAffine(m, rot, (side, side), flags=cv2.INTER_NEAREST)
    cv2.circle(m, (side // 2, side // 2), int(side * rng.uniform(0.3, 0.48)), 1, -1)
    return m


def _shape_mask(rng: np.random.Generator, side: int) -> np.ndarray:
    """A random star-shaped polygon."""
    n = int(rng.integers(5, 12))
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = side / 2 * rng.uniform(0.4, 0.98, n)
    pts = np.stack([side / 2 + radii * np.cos(angles), side / 2 + radii * np.sin(angles)], 1)
    m = np.zeros((side, side), np.uint8)
    cv2.fillPoly(m, [np.round(pts).astype(np.int32)], 1)
    return m


def _hand_colour(rng: np.random.Generator, side: int) -> np.ndarray:
    tone = np.array([rng.uniform(90, 240), 0, 0])
    tone[1] = tone[0] * rng.uniform(0.65, 0.8)
    tone[2] = tone[0] * rng.uniform(0.5, 0.7)
    shade = cv2.GaussianBlur(rng.normal(0, 12, (side, side)).astype(np.float32), (0, 0), side / 10)
    return np.clip(tone + shade[..., None] * 3, 0, 255).astype(np.uint8)


def occlude(
    image: np.ndarray, rng: np.random.Generator, config: OcclusionConfig = OcclusionConfig()
) -> tuple[np.ndarray, np.ndarray]:
    """(occluded copy, boolean mask of the occluded pixels) for an RGB uint8 face crop."""
    h, w = image.shape[:2]
    short = min(h, w)
    side = max(4, int(short * rng.uniform(config.min_size, config.max_size)))
    kind = config.kinds[int(rng.integers(len(config.kinds)))]
    mask = {"hand": _hand_mask, "object": _object_mask, "shape": _shape_mask}[kind](rng, side)
    fill = _hand_colour(rng, side) if kind == "hand" else random_texture(rng, side, side)
    cx = w / 2 + rng.uniform(-config.spread, config.spread) * short
    cy = h / 2 + rng.uniform(-config.spread, config.spread) * short
    x0, y0 = int(cx - side / 2), int(cy - side / 2)
    # Clip the occluder's square to the image.
    sx0, sy0 = max(0, -x0), max(0, -y0)
    ix0, iy0 = max(0, x0), max(0, y0)
    ix1, iy1 = min(w, x0 + side), min(h, y0 + side)
    covered = np.zeros((h, w), bool)
    out = image.copy()
    if ix1 > ix0 and iy1 > iy0:
        m = mask[sy0 : sy0 + iy1 - iy0, sx0 : sx0 + ix1 - ix0] > 0
        f = fill[sy0 : sy0 + iy1 - iy0, sx0 : sx0 + ix1 - ix0]
        out[iy0:iy1, ix0:ix1][m] = f[m]
        covered[iy0:iy1, ix0:ix1] = m
    return out, covered
