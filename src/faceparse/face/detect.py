"""Face detection with MediaPipe (0.10.21 ships both detector models in its wheel)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import FaceparseError
from .native_logs import quiet_native_logs

# MediaPipe's keypoint order.
KEYPOINTS = ("right_eye", "left_eye", "nose_tip", "mouth", "right_ear", "left_ear")


@dataclass(frozen=True)
class Face:
    """A detected face in image pixels: box (x0, y0, x1, y1), score and six keypoints (x, y) in
    MediaPipe's order (`KEYPOINTS`; right/left are the subject's)."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray  # (6, 2)

    def to_dict(self) -> dict:
        points = zip(KEYPOINTS, self.keypoints.round(1).tolist(), strict=True)
        return {
            "box": [round(v, 1) for v in self.box],
            "score": round(self.score, 3),
            "keypoints": dict(points),
        }

    def shifted(self, dx: float, dy: float) -> Face:
        x0, y0, x1, y1 = self.box
        return Face((x0 + dx, y0 + dy, x1 + dx, y1 + dy), self.score, self.keypoints + [dx, dy])

    def scaled(self, factor: float) -> Face:
        return Face(tuple(v * factor for v in self.box), self.score, self.keypoints * factor)


@dataclass(frozen=True)
class DetectionConfig:
    min_confidence: float = 0.5
    # The tile pyramid goes down until faces this wide are within reach (FIRST_PASS_MIN_FACE of
    # a tile's side); smaller faces may still be found, not looked for.
    min_face_px: int = 32
    tile_overlap: float = 0.25  # of a tile's side: faces up to this size fit whole in a tile


