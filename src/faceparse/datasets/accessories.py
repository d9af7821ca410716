"""Synthetic accessories drawn onto labelled face crops, with exact masks: glasses, sunglasses,
hats, earrings and necklaces, for CelebAMask-HQ's eye_g, hat, ear_r and neck_l classes, which
none of our training sources labels.

Each is placed from the crop's own CelebAMask-HQ labels, so it works on any labelled crop at any
pose the labels show: glasses around the two eyes, a hat on the head above the brows, earrings
under the ear lobes, a necklace across the lower neck. A crop without the parts an accessory
needs does not get it (`None`). Labels follow CelebAMask-HQ's merge order: seen through clear
lenses the eyes and brows keep their labels; dark lenses, frames, hats, earrings and necklaces
take every pixel they cover.

Everything is drawn from a numpy Generator: the check set of `faceparse.jobs.accessory_check` is
made from a seed of its own, apart from the training stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ..labels import CELEBAMASK_HQ
from .occlusion import random_texture

KINDS = ("glasses", "sunglasses", "hat", "earring", "necklace")
CLASS_OF = {
    "glasses": "eye_g",
    "sunglasses": "eye_g",
    "hat": "hat",
    "earring": "ear_r",
    "necklace": "neck_l",
}
_SHIFT = 4  # fractional bits for cv2 drawing: sub-pixel placement on small crops
_C = CELEBAMASK_HQ.index


@dataclass
class Drawn:
    """An accessory's look: coverage (0..1, anti-aliased) and the colour under it."""

    alpha: np.ndarray  # float32 H×W
    colour: np.ndarray  # float32 H×W×3
    label: np.ndarray  # bool H×W: the pixels labelled as the accessory


def _pts(points: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(points) * (1 << _SHIFT)).astype(np.int32)


def _poly_alpha(shape, polygons, thickness: float | None = None) -> np.ndarray:
    """Anti-aliased coverage of filled polygons (thickness None) or of their outlines."""
    m = np.zeros(shape, np.uint8)
    pts = [_pts(p) for p in polygons]
    if thickness is None:
        cv2.fillPoly(m, pts, 255, cv2.LINE_AA, _SHIFT)
    else:
        cv2.polylines(m, pts, False, 255, max(1, int(round(thickness))), cv2.LINE_AA, _SHIFT)
    return m.astype(np.float32) / 255


