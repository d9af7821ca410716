"""Face detection with MediaPipe (0.10.21 ships both detector models in its wheel)."""

from __future__ import annotations

from dataclasses import dataclass

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


class FaceDetector:
    """`FaceDetector()(rgb) -> [Face, ...]`, largest first. The short-range model finds faces
    that fill much of the frame (portraits, selfies); when it finds none, the full-range model
    (faces up to ~5 m away) gets a turn, and then both look again at 2×2 overlapping tiles,
    where a face takes up four times as much of the input (a 30 px face in a 640 px photo is
    found that way). One MediaPipe graph each: not thread-safe."""

    def __init__(self, min_confidence: float = 0.5):
        self.min_confidence = min_confidence
        self._models = self._build()

    def _build(self) -> list:
        import mediapipe as mp  # heavy import, only where faces are detected

        fd = mp.solutions.face_detection
        with quiet_native_logs():
            models = [
                fd.FaceDetection(model_selection=s, min_detection_confidence=self.min_confidence)
                for s in (0, 1)
            ]
            # The delegate and feedback-manager lines come on each graph's first run.
            for model in models:
                model.process(np.zeros((8, 8, 3), np.uint8))
        return models

    def __call__(self, image: np.ndarray) -> list[Face]:
        faces = self._detect(image)
        if not faces and _tiles_can_find_more(image.shape[:2]):
            faces = _merge(
                [f.shifted(x0, y0) for x0, y0, tile in _tiles(image) for f in self._detect(tile)]
            )
        faces.sort(key=lambda f: -(f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
        return faces

    def _detect(self, image: np.ndarray) -> list[Face]:
        h, w = image.shape[:2]
        if h < 1 or w < 1:
            return []
        image = np.ascontiguousarray(image)
        found = None
        for model in self._models:
            try:
                found = model.process(image).detections
            except RuntimeError as e:
                # A MediaPipe graph that raised stays broken ("Graph has errors") for every
                # later call: build fresh ones so the next image is unaffected.
                self.close()
                self._models = self._build()
                raise FaceparseError(f"face detection failed on a {w}×{h} image ({e})") from None
            if found:
                break
        faces = []
        for d in found or []:
            b = d.location_data.relative_bounding_box
            box = (b.xmin * w, b.ymin * h, (b.xmin + b.width) * w, (b.ymin + b.height) * h)
            kps = np.array([(k.x * w, k.y * h) for k in d.location_data.relative_keypoints])
            faces.append(Face(box, float(d.score[0]), kps))
        return faces

    def close(self) -> None:
        for m in self._models:
            m.close()


# The whole-image pass finds faces down to about 4% of the photo's longer side (measured with
# the astronaut's face pasted at 12-128 px into 480-2048 px canvases). The tiled second look can
# only add faces smaller than that, so it runs only where such a face would still be worth
# parsing (MIN_FACE_PX wide), and where each tile keeps at least 80 px a side.
FIRST_PASS_MIN_FACE = 0.04
MIN_FACE_PX = 24
MIN_TILED_SIDE = 128


def _tiles_can_find_more(shape: tuple[int, int]) -> bool:
    return min(shape) >= MIN_TILED_SIDE and FIRST_PASS_MIN_FACE * max(shape) > MIN_FACE_PX


def _tiles(image: np.ndarray, overlap: float = 0.25):
    """2×2 tiles, each (1 + overlap) / 2 of the image per side: (x0, y0, tile)."""
    h, w = image.shape[:2]
    th, tw = int(h * (1 + overlap) / 2), int(w * (1 + overlap) / 2)
    for y0 in (0, h - th):
        for x0 in (0, w - tw):
            yield x0, y0, image[y0 : y0 + th, x0 : x0 + tw]


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _merge(faces: list[Face], iou: float = 0.3) -> list[Face]:
    """Non-maximum suppression: a face seen in two overlapping tiles is kept once."""
    kept: list[Face] = []
    for f in sorted(faces, key=lambda f: -f.score):
        if all(_iou(f.box, k.box) < iou for k in kept):
            kept.append(f)
    return kept
