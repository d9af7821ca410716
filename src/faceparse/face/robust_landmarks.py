"""An occlusion-resistant face mesh (issue #29): a network distilled from MediaPipe's face mesh
on occluded copies of each face regresses the same 468 3D landmarks from a face crop
(`faceparse.models.landmark_regressor`, run here from its ONNX export).

The crop is the one the network was trained on: a square of `CROP_SCALE` × the detector's box
side around the box centre, turned so the detector's eye keypoints lie level, resized to the
network's input. `fuse_landmarks` keeps MediaPipe's points where the two agree and the
student's where they do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelFileError
from ..normalization import normalize_rgb
from .detect import Face, FaceDetector
from .landmarks import FaceLandmarks

# The landmark sources a head fit can use (`DepthConfig.fit`, `ParseOptions.depth_fit`).
FITS = ("mediapipe", "robust", "fused")
CROP_SCALE = 1.5
CROP_SIZE = 192
# MediaPipe's outer eye corners: fusion's tolerance is a fraction of the distance between them.
OUTER_EYE_CORNERS = (33, 263)


@dataclass(frozen=True)
class CropFrame:
    """Image pixels -> crop pixels: p_crop = matrix @ [x, y, 1]; `side` is the crop's side in
    image pixels (so image z, in pixels like x, is `side` × crop-unit z)."""

    matrix: np.ndarray  # (2, 3)
    side: float
    size: int

    def to_image(self, crop_units: np.ndarray) -> np.ndarray:
        """(N, 3) points in crop units (x, y in 0..1, z / side) -> image pixels."""
        inverse = cv2.invertAffineTransform(self.matrix)
        xy = crop_units[:, :2] * self.size
        out = np.empty_like(crop_units, dtype=np.float64)
        out[:, :2] = xy @ inverse[:, :2].T + inverse[:, 2]
        out[:, 2] = crop_units[:, 2] * self.side
        return out

    def to_crop_units(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) image-pixel points -> crop units, z centred on its mean."""
        out = np.empty_like(points, dtype=np.float64)
        out[:, :2] = (points[:, :2] @ self.matrix[:, :2].T + self.matrix[:, 2]) / self.size
        out[:, 2] = (points[:, 2] - points[:, 2].mean()) / self.side
        return out

    def warp(self, image: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(
            image,
            self.matrix,
            (self.size, self.size),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )


def crop_frame(
    face: Face,
    size: int = CROP_SIZE,
    scale: float = CROP_SCALE,
    shift: tuple[float, float] = (0.0, 0.0),
    angle: float = 0.0,
) -> CropFrame:
    """The crop of a detected face; `shift` (in box sides), `scale` and `angle` (degrees, on top
    of the eye line's) jitter it in training."""
    x0, y0, x1, y1 = face.box
    side = scale * max(x1 - x0, y1 - y0)
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2]) + np.asarray(shift) * max(x1 - x0, y1 - y0)
    right_eye, left_eye = face.keypoints[0], face.keypoints[1]  # the subject's
    eyes = left_eye - right_eye
    roll = np.degrees(np.arctan2(eyes[1], eyes[0]))
    matrix = cv2.getRotationMatrix2D(tuple(centre), roll + angle, size / side)
    matrix[:, 2] += size / 2 - centre
    return CropFrame(matrix, side, size)


def fuse_landmarks(mediapipe: np.ndarray, student: np.ndarray, tolerance: float = 0.08):
    """Per point, MediaPipe where it lies within `tolerance` × the inter-ocular distance of the
    student (an unoccluded part, where MediaPipe is the finer of the two), the student where it
    strays (occluded parts drag MediaPipe's points), blended smoothly between."""
    a, b = OUTER_EYE_CORNERS
    scale = max(float(np.linalg.norm(student[a, :2] - student[b, :2])), 1e-6)
    d = np.linalg.norm(mediapipe[:, :2] - student[:, :2], axis=1) / scale
    trust = np.exp(-((d / tolerance) ** 2))[:, None]
    fused = trust * mediapipe + (1 - trust) * student
    # z: MediaPipe's is relative to its own centre; put the student's on the same footing
    fused[:, 2] = trust[:, 0] * mediapipe[:, 2] + (1 - trust[:, 0]) * (
        student[:, 2] - student[:, 2].mean() + mediapipe[:, 2].mean()
    )
    return fused


class RobustFaceMesh:
    """`RobustFaceMesh(path)(rgb) -> FaceLandmarks | None`: the detector's largest face, its
    crop through the distilled network. One ONNX session and detector per instance (not
    thread-safe; one per worker)."""

    def __init__(self, path: str | Path, detector: FaceDetector | None = None, threads: int = 1):
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise ModelFileError(f"{path}: robust face-mesh model not found")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # several types, from onnxruntime's private bindings
            raise ModelFileError(f"{path}: not a loadable ONNX model ({e})") from e
        self.size = int(self.session.get_inputs()[0].shape[2])
        self.detector = detector or FaceDetector()

    def from_face(self, image: np.ndarray, face: Face) -> np.ndarray:
        """(468, 3) landmarks in image pixels for one detected face."""
        frame = crop_frame(face, self.size)
        x = normalize_rgb(frame.warp(image))[None]
        return frame.to_image(self.session.run(None, {"input": x})[0][0].astype(np.float64))

    def __call__(self, image: np.ndarray) -> FaceLandmarks | None:
        faces = self.detector(image)
        if not faces:
            return None
        return FaceLandmarks(self.from_face(image, faces[0]), len(faces))

    def close(self) -> None:
        self.detector.close()
