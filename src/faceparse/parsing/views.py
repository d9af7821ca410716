"""Which views a face gets. The first is its aligned crop (`face.align.crop_matrix`; with
detection off, the whole image as one face, `whole_image_face`). Where a view's head labels
reach its edge inside the photo (`cuts_head`), a wider view around the same centre follows
(`context_matrix`) and labels only what the narrower one leaves out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from ..face.align import covers, widen
from ..face.detect import Face
from ..labels import LabelSpace, mapping_lut
from .crop_scores import CropScores, Probabilities, summed_by_group


@dataclass(frozen=True)
class FaceCrop:
    """One parsed view of a face: its class scores on its crop (`scores`: probabilities C×S×S,
    labels and foreground S×S, in the result's space) and the 2×3 matrix from working-image
    pixels to crop pixels. A wider context view of the same face labels only what the view it
    widens (`outside_of`) leaves out."""

    scores: CropScores
    matrix: np.ndarray
    outside_of: FaceCrop | None = None

    @property
    def size(self) -> int:
        return self.scores.size

    @property
    def probabilities(self) -> np.ndarray:
        """Class probabilities on the crop grid (C×S×S float32)."""
        return self.scores.probabilities

    @property
    def labels(self) -> np.ndarray:
        """Class ids on the crop grid (S×S uint8)."""
        return self.scores.labels

    def in_space(self, src: LabelSpace, dst: LabelSpace) -> FaceCrop:
        if src.name == dst.name:
            return self
        grouped = grouped_probabilities(self.probabilities, src, dst)
        return FaceCrop(Probabilities(grouped), self.matrix, self.outside_of)


def grouped_probabilities(probs: np.ndarray, src: LabelSpace, dst: LabelSpace) -> np.ndarray:
    """Probabilities in `src` -> `dst` by summing the classes each target class gathers."""
    if src.name == dst.name:
        return probs
    return summed_by_group(probs[None], mapping_lut(src, dst), dst.num_classes)[0]


# A view whose labels reach its edge, inside the photo, on more than this share of the edge's
# pixels has cut the head (its hair, its skin).
CUT_EDGE_SHARE = 0.005
# Classes that never call for a wider view: neck, necklace and clothes go on to the photo's
# edge below most heads (a portrait's neck runs into the chest), and chasing them took the
# 512² astronaut from 2 views to 4 (the most allowed); they are labelled as far as the views the
# head needs reach.
NOT_HEAD = ("background", "neck", "neck_l", "cloth")


# A detection whose crop shows less than this share of eyes, brows, nose, lips, mouth or glasses
# is no face (issue #25). docs/results/FACE_PART_RULE.md (benchmarks/face_part_rule.py): the
# coffee cup's and six Hubble deep-field "faces" and three spurious second detections on FASSEG
# photos show 0.0; the real faces of FASSEG and Celeb1k val 0.0071 or more; on 12 group photos
# it drops 1 of the 67 faces found.
MIN_FACE_PART_SHARE = 0.0005
FACE_PARTS = (
    "l_eye", "r_eye", "eyes", "l_brow", "r_brow", "nose", "mouth", "inner_mouth", "u_lip",
    "l_lip", "eye_g",
)  # fmt: skip


def face_part_lut(space: LabelSpace) -> np.ndarray:
    """256 booleans: which label ids of `space` are inner face parts (FACE_PARTS)."""
    lut = np.zeros(256, bool)
    lut[: space.num_classes] = [c in FACE_PARTS for c in space.classes]
    return lut


def shows_face_parts(view: FaceCrop, is_part: np.ndarray) -> bool:
    return bool(is_part[view.labels].mean() >= MIN_FACE_PART_SHARE)


def head_lut(space: LabelSpace) -> np.ndarray:
    """256 booleans: which label ids of `space` are part of a head (see NOT_HEAD)."""
    lut = np.zeros(256, bool)
    lut[: space.num_classes] = [c not in NOT_HEAD for c in space.classes]
    return lut


def cuts_head(view: FaceCrop, shape: tuple[int, int], is_head: np.ndarray) -> bool:
    size = view.size
    if covers(view.matrix, size, shape):
        return False
    labels = view.labels
    ys, xs = _edge_pixels(size)
    inv = cv2.invertAffineTransform(view.matrix)
    pts = np.stack([xs + 0.5, ys + 0.5], 1) @ inv[:, :2].T + inv[:, 2]
    h, w = shape
    in_photo = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    return bool((is_head[labels[ys, xs]] & in_photo).mean() > CUT_EDGE_SHARE)


@functools.cache
def _edge_pixels(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs) of the pixels within 2 of a size × size crop's edge."""
    edge = np.ones((size, size), bool)
    edge[2:-2, 2:-2] = False
    return np.nonzero(edge)


def context_matrix(view: FaceCrop, zoom: float, size: int) -> np.ndarray:
    """The next view, `zoom` times wider around `view`'s centre, as a size × size crop."""
    return widen(view.matrix, view.size, zoom) * (size / view.size)


def whole_image_face(w: int, h: int) -> Face:
    """Keypoints that make crop_matrix return the whole (square-padded) image: the FFHQ rule's
    side is 3.6 × eye-to-mouth, centred 0.1 of it below the eyes."""
    side = max(w, h)
    mouth_drop = side / 3.6
    eye_y = h / 2 - 0.1 * mouth_drop
    eyes = np.array([[w / 2 - side / 8, eye_y], [w / 2 + side / 8, eye_y]])
    mouth = np.array([w / 2, eye_y + mouth_drop])
    kps = np.vstack([eyes, [[w / 2, eye_y + mouth_drop / 2]], [mouth], eyes])
    return Face((0.0, 0.0, float(w), float(h)), 1.0, kps)
