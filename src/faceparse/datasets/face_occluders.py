"""Occluders placed on a face by its MediaPipe landmarks (issue #29): hands, objects and random
shapes (from `occlusion`), sunglasses (from `accessories`), surgical masks, microphones and hair
strands, each with the exact mask of what it covers.

`occlude_face` draws 1–3 of them and says how much of the face outline they cover, so a check
set can be binned by occluded share and kind. Everything is drawn from a numpy Generator: a copy
is reproducible from its seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

import cv2
import numpy as np

from ..face.landmarks import FaceMeshDetector, face_oval, opening_contours, polygon_mask
from ..labels import CELEBAMASK_HQ, IGNORE_INDEX
from .accessories import add_accessory
from .base import Sample
from .occlusion import OcclusionConfig, occlude, random_texture

KINDS = ("hand", "object", "shape", "sunglasses", "mask", "microphone", "hair")
# MediaPipe landmark ids (image-left/right as seen in a frontal photo)
_NOSE_BRIDGE, _CHIN, _FOREHEAD = 195, 152, 10
_MOUTH_CORNERS = (61, 291)
# Within the face window, hands and objects are larger than on a whole crop.
_WINDOW_OCCLUSION = OcclusionConfig(min_size=0.35, max_size=0.75, spread=0.3)


@dataclass(frozen=True)
class OccludedFace:
    image: np.ndarray  # RGB uint8
    mask: np.ndarray  # bool H×W: pixels an occluder covers
    kinds: tuple[str, ...]  # what was drawn, in drawing order
    share: float  # fraction of the face outline's area covered


def _paint(image, mask, colour) -> np.ndarray:
    out = image.copy()
    out[mask] = colour[mask]
    return out


def _window(image, points, rng, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """A hand, object or shape (`occlusion`'s drawers) on the face's box."""
    h, w = image.shape[:2]
    x0, y0 = np.floor(points[:, :2].min(0)).astype(int).clip(0, [w - 1, h - 1])
    x1, y1 = np.ceil(points[:, :2].max(0)).astype(int).clip(1, [w, h])
    cfg = replace(_WINDOW_OCCLUSION, kinds=(kind,))
    out, mask = image.copy(), np.zeros((h, w), bool)
    out[y0:y1, x0:x1], mask[y0:y1, x0:x1] = occlude(image[y0:y1, x0:x1], rng, cfg)
    return out, mask


def _sunglasses(image, points, rng) -> tuple[np.ndarray, np.ndarray]:
    # Eye blobs where the accessory drawer places its lenses: MediaPipe's "left eye" is the
    # subject's left, as CelebAMask-HQ's l_eye is.
    labels = np.zeros(image.shape[:2], np.uint8)
    for contour, name in zip(opening_contours()[:2], ("l_eye", "r_eye"), strict=True):
        ring = np.round(points[contour, :2]).astype(np.int32)
        cv2.fillPoly(labels, [ring], CELEBAMASK_HQ.index(name))
    drawn = add_accessory(image, labels, "sunglasses", rng)
    if drawn is None:
        return image, np.zeros(image.shape[:2], bool)
    # the lens and frame edges are anti-aliased a pixel beyond the class label: count them too
    return drawn[0], (drawn[1] == CELEBAMASK_HQ.index("eye_g")) | (drawn[0] != image).any(2)


def _surgical_mask(image, points, rng) -> tuple[np.ndarray, np.ndarray]:
    """The face outline below the nose bridge, closed over the nose."""
    oval = points[face_oval(), :2]
    cut = points[_NOSE_BRIDGE, 1] + rng.uniform(-0.05, 0.1) * np.ptp(points[:, 1])
    below = oval[:, 1] >= cut
    # The oval's run below the cut is contiguous: start it just after the first point above.
    start = int(np.argmax(~below & np.roll(below, -1))) + 1
    arc = np.roll(oval, -start, axis=0)[: int(below.sum())]
    poly = np.vstack([arc, points[[_NOSE_BRIDGE], :2]])
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    base = rng.choice([(220, 235, 245), (150, 200, 230), (35, 35, 40), (240, 240, 240)])
    h, w = mask.shape
    folds = 1 + 0.12 * np.sin(np.arange(h, dtype=np.float32) / max(2.0, h / 40))[:, None, None]
    colour = np.clip(np.asarray(base, np.float32) * folds + rng.normal(0, 5, (h, w, 1)), 0, 255)
    return _paint(image, mask > 0, colour.astype(np.uint8)), mask > 0


def _microphone(image, points, rng) -> tuple[np.ndarray, np.ndarray]:
    """A ball head near the mouth and a handle running down and out of the face."""
    width = float(np.ptp(points[:, 0]))
    corner = points[_MOUTH_CORNERS[int(rng.integers(2))], :2]
    centre = corner + rng.normal(0, 0.08, 2) * width + [0, 0.1 * width]
    radius = width * rng.uniform(0.12, 0.22)
    angle = rng.uniform(np.pi / 4, 3 * np.pi / 4)  # pointing downwards
    end = centre + np.array([np.cos(angle), np.sin(angle)]) * width * 1.5
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.line(
        mask,
        tuple(np.round(centre).astype(int)),
        tuple(np.round(end).astype(int)),
        1,
        max(2, int(radius * 0.8)),
    )
    cv2.circle(mask, tuple(np.round(centre).astype(int)), max(2, int(radius)), 1, -1)
    grey = rng.uniform(20, 90)
    colour = np.clip(grey + rng.normal(0, 20, (*mask.shape, 1)), 0, 255).repeat(3, 2)
    return _paint(image, mask > 0, colour.astype(np.uint8)), mask > 0


def _hair_strands(image, points, rng) -> tuple[np.ndarray, np.ndarray]:
    """Locks falling from the forehead across one eye to the cheek."""
    width = float(np.ptp(points[:, 0]))
    eye = points[opening_contours()[int(rng.integers(2))], :2].mean(0)
    top = points[_FOREHEAD, :2]
    mask = np.zeros(image.shape[:2], np.uint8)
    t = np.linspace(0, 1, 24)[:, None]
    for _ in range(int(rng.integers(4, 12))):
        a = top + rng.normal(0, 0.15, 2) * width
        b = eye + rng.normal(0, 0.12, 2) * width
        c = b + np.array([rng.normal(0, 0.1), rng.uniform(0.2, 0.5)]) * width
        curve = (1 - t) ** 2 * a + 2 * (1 - t) * t * b + t**2 * c
        thick = max(2, int(width * rng.uniform(0.02, 0.05)))
        cv2.polylines(mask, [np.round(curve).astype(np.int32)], False, 1, thick, cv2.LINE_8)
    base = np.asarray(rng.choice([(30, 20, 15), (90, 60, 35), (200, 170, 110), (15, 15, 15)]))
    texture = random_texture(rng, *mask.shape).astype(np.float32)
    colour = np.clip(base + 0.15 * (texture - 128), 0, 255).astype(np.uint8)
    return _paint(image, mask > 0, colour), mask > 0


_DRAW = {
    "hand": partial(_window, kind="hand"),
    "object": partial(_window, kind="object"),
    "shape": partial(_window, kind="shape"),
    "sunglasses": _sunglasses,
    "mask": _surgical_mask,
    "microphone": _microphone,
    "hair": _hair_strands,
}


def draw_occluder(image, points, kind: str, rng) -> tuple[np.ndarray, np.ndarray]:
    """(occluded image, mask) with one occluder of `kind` placed by the 468 `points`."""
    return _DRAW[kind](image, points, rng)


def occlude_face(
    image: np.ndarray,
    points: np.ndarray,
    rng: np.random.Generator,
    count: int | None = None,
    share_range: tuple[float, float] = (0.0, 1.0),
    kinds: tuple[str, ...] = KINDS,
    attempts: int = 20,
) -> OccludedFace:
    """1–3 occluders (or `count`) of random `kinds` on the face whose landmarks are `points`,
    redrawn up to `attempts` times until the covered share of the face outline falls in
    `share_range` (the last draw is returned if none does)."""
    area = polygon_mask(points, face_oval(), image.shape[:2])
    total = max(int(area.sum()), 1)
    for _ in range(attempts):
        n = count or int(rng.integers(1, 4))
        drawn = tuple(str(k) for k in rng.choice(kinds, n))
        out, mask = image, np.zeros(image.shape[:2], bool)
        for kind in drawn:
            out, m = draw_occluder(out, points, kind, rng)
            mask |= m
        share = float((mask & area).sum()) / total
        if share_range[0] <= share <= share_range[1]:
            break
    return OccludedFace(out, mask, drawn, share)


def occluded_samples(
    samples: Sequence[Sample],
    seed: int,
    first_index: int = 0,
    share_range: tuple[float, float] = (0.10, 0.50),
) -> list[tuple[Sample, OccludedFace, np.ndarray]]:
    """An occluded test copy of each labelled sample whose face MediaPipe finds: (sample, its
    copy, the labels with the occluded pixels ignored). Sample i's copy comes from
    `default_rng([seed, first_index + i])`, so a check set is the same every time."""
    mesh, out = FaceMeshDetector(), []
    for i, sample in enumerate(samples):
        found = mesh(sample.image)
        if found is None:
            continue
        rng = np.random.default_rng([seed, first_index + i])
        copy = occlude_face(sample.image, found.points, rng, share_range=share_range)
        hidden = np.where(copy.mask, IGNORE_INDEX, sample.label).astype(np.uint8)
        out.append((sample, copy, hidden))
    mesh.close()
    return out