class FaceDetector:
    """`FaceDetector()(rgb) -> [Face, ...]`, largest first.

    MediaPipe's two models look at the whole photo: the short-range one finds faces that fill
    much of the frame, the full-range one smaller faces (a lone frontal face down to about 4% of
    the photo's longer side).
    Smaller faces are looked for in a pyramid of overlapping square tiles, each level's tiles
    half the side of the last, until a face `min_face_px` wide takes up FIRST_PASS_MIN_FACE of a
    tile: in a tile a face is that much larger in the model's input. The first level gets both
    models, deeper ones the full-range model only, and a tile's face counts only where it is
    small for the tile and not cut by the tile's edge, so the whole-photo passes keep the larger
    faces. One non-maximum suppression merges everything. One MediaPipe graph per model: not
    thread-safe.
    """

    def __init__(self, config: DetectionConfig = DetectionConfig()):
        self.config = config
        self._models = self._build()

    def _build(self) -> list:
        import mediapipe as mp  # heavy import, only where faces are detected

        fd = mp.solutions.face_detection
        conf = self.config.min_confidence
        with quiet_native_logs():
            models = [
                fd.FaceDetection(model_selection=s, min_detection_confidence=conf) for s in (0, 1)
            ]
            # The delegate and feedback-manager lines come on each graph's first run.
            for model in models:
                model.process(np.zeros((8, 8, 3), np.uint8))
        return models

    def __call__(self, image: np.ndarray) -> list[Face]:
        faces = self._detect(image, self._models)
        overlap = self.config.tile_overlap
        for level, tiles in enumerate(pyramid_levels(image.shape[:2], self.config)):
            # On the first level the short-range model finds faces of about a fifth of a tile
            # that the full-range one misses. Deeper down it found 2 more of the 260 faces of
            # benchmarks/group_photos.py (recall 0.988 against 0.981) for 40% more time.
            models = self._models if level == 0 else self._models[1:]
            for tile in tiles:
                x0, y0, x1, y1 = tile
                found = self._detect(image[y0:y1, x0:x1], models)
                faces += [
                    f.shifted(x0, y0)
                    for f in found
                    if _whole_in_tile(f, tile, image.shape, overlap)
                ]
        faces = _merge(faces)
        faces.sort(key=lambda f: -(f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
        return faces

    def _detect(self, image: np.ndarray, models: list) -> list[Face]:
        h, w = image.shape[:2]
        if h < 1 or w < 1:
            return []
        # MediaPipe gives box and keypoints relative to the image, so a shrunk copy's are the
        # photo's too.
        image = np.ascontiguousarray(within_native_limits(image))
        faces = []
        for model in models:
            try:
                found = model.process(image).detections
            except RuntimeError as e:
                # A MediaPipe graph that raised stays broken ("Graph has errors") for every
                # later call: build fresh ones so the next image is unaffected.
                self.close()
                self._models = self._build()
                raise FaceparseError(f"face detection failed on a {w}×{h} image ({e})") from None
            for d in found or []:
                b = d.location_data.relative_bounding_box
                box = (b.xmin * w, b.ymin * h, (b.xmin + b.width) * w, (b.ymin + b.height) * h)
                kps = np.array([(k.x * w, k.y * h) for k in d.location_data.relative_keypoints])
                faces.append(Face(box, float(d.score[0]), kps))
        return faces

    def close(self) -> None:
        for m in self._models:
            m.close()


# MediaPipe's image conversion asserts in OpenCV's remap on a side of 32,767 px (SHRT_MAX) or
# more and aborts the process (issue #26). Its models see 128-192 px inputs, so a photo seen
# whole loses nothing shrunk to this side first; the tiles that look for small faces are cut
# from the full-resolution photo and shrunk only where they are this large themselves.
MEDIAPIPE_MAX_SIDE = 16384


def within_native_limits(image: np.ndarray, max_side: int = MEDIAPIPE_MAX_SIDE) -> np.ndarray:
    """`image`, or a copy shrunk (area-averaged) so that its longer side is `max_side`."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


# The full-range model found the astronaut's face down to about 4% of a canvas's longer side
# (pasted at 12-128 px into 480-2048 px canvases), but on the group photos of
# benchmarks/group_photos.py a pyramid built on 4% found 0.958 of the faces and one built on 6%
# 0.977 (before the short-range model joined the first level): faces there are turned, small
# and among others.
FIRST_PASS_MIN_FACE = 0.06
MIN_TILE_SIDE = 128  # MediaPipe's short-range input side: smaller tiles are only upscaled


def pyramid_levels(
    shape: tuple[int, int], config: DetectionConfig = DetectionConfig()
) -> list[list[tuple[int, int, int, int]]]:
    """Per level, (x0, y0, x1, y1) square tiles; levels are added while the previous one could
    miss a face of `min_face_px`: a 512² photo needs none, a 4096² one three."""
    h, w = shape
    levels = []
    side = max(h, w)
    if min(h, w) < config.min_face_px:  # no face worth finding fits
        return []
    while FIRST_PASS_MIN_FACE * side > config.min_face_px and side // 2 >= MIN_TILE_SIDE:
        side //= 2
        tw, th = min(side, w), min(side, h)
        levels.append(
            [
                (x, y, x + tw, y + th)
                for y in _starts(h, th, config.tile_overlap)
                for x in _starts(w, tw, config.tile_overlap)
            ]
        )
    return levels


def _starts(length: int, tile: int, overlap: float) -> list[int]:
    """Tile origins covering [0, length) with at least `overlap` × tile shared by neighbours."""
    if tile >= length:
        return [0]
    stride = tile * (1 - overlap)
    count = int(np.ceil((length - tile) / stride)) + 1
    return [round(i * (length - tile) / (count - 1)) for i in range(count)]


def _whole_in_tile(face: Face, tile: tuple[int, int, int, int], shape, overlap: float) -> bool:
    """The face is small enough for neighbouring tiles to hold it whole (larger ones are the
    last level's) and clear of any tile edge that is not the photo's."""
    x0, y0, x1, y1 = tile
    fx0, fy0, fx1, fy1 = face.box
    if max(fx1 - fx0, fy1 - fy0) > overlap * max(x1 - x0, y1 - y0):
        return False
    h, w = shape[:2]
    tx1, ty1 = x1 - x0, y1 - y0
    return (
        (fx0 > 1 or x0 == 0)
        and (fy0 > 1 or y0 == 0)
        and (fx1 < tx1 - 1 or x1 == w)
        and (fy1 < ty1 - 1 or y1 == h)
    )


def box_iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _merge(faces: list[Face], iou: float = 0.3) -> list[Face]:
    """Non-maximum suppression: a face seen by both models or in two overlapping tiles is kept
    once. A box holding two or more other faces whole is dropped first: no face contains two
    faces, but on a large photo of small faces the models sometimes frame the whole group."""
    faces = [f for f in faces if sum(_contains(f.box, g.box) for g in faces if g is not f) < 2]
    kept: list[Face] = []
    for f in sorted(faces, key=lambda f: -f.score):
        if all(box_iou(f.box, k.box) < iou for k in kept):
            kept.append(f)
    return kept


def _contains(outer, inner) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[2] >= inner[2]
        and outer[3] >= inner[3]
    )
