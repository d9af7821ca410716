"""Face crops: a similarity transform from image to a square crop around a face, and back.

The crop follows the FFHQ alignment rule (Karras et al. 2019): centred a little below the eyes,
upright along the eye line, with a side of max(4 × eye distance, 3.6 × eye-to-mouth distance),
times `zoom`. That frames the whole head and hair of a frontal face, close to CelebA-HQ and LaPa
crops, and the eye-to-mouth term keeps profile faces (eyes close together) the right size.

A turned head's centre is not behind its eyes: in profile the eyes are at the front of the head
and the skull, ear and hair extend far behind them. The centre is therefore moved along the eye
line towards the midpoint of the two ear points (`HEAD_SHIFT` of the way), which for a frontal
face is about where the eyes are and for a profile is near the ear. On FASSEG's held-out ±75–90°
photos that cut the share of hair and skin left outside the crop from 32% to 14%
(benchmarks/whole_head.py); `widen` gives the wider views that take the rest.
"""

from __future__ import annotations

import cv2
import numpy as np

from .detect import Face

HEAD_SHIFT = 0.7


def crop_matrix(
    face: Face, size: int, zoom: float = 1.0, head_shift: float = HEAD_SHIFT
) -> np.ndarray:
    """2×3 affine matrix taking image pixels to crop pixels (crop is size × size)."""
    right_eye, left_eye, _, mouth, right_ear, left_ear = face.keypoints[:6]
    eye_mid = (right_eye + left_eye) / 2
    eye_to_eye = left_eye - right_eye
    eye_to_mouth = mouth - eye_mid
    # Image x points along eye_to_eye for an upright face, and image y along eye_to_mouth.
    x_axis = eye_to_eye + np.array([eye_to_mouth[1], -eye_to_mouth[0]])
    norm = np.linalg.norm(x_axis)
    x_axis = x_axis / norm if norm > 1e-6 else np.array([1.0, 0.0])
    half = zoom * max(2.0 * np.linalg.norm(eye_to_eye), 1.8 * np.linalg.norm(eye_to_mouth))
    half = max(half, 4.0)  # a degenerate detection still gets a usable crop
    towards_ears = float(np.dot((right_ear + left_ear) / 2 - eye_mid, x_axis))
    centre = eye_mid + 0.1 * eye_to_mouth + head_shift * towards_ears * x_axis
    scale = size / (2 * half)
    cos, sin = x_axis * scale
    # Rotate by -angle and scale about `centre`, then move it to the crop centre.
    rot = np.array([[cos, sin], [-sin, cos]])
    shift = np.array([size / 2, size / 2]) - rot @ centre
    return np.hstack([rot, shift[:, None]])


def widen(matrix: np.ndarray, size: int, factor: float) -> np.ndarray:
    """The view around the same centre with a side `factor` times larger, at the same size."""
    out = matrix / factor
    out[:, 2] += size / 2 * (1 - 1 / factor)
    return out


def covers(matrix: np.ndarray, size: int, shape: tuple[int, int]) -> bool:
    """Whether the crop holds the whole image region of `shape` (h, w)."""
    h, w = shape
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float64)
    pts = corners @ matrix[:, :2].T + matrix[:, 2]
    return bool((pts >= 0).all() and (pts <= size).all())


def warp_to_crop(image: np.ndarray, matrix: np.ndarray, size: int, nearest: bool = False):
    """Image (H×W or H×W×C) -> its size × size crop; outside the image is 0 (reflected for
    photos would invent faces at the border)."""
    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    return cv2.warpAffine(image, matrix, (size, size), flags=flags, borderMode=cv2.BORDER_CONSTANT)


def crop_box(matrix: np.ndarray, size: int, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The image region (x0, y0, x1, y1), clipped to the image, that the crop covers."""
    inv = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]], np.float64)
    pts = corners @ inv[:, :2].T + inv[:, 2]
    h, w = shape
    x0, y0 = np.floor(pts.min(0)).astype(int)
    x1, y1 = np.ceil(pts.max(0)).astype(int)
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


def paste_back(
    values: np.ndarray, matrix: np.ndarray, box: tuple[int, int, int, int], nearest: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Per-class values (C×S×S) of a crop -> (C×h×w values, h×w coverage mask) over the image
    region `box` (x0, y0, x1, y1). Bilinear for probabilities (labels from their argmax stay
    smooth when the crop is enlarged); `nearest` for label ids."""
    size = values.shape[-1]
    return warp_into_box(values, matrix, box, nearest), coverage(matrix, size, box, nearest)


def _to_box(matrix: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Box pixel -> crop pixel."""
    to_box = matrix.copy()
    to_box[:, 2] += matrix[:, :2] @ np.array(box[:2], np.float64)
    return to_box


def warp_into_box(
    values: np.ndarray, matrix: np.ndarray, box: tuple[int, int, int, int], nearest: bool = False
) -> np.ndarray:
    """The values half of `paste_back`: C×S×S -> C×h×w over `box`."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    to_box = _to_box(matrix, box)
    out = np.empty((values.shape[0], h, w), values.dtype)
    flags = (cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR) | cv2.WARP_INVERSE_MAP
    # OpenCV warps at most 4 channels at a time.
    for c in range(0, values.shape[0], 4):
        chunk = np.ascontiguousarray(values[c : c + 4].transpose(1, 2, 0))
        warped = cv2.warpAffine(chunk, to_box, (w, h), flags=flags)
        out[c : c + 4] = warped.reshape(h, w, -1).transpose(2, 0, 1)
    return out


def coverage(
    matrix: np.ndarray, size: int, box: tuple[int, int, int, int], nearest: bool = False
) -> np.ndarray:
    """The coverage half of `paste_back`: which pixels of `box` (h×w bool) a size × size crop
    reaches, by the interpolation its values are warped with (bilinear reaches half a crop
    pixel further)."""
    x0, y0, x1, y1 = box
    flags = (cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR) | cv2.WARP_INVERSE_MAP
    ones = np.ones((size, size), np.uint8)
    return cv2.warpAffine(ones, _to_box(matrix, box), (x1 - x0, y1 - y0), flags=flags) > 0