def _ellipse(centre, axes, angle: float, power: float = 2.0, n: int = 48) -> np.ndarray:
    """Outline of a superellipse (power 2: an ellipse; larger: a rounded rectangle)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    x = axes[0] * np.sign(c) * np.abs(c) ** (2 / power)
    y = axes[1] * np.sign(s) * np.abs(s) ** (2 / power)
    a = np.radians(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return np.stack([x, y], 1) @ rot.T + np.asarray(centre, np.float64)


def _centre(labels: np.ndarray, name: str, min_pixels: int = 4) -> np.ndarray | None:
    ys, xs = np.nonzero(labels == _C(name))
    return np.array([xs.mean(), ys.mean()]) if len(xs) >= min_pixels else None


def _shaded(rng, shape, base: np.ndarray, strength: float = 0.35) -> np.ndarray:
    """A colour lit from above: brighter at the top of the crop, with soft noise."""
    h, w = shape
    light = 1 + strength * (0.5 - np.linspace(0, 1, h, dtype=np.float32))[:, None, None]
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 2)
    return np.clip(base * light + 8 * noise[..., None], 0, 255)


def _metal(rng) -> np.ndarray:
    kinds = (
        (rng.uniform(200, 255), rng.uniform(160, 210), rng.uniform(40, 110)),  # gold
        (rng.uniform(170, 235),) * 3,  # silver
        (rng.uniform(20, 60),) * 3,  # black
        tuple(rng.uniform(0, 255, 3)),  # coloured
    )
    return np.array(kinds[int(rng.integers(len(kinds)))], np.float32)


def _glasses(labels, rng, dark: bool) -> Drawn | None:
    left, right = _centre(labels, "l_eye"), _centre(labels, "r_eye")
    if left is None or right is None:
        return None
    axis = right - left
    d = float(np.linalg.norm(axis))
    if d < 8:
        return None
    u = axis / d
    angle = float(np.degrees(np.arctan2(u[1], u[0])))
    half = (d * rng.uniform(0.34, 0.46), d * rng.uniform(0.22, 0.34))
    power = float(rng.choice([2.0, 3.0, 5.0]))
    down = np.array([-u[1], u[0]]) * d * rng.uniform(-0.02, 0.1)
    lenses = [_ellipse(c + down, half, angle, power) for c in (left, right)]
    frame_t = max(1.5, d * rng.uniform(0.03, 0.08))
    # Each lens's point nearest the other eye (the bridge) and farthest from it (the arm).
    towards = [(lenses[0] - left) @ u, (lenses[1] - right) @ -u]
    inner = [lens[np.argmax(t)] for lens, t in zip(lenses, towards, strict=True)]
    outer = [lens[np.argmin(t)] for lens, t in zip(lenses, towards, strict=True)]
    arm = d * rng.uniform(0.15, 0.45)
    lines = [np.stack([inner[0], inner[1]])] + [
        np.stack([o, o + s * u * arm]) for o, s in ((outer[0], -1), (outer[1], 1))
    ]
    shape = labels.shape
    frame = np.maximum(
        _poly_alpha(shape, [np.vstack([lens, lens[:1]]) for lens in lenses], frame_t),
        _poly_alpha(shape, lines, frame_t),
    )
    inside = _poly_alpha(shape, lenses)
    frame_colour = _shaded(rng, shape, _metal(rng))
    if dark:
        tint = rng.uniform(0, 80, 3).astype(np.float32)
        opacity = rng.uniform(0.8, 0.97)
    else:
        tint = rng.uniform(150, 255, 3).astype(np.float32)
        opacity = rng.uniform(0.05, 0.3)
    lens_colour = _shaded(rng, shape, tint, 0.8)
    # A reflection: a soft bright band across the lenses.
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    band = np.cos((xx * rng.uniform(-1, 1) + yy) / (d * 0.25) + rng.uniform(0, 6.28)) > 0.6
    glare = inside * band * rng.uniform(0.0, 0.35)
    alpha = np.maximum(frame, inside * opacity + glare * (1 - opacity))
    colour = np.where((frame >= inside * opacity)[..., None], frame_colour, lens_colour)
    colour = colour * (1 - glare[..., None]) + 255 * glare[..., None]
    label = (frame > 0.5) | (inside > 0.5)
    if not dark:  # eyes and brows seen through clear lenses keep their labels
        seen = np.isin(labels, [_C(n) for n in ("l_eye", "r_eye", "l_brow", "r_brow")])
        label &= ~(seen & (frame <= 0.5))
    return Drawn(alpha, colour, label)


def _head_mask(labels: np.ndarray) -> np.ndarray:
    head = [
        _C(n)
        for n in ("skin", "hair", "l_brow", "r_brow", "l_eye", "r_eye", "nose", "l_ear", "r_ear")
    ]
    return np.isin(labels, head)


def _hat(labels, rng) -> Drawn | None:
    head = _head_mask(labels)
    brows = np.isin(labels, [_C("l_brow"), _C("r_brow")])
    eyes = np.isin(labels, [_C("l_eye"), _C("r_eye")])
    ys = np.nonzero(head)[0]
    if not len(ys) or not (brows.any() or eyes.any()):
        return None
    top = ys.min()
    brow_row = np.nonzero(brows)[0].mean() if brows.any() else np.nonzero(eyes)[0].mean() - 8
    if brow_row - top < 8:
        return None
    row = brow_row - (brow_row - top) * rng.uniform(0.15, 0.5)
    xs = np.nonzero(head[int(row)])[0]
    if len(xs) < 8:
        return None
    centre_x = (xs.min() + xs.max()) / 2
    hw = (xs.max() - xs.min()) / 2 * rng.uniform(1.0, 1.15)
    crown_h = (row - top) + hw * rng.uniform(0.05, 0.35)
    kind = int(rng.integers(3))  # beanie, cap, brimmed hat
    parts = [_ellipse((centre_x, row), (hw, crown_h), 0, rng.uniform(2.0, 3.5))]
    keep = [p[:, 1] <= row + 1 for p in parts]
    polygons = [parts[0][keep[0]]]
    if kind == 0:  # a turned-up cuff
        cuff = hw * rng.uniform(0.15, 0.3)
        polygons.append(
            np.array(
                [
                    [centre_x - hw, row - cuff],
                    [centre_x + hw, row - cuff],
                    [centre_x + hw, row + cuff * 0.3],
                    [centre_x - hw, row + cuff * 0.3],
                ]
            )
        )
    elif kind == 1:  # a visor towards the viewer
        visor = _ellipse(
            (centre_x + hw * rng.uniform(-0.2, 0.2), row),
            (hw * rng.uniform(0.7, 1.0), hw * rng.uniform(0.12, 0.3)),
            0,
        )
        polygons.append(visor[visor[:, 1] >= row - 1])
    else:  # a brim all round
        polygons.append(
            _ellipse((centre_x, row), (hw * rng.uniform(1.3, 1.9), hw * rng.uniform(0.1, 0.28)), 0)
        )
    tilt = cv2.getRotationMatrix2D((float(centre_x), float(row)), rng.uniform(-10, 10), 1.0)
    polygons = [p @ tilt[:, :2].T + tilt[:, 2] for p in polygons]
    alpha = _poly_alpha(labels.shape, polygons)
    texture = random_texture(rng, *labels.shape).astype(np.float32)
    colour = _shaded(rng, labels.shape, texture * rng.uniform(0.5, 1.0), 0.5)
    return Drawn(alpha, colour, alpha > 0.5)


def _earring(labels, rng) -> Drawn | None:
    left, right = _centre(labels, "l_eye"), _centre(labels, "r_eye")
    scale = float(np.linalg.norm(right - left)) if left is not None and right is not None else None
    shape = labels.shape
    alpha = np.zeros(shape, np.float32)
    for ear in ("l_ear", "r_ear"):
        ys, xs = np.nonzero(labels == _C(ear))
        if len(ys) < 12:
            continue
        bottom = ys.max()
        lobe = np.array([xs[ys >= bottom - 2].mean(), bottom - 1.0])
        s = (scale or (ys.max() - ys.min())) * rng.uniform(0.06, 0.14)
        s = max(s, 2.5)
        kind = int(rng.integers(3))  # stud, hoop, drop
        if kind == 0:
            part = _poly_alpha(shape, [_ellipse(lobe, (s * 0.45, s * 0.45), 0)])
        elif kind == 1:
            ring = _ellipse(lobe + [0, s], (s, s), 0)
            part = _poly_alpha(shape, [np.vstack([ring, ring[:1]])], max(2.0, s * 0.25))
        else:
            tip = lobe + [0, s * rng.uniform(0.8, 1.6)]
            part = np.maximum(
                _poly_alpha(shape, [np.stack([lobe, tip])], max(1.5, s * 0.15)),
                _poly_alpha(shape, [_ellipse(tip + [0, s * 0.4], (s * 0.4, s * 0.55), 0)]),
            )
        alpha = np.maximum(alpha, part)
    if not alpha.any():
        return None
    colour = _shaded(rng, shape, _metal(rng), 0.6)
    return Drawn(alpha, colour, alpha > 0.5)


def _necklace(labels, rng) -> Drawn | None:
    neck = labels == _C("neck")
    ys = np.nonzero(neck)[0]
    if len(ys) < 30 or np.ptp(ys) < 8:
        return None
    row = int(ys.min() + np.ptp(ys) * rng.uniform(0.45, 0.85))
    xs = np.nonzero(neck[row])[0]
    if len(xs) < 10:
        return None
    x0, x1 = xs.min() - 2.0, xs.max() + 2.0
    sag = (x1 - x0) * rng.uniform(0.1, 0.4)
    t = np.linspace(-1, 1, 40)
    curve = np.stack([(x0 + x1) / 2 + t * (x1 - x0) / 2, row + sag * (1 - t**2)], 1)
    shape = labels.shape
    width = max(2.0, (x1 - x0) * rng.uniform(0.03, 0.07))
    if rng.random() < 0.5:  # a chain
        alpha = _poly_alpha(shape, [curve], width)
    else:  # beads
        beads = curve[:: max(1, int(width))]
        alpha = _poly_alpha(
            shape, [_ellipse(b, (width * 0.7, width * 0.7), 0, n=12) for b in beads]
        )
    if rng.random() < 0.5:  # a pendant
        tip = curve[len(curve) // 2]
        alpha = np.maximum(
            alpha,
            _poly_alpha(shape, [_ellipse(tip + [0, width * 1.5], (width * 1.2, width * 1.6), 0)]),
        )
    colour = _shaded(
        rng, shape, _metal(rng) if rng.random() < 0.7 else np.full(3, 240, np.float32), 0.6
    )
    return Drawn(alpha, colour, alpha > 0.5)


_DRAW: dict[str, Callable] = {
    "glasses": lambda lab, rng: _glasses(lab, rng, dark=False),
    "sunglasses": lambda lab, rng: _glasses(lab, rng, dark=True),
    "hat": _hat,
    "earring": _earring,
    "necklace": _necklace,
}


def add_accessory(
    image: np.ndarray, labels: np.ndarray, kind: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray] | None:
    """(image, labels) with one accessory of `kind` (see KINDS) drawn on an RGB uint8 crop and
    its CelebAMask-HQ labels, or None when the crop lacks the parts it is placed by."""
    drawn = _DRAW[kind](labels, rng)
    if drawn is None or not drawn.label.any():
        return None
    a = drawn.alpha[..., None]
    out = np.clip(image.astype(np.float32) * (1 - a) + drawn.colour * a, 0, 255).astype(np.uint8)
    new_labels = labels.copy()
    new_labels[drawn.label] = _C(CLASS_OF[kind])
    return out, new_labels


def add_random_accessories(
    image: np.ndarray, labels: np.ndarray, rng: np.random.Generator, max_count: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Up to `max_count` accessories of different kinds, in CelebAMask-HQ's order (glasses
    under a hat, earrings over the ears, a necklace over the neck)."""
    count = int(rng.integers(1, max_count + 1))
    kinds = list(rng.permutation(KINDS)[:count])
    if "glasses" in kinds and "sunglasses" in kinds:
        kinds.remove("sunglasses")
    for kind in sorted(kinds, key=KINDS.index):
        drawn = add_accessory(image, labels, kind, rng)
        if drawn is not None:
            image, labels = drawn
    return image, labels
