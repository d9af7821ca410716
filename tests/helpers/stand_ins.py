"""Stand-in crop parsers and small builders that tests share."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from faceparse.face.detect import Face
from faceparse.labels import LAPA
from faceparse.parsing.crop_scores import Probabilities


class CentreDisc:
    """A stand-in crop model: 'nose' in a disc at the crop centre, background elsewhere."""

    space = LAPA
    size = 64
    uses_depth = False

    def __init__(self):
        self.calls = []

    def predict(self, crops, depth=None):
        self.calls.append(crops.copy())
        p = np.zeros((len(crops), 11, 64, 64), np.float32)
        yy, xx = np.mgrid[:64, :64]
        disc = (yy - 32) ** 2 + (xx - 32) ** 2 < 10**2
        p[:, 6][:, disc] = 0.9
        p[:, 1][:, disc] = 0.1
        p[:, 0][:, ~disc] = 1
        return [Probabilities(x) for x in p]


class Bright:
    """A stand-in crop model that sees a head wherever the crop is bright: `label` (skin) where
    the pixel's mean is over 100, background elsewhere, in `space`; works at any crop size."""

    size = 64
    uses_depth = False

    def __init__(self, space=LAPA, label: str = "skin"):
        self.space, self.label = space, label
        self.sizes = []

    def predict(self, crops, depth=None):
        self.sizes.append(crops.shape[1])
        bright = (crops.mean(-1) > 100).astype(np.float32)
        p = np.zeros((len(crops), self.space.num_classes, *crops.shape[1:3]), np.float32)
        p[:, self.space.index(self.label)] = 0.9 * bright
        p[:, 0] = 1 - p[:, self.space.index(self.label)]
        return [Probabilities(x) for x in p]


class DepthAware(CentreDisc):
    uses_depth = True

    def predict(self, crops, depth=None):
        self.depth = depth
        return super().predict(crops)


def face_at(cx, cy, eye_dist):
    """Upright face keypoints: eyes eye_dist apart, mouth 1.1 × eye_dist below them."""
    eyes = np.array([[cx - eye_dist / 2, cy], [cx + eye_dist / 2, cy]])
    mouth = np.array([cx, cy + 1.1 * eye_dist])
    kps = np.vstack([eyes, [[cx, cy + 0.5 * eye_dist]], [mouth], eyes])
    return Face((cx - eye_dist, cy - eye_dist, cx + eye_dist, cy + 2 * eye_dist), 0.9, kps)


def png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()
