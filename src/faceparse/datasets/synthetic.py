"""Synthetic cartoon faces with exact labels and depth, for demos and tests.

They are no substitute for real data; they exist so that every code path (readers, transforms,
metrics, training loops) can run on data the project makes itself, in any layout and label space.
Each face is drawn in the CelebAMask-HQ space (the richest) and converted down where needed.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..labels import CELEBAMASK_HQ, LabelSpace, convert_labels, get_label_space
from .base import Sample

_BASE_COLOURS = {
    "skin": (224, 172, 138),
    "hair": (60, 40, 25),
    "l_brow": (50, 35, 25),
    "r_brow": (50, 35, 25),
    "l_eye": (245, 245, 245),
    "r_eye": (245, 245, 245),
    "l_ear": (214, 160, 128),
    "r_ear": (214, 160, 128),
    "nose": (236, 160, 128),
    "u_lip": (190, 80, 90),
    "l_lip": (200, 90, 100),
    "mouth": (70, 20, 30),
    "neck": (205, 155, 120),
    "cloth": (40, 70, 140),
}


def synthetic_face(
    rng: np.random.Generator,
    size: int = 128,
    space: str | LabelSpace = CELEBAMASK_HQ,
    name: str = "synthetic",
) -> Sample:
    """One random face: image, labels (in `space`) and depth, all size×size."""
    s = float(size)
    label = np.zeros((size, size), np.uint8)
    cid = CELEBAMASK_HQ.index

    def jitter(v: float, amount: float = 0.06) -> float:
        return v * (1.0 + rng.uniform(-amount, amount))

    cx, cy = jitter(0.5 * s, 0.04), jitter(0.46 * s, 0.04)
    fa, fb = jitter(0.23 * s), jitter(0.28 * s)  # face ellipse half-axes
    tilt = rng.uniform(-10, 10)

    def ellipse(cls: str, centre, axes, angle=0.0) -> None:
        c = (int(round(centre[0])), int(round(centre[1])))
        a = (max(1, int(round(axes[0]))), max(1, int(round(axes[1]))))
        cv2.ellipse(label, c, a, tilt + angle, 0, 360, int(cid(cls)), -1, cv2.LINE_8)

    def rotate(dx: float, dy: float) -> tuple[float, float]:
        t = np.deg2rad(tilt)
        return cx + dx * np.cos(t) - dy * np.sin(t), cy + dx * np.sin(t) + dy * np.cos(t)

    # Painter's order: what is drawn later is in front.
    cv2.rectangle(label, (0, int(cy + 1.4 * fb)), (size, size), int(cid("cloth")), -1)
    neck_w = 0.5 * fa
    cv2.rectangle(
        label,
        (int(cx - neck_w), int(cy + 0.5 * fb)),
        (int(cx + neck_w), int(cy + 1.4 * fb)),
        int(cid("neck")),
        -1,
    )
    ellipse("hair", rotate(0, -0.12 * fb), (1.18 * fa, 1.02 * fb))
    for side, cls in ((-1, "l_ear"), (1, "r_ear")):
        ellipse(cls, rotate(side * 0.98 * fa, 0.02 * fb), (jitter(0.16 * fa), jitter(0.26 * fb)))
    ellipse("skin", (cx, cy), (fa, fb))
    # A fringe of hair over the forehead: the upper part of a wider ellipse.
    fringe = np.zeros_like(label)
    fc = rotate(0, -0.95 * fb)
    cv2.ellipse(
        fringe,
        (int(fc[0]), int(fc[1])),
        (int(1.05 * fa), int(jitter(0.42 * fb))),
        tilt,
        0,
        360,
        1,
        -1,
    )
    label[(fringe == 1) & (label == cid("skin"))] = cid("hair")
    # CelebAMask-HQ names the subject's sides: the eye on the image's left (-1) is r_eye
    for side, eye, brow in ((-1, "r_eye", "r_brow"), (1, "l_eye", "l_brow")):
        ex, ey = 0.42 * fa * side, -0.12 * fb
        ellipse(brow, rotate(ex, ey - jitter(0.2 * fb)), (jitter(0.24 * fa), jitter(0.045 * fb)))
        ellipse(eye, rotate(ex, ey), (jitter(0.17 * fa), jitter(0.07 * fb)))
    nose = np.array(
        [rotate(0, -0.1 * fb), rotate(-0.13 * fa, 0.22 * fb), rotate(0.13 * fa, 0.22 * fb)]
    )
    cv2.fillConvexPoly(label, nose.round().astype(np.int32), int(cid("nose")))
    my = 0.5 * fb
    mw = jitter(0.32 * fa, 0.15)
    open_mouth = rng.random() < 0.5
    ellipse("u_lip", rotate(0, my - 0.03 * fb), (mw, 0.06 * fb))
    ellipse("l_lip", rotate(0, my + 0.05 * fb), (0.9 * mw, 0.065 * fb))
    if open_mouth:
        ellipse("mouth", rotate(0, my + 0.01 * fb), (0.8 * mw, 0.035 * fb))

    image = _paint(label, rng)
    depth = _depth(label, (cx, cy), (fa, fb), nose.mean(0))
    out_space = get_label_space(space)
    out_label = convert_labels(label, CELEBAMASK_HQ, out_space)
    return Sample(name, image, out_label, out_space, depth)


def _paint(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = label.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bg = rng.uniform(60, 220, size=3)
    grad = rng.uniform(-40, 40, size=3)
    image = bg[None, None, :] + grad[None, None, :] * (xx / w)[:, :, None]
    tone = rng.uniform(0.75, 1.15)
    for cls, colour in _BASE_COLOURS.items():
        m = label == CELEBAMASK_HQ.index(cls)
        c = np.asarray(colour, np.float32)
        if cls in ("skin", "l_ear", "r_ear", "nose", "neck"):
            c = c * tone
        image[m] = c
    image += rng.normal(0, 6, size=image.shape)
    image = cv2.GaussianBlur(image, (3, 3), 0)
    # Pupils make eyes look like eyes; they stay labelled as eye.
    for cls in ("l_eye", "r_eye"):
        ys, xs = np.nonzero(label == CELEBAMASK_HQ.index(cls))
        if len(xs):
            r = max(1, int(0.35 * (ys.max() - ys.min() + 1)))
            cv2.circle(image, (int(xs.mean()), int(ys.mean())), r, (40, 30, 20), -1)
    return np.clip(image, 0, 255).astype(np.uint8)


def _depth(label: np.ndarray, centre, axes, nose_centre) -> np.ndarray:
    """A head-shaped depth map: an ellipsoid with a nose bump, 0 outside the head and neck."""
    h, w = label.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = centre
    a, b = axes[0] * 1.2, axes[1] * 1.1
    r2 = ((xx - cx) / a) ** 2 + ((yy - cy) / b) ** 2
    z = np.sqrt(np.clip(1.0 - r2, 0.0, None))
    nx, ny = nose_centre
    z += 0.25 * np.exp(-(((xx - nx) ** 2 + (yy - ny) ** 2) / (2 * (0.1 * a) ** 2)))
    head_ids = [
        CELEBAMASK_HQ.index(c) for c in CELEBAMASK_HQ.classes if c not in ("background", "cloth")
    ]
    head = np.isin(label, head_ids)
    neck = label == CELEBAMASK_HQ.index("neck")
    z = np.where(neck, 0.35 * np.sqrt(np.clip(1 - ((xx - cx) / a) ** 2, 0, None)), z)
    z = np.where(head, z, 0.0)
    fg = z > 0
    depth = np.zeros((h, w), np.uint8)
    if fg.any():
        lo, hi = z[fg].min(), z[fg].max()
        depth[fg] = np.round(1 + 254 * (z[fg] - lo) / max(hi - lo, 1e-6)).astype(np.uint8)
    return depth


def synthetic_dataset(
    count: int,
    seed: int = 0,
    size: int = 128,
    space: str | LabelSpace = CELEBAMASK_HQ,
    prefix="face",
) -> list[Sample]:
    rng = np.random.default_rng(seed)
    return [synthetic_face(rng, size, space, f"{prefix}{i:04d}") for i in range(count)]
