"""MediaPipe face mesh (0.10.21 ships the model in its wheel): 468 3D landmarks per face."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import FaceparseError
from .native_logs import quiet_native_logs


@dataclass(frozen=True)
class FaceLandmarks:
    """468 points in pixels: x right, y down, z away from the camera (same scale as x)."""

    points: np.ndarray  # (468, 3) float64
    num_faces: int  # faces found in the image; `points` is the largest

    @property
    def box(self) -> tuple[float, float, float, float]:
        x0, y0 = self.points[:, :2].min(0)
        x1, y1 = self.points[:, :2].max(0)
        return float(x0), float(y0), float(x1), float(y1)


class FaceMeshDetector:
    """Thin wrapper: one MediaPipe graph per instance (not thread-safe; one per worker)."""

    def __init__(self, max_faces: int = 4, min_confidence: float = 0.5):
        self.max_faces, self.min_confidence = max_faces, min_confidence
        self._mesh = self._build()
        # The landmark-projection warning comes on the first run that finds a face.
        self._quiet = True

    def _build(self):
        import mediapipe as mp  # heavy import, only where landmarks are needed

        with quiet_native_logs():
            mesh = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=True,
                max_num_faces=self.max_faces,
                refine_landmarks=False,
                min_detection_confidence=self.min_confidence,
            )
            # The delegate and feedback-manager lines come on the graph's first run.
            mesh.process(np.zeros((8, 8, 3), np.uint8))
        return mesh

    def __call__(self, image: np.ndarray) -> FaceLandmarks | None:
        """Landmarks of the largest face in an RGB uint8 image, or None if there is no face."""
        h, w = image.shape[:2]
        if h < 1 or w < 1:
            return None
        try:
            with quiet_native_logs() if self._quiet else contextlib.nullcontext():
                result = self._mesh.process(np.ascontiguousarray(image))
        except RuntimeError as e:
            # A graph that raised stays broken for every later call: start a fresh one.
            self._mesh.close()
            self._mesh = self._build()
            raise FaceparseError(f"face mesh failed on a {w}×{h} image ({e})") from None
        if not result.multi_face_landmarks:
            return None
        self._quiet = False
        faces = []
        for face in result.multi_face_landmarks:
            # MediaPipe normalises x by width, y by height and z like x.
            pts = np.array([(p.x * w, p.y * h, p.z * w) for p in face.landmark[:468]])
            faces.append(pts)
        areas = [np.prod(f[:, :2].max(0) - f[:, :2].min(0)) for f in faces]
        return FaceLandmarks(faces[int(np.argmax(areas))], len(faces))

    def close(self) -> None:
        self._mesh.close()


def _edge_loop(edges) -> list[int]:
    """Order a closed contour given as an unordered set of (a, b) edges."""
    nbrs: dict[int, list[int]] = {}
    for a, b in edges:
        nbrs.setdefault(a, []).append(b)
        nbrs.setdefault(b, []).append(a)
    start = min(nbrs)
    loop, prev = [start], None
    while True:
        nxt = next(n for n in nbrs[loop[-1]] if n != prev)
        if nxt == start:
            return loop
        prev = loop[-1]
        loop.append(nxt)


def opening_contours() -> list[list[int]]:
    """Landmark ids around the eye openings and the inner lips (MediaPipe's own contour sets)."""
    from mediapipe.python.solutions import face_mesh_connections as fc

    inner_lips = {(a, b) for a, b in fc.FACEMESH_LIPS if a in _INNER_LIP and b in _INNER_LIP}
    return [
        _edge_loop(fc.FACEMESH_LEFT_EYE),
        _edge_loop(fc.FACEMESH_RIGHT_EYE),
        _edge_loop(inner_lips),
    ]


def polygon_mask(points: np.ndarray, ids, size: tuple[int, int]) -> np.ndarray:
    """The filled polygon through landmarks `ids` (e.g. the face oval: the landmark face region)."""
    mask = np.zeros(size, np.uint8)
    cv2.fillPoly(mask, [np.round(points[list(ids), :2]).astype(np.int32)], 1)
    return mask > 0


def face_oval() -> list[int]:
    """Landmark ids of the face outline, in order around the face."""
    from mediapipe.python.solutions import face_mesh_connections as fc

    return _edge_loop(fc.FACEMESH_FACE_OVAL)


# The inner lip line of MediaPipe's lip contour set (the set also holds the outer line).
_INNER_LIP = frozenset(
    (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)
)


def widen_face(
    points: np.ndarray, oval: np.ndarray, top: float, side: float, bottom: float
) -> np.ndarray:
    """The 468 landmarks plus one outer ring past the face outline (`oval`, ordered ids). Each
    outline point moves out from the face centre by (side + top × up² + bottom × down²) × face
    height, where up/down say how much its direction points to the forehead/chin; its z recedes
    by the same distance, as the skull and neck curve away beyond the outline."""
    center = points[:, :2].mean(0)
    up = points[10, :2] - points[152, :2]  # chin (152) to the top of the forehead (10)
    height = float(np.linalg.norm(up))
    up /= max(height, 1e-9)
    outward = points[oval, :2] - center
    outward /= np.maximum(np.linalg.norm(outward, axis=1, keepdims=True), 1e-9)
    cos_up = outward @ up
    dist = side + top * np.clip(cos_up, 0, None) ** 2 + bottom * np.clip(-cos_up, 0, None) ** 2
    dist *= height
    ring = points[oval].copy()
    ring[:, :2] += outward * dist[:, None]
    ring[:, 2] += dist  # z grows away from the camera
    return np.concatenate([points, ring])
