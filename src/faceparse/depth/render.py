"""Depth maps from 3D face/head reconstruction: `DepthRenderer(config)(image) -> (depth, info)`.

Fits (`DepthConfig.fit`, which landmarks the head is fitted to):
* `mediapipe` — MediaPipe's face mesh. Occlusion-sensitive: a hand or a mask drags its points.
* `robust` — the distilled occlusion-resistant mesh (`faceparse.face.robust_landmarks`).
* `fused` — MediaPipe's points where the two agree, the robust ones where they do not, and the
  robust mesh alone where MediaPipe finds no face (profiles).

Backends:
* `face` — MediaPipe's 468 landmarks rendered through its own 898-triangle mesh: the face only.
* `head` — the ICT-FaceKit head fitted to those landmarks, face + scalp + ears + neck, with the
  eye and mouth openings closed. This is what the released RGB-D face sets look like.

`hair="predicted"` extends the head over the hair that a segmenter predicts (the head model stops
at a bald scalp) and clips the neck to predicted skin/hair. Ground-truth labels are never used.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from ..errors import ConfigError, UnknownNameError
from ..face.landmarks import (
    FaceLandmarks,
    FaceMeshDetector,
    face_oval,
    opening_contours,
    widen_face,
)
from ..face.robust_landmarks import FITS, RobustFaceMesh, fuse_landmarks
from ..face.segmenter import HairSegmenter
from .fit import fit_head, umeyama
from .mesh_files import HAIR_FILE, CanonicalFace, HeadModel, model_dir
from .normalize import level_size_mm, normalize_depth
from .raster import rasterize

Backend = Literal["face", "head"]
Fit = Literal["mediapipe", "robust", "fused"]
# The distilled face mesh shipped in the package (`fit_model` overrides it).
ROBUST_MESH_FILE = Path(__file__).resolve().parents[1] / "weights" / "robust_face_mesh.int8.onnx"


@dataclass(frozen=True)
class DepthConfig:
    backend: Backend = "head"
    fit: Fit = "mediapipe"
    fit_model: str | None = None  # ONNX of the robust mesh; default ROBUST_MESH_FILE
    hair: Literal["none", "predicted"] = "none"
    normalization: Literal["minmax", "metric"] = "minmax"
    mm_per_level: float = 1.0  # metric mode: millimetres per grey level
    model_dir: str | None = None
    hair_model: str | None = None  # ONNX skin/clothes/hair segmenter; default in model_dir
    # face backend: the mesh is widened past its outline by these fractions of the face height
    # (MediaPipe's mesh stops below the hairline, and above the neck that labelled skin includes).
    face_margin_top: float = 0.12
    face_margin_side: float = 0.03
    face_margin_bottom: float = 0.15
    fit_iterations: int = 2
    # A fit is flagged "poor" when its median landmark error exceeds this fraction of face size.
    poor_fit_fraction: float = 0.03
    # Eye and mouth openings: "closed" (a smooth surface, as in the released RGB-D face sets) or
    # "recessed" (the eye openings and the gap between the lips sink by `opening_depth_mm`
    # behind the surrounding surface, so a depth parser can see where eyes and lips are).
    openings: Literal["closed", "recessed"] = "closed"
    opening_depth_mm: float = 6.0

    def __post_init__(self) -> None:
        choices = {
            "backend": ("face", "head"),
            "fit": FITS,
            "hair": ("none", "predicted"),
            "normalization": ("minmax", "metric"),
            "openings": ("closed", "recessed"),
        }
        for field_name, allowed in choices.items():
            if getattr(self, field_name) not in allowed:
                raise UnknownNameError(f"depth {field_name}", getattr(self, field_name), allowed)
        if self.hair == "predicted" and self.backend != "head":
            raise ConfigError("hair: predicted extends the head backend; use backend head")


@dataclass
class DepthInfo:
    status: Literal["ok", "no_face"]
    num_faces: int = 0
    fit: str | None = None  # which landmarks made the map: mediapipe, robust or fused
    reprojection_px: float | None = None
    poor_fit: bool = False
    px_per_cm: float | None = None
    coverage: float = 0.0  # fraction of the image with depth
    mm_per_level: float | None = None  # one grey level in millimetres (minmax: per image)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class DepthRenderer:
    """Holds the models (loaded and checked once); not thread-safe, use one per worker."""

    def __init__(self, config: DepthConfig = DepthConfig()):
        self.config = config
        folder = model_dir(config.model_dir)
        # Load every file first so a missing or malformed one fails before any work starts.
        self.canonical = CanonicalFace.load(folder)
        self.head = HeadModel.load(folder) if config.backend == "head" else None
        self.hair = None
        if config.hair == "predicted":
            self.hair = HairSegmenter(Path(config.hair_model or folder / HAIR_FILE))
        self.detector = FaceMeshDetector() if config.fit != "robust" else None
        self.robust = None
        if config.fit != "mediapipe":
            self.robust = RobustFaceMesh(Path(config.fit_model or ROBUST_MESH_FILE))
        self._openings = opening_contours()
        self._oval = np.array(face_oval())
        self._face_tris = np.concatenate([self.canonical.triangles, _skirt_triangles(self._oval)])
        if self.head is not None:
            start, stop = self.head.face_vertex_range
            self._head_neck_tris = ~np.all(
                (self.head.triangles >= start) & (self.head.triangles < stop), axis=1
            )

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, DepthInfo]:
        """RGB uint8 H×W×3 -> depth uint8 H×W (0 = background, nearer = brighter), info."""
        t0 = time.perf_counter()
        landmarks, fit = self.landmarks(image)
        depth, info = self.render(image, landmarks)
        info.fit = fit
        info.seconds = time.perf_counter() - t0
        return depth, info

    def landmarks(self, image: np.ndarray) -> tuple[FaceLandmarks | None, str | None]:
        """The face's landmarks by the configured fit, and which fit gave them."""
        mediapipe = self.detector(image) if self.detector is not None else None
        if self.robust is None:
            return mediapipe, "mediapipe" if mediapipe else None
        robust = self.robust(image)
        if robust is None or mediapipe is None:
            # fused: the robust mesh covers faces MediaPipe misses, and MediaPipe those the
            # detector (which the robust mesh starts from) misses
            found = robust or mediapipe
            return found, None if found is None else ("robust" if robust else "mediapipe")
        fused = fuse_landmarks(mediapipe.points, robust.points)
        return FaceLandmarks(fused, max(mediapipe.num_faces, robust.num_faces)), "fused"

    def render(
        self, image: np.ndarray, landmarks: FaceLandmarks | None
    ) -> tuple[np.ndarray, DepthInfo]:
        """The depth map of the face whose 468 `landmarks` are given (None: no face)."""
        t0 = time.perf_counter()
        h, w = image.shape[:2]
        if landmarks is None:
            return np.zeros((h, w), np.uint8), DepthInfo(
                "no_face", seconds=time.perf_counter() - t0
            )
        pts = landmarks.points
        info = DepthInfo("ok", num_faces=landmarks.num_faces)
        if self.head is None:
            pose = umeyama(self.canonical.vertices * [1, -1, -1], pts, np.array([1, 1, 0.5]))
            verts = widen_face(
                pts,
                self._oval,
                self.config.face_margin_top,
                self.config.face_margin_side,
                self.config.face_margin_bottom,
            )
            z, _ = rasterize(verts * [1, 1, -1], self._face_tris, (h, w))
            info.px_per_cm = pose.scale
            # reprojection_px stays None: the mesh is the landmarks themselves, nothing is fitted
        else:
            fit = fit_head(self.head, pts, iterations=self.config.fit_iterations)
            verts = fit.vertices(self.head)
            z, tri = rasterize(verts * [1, 1, -1], self.head.triangles, (h, w))
            info.px_per_cm = fit.pose.scale
            info.reprojection_px = fit.reprojection_px
            x0, y0, x1, y1 = landmarks.box
            info.poor_fit = fit.reprojection_px > self.config.poor_fit_fraction * max(
                x1 - x0, y1 - y0
            )
            probs = self.hair(image) if self.hair is not None else None
            if probs is not None:
                z = clip_to_mask(z, tri, self._head_neck_tris, probs.skin | probs.hair)
            z = close_holes(close_openings(z, pts, self._openings, fit.pose.scale))
            if probs is not None:
                z = extend_over_hair(z, probs.hair)
        if self.config.openings == "recessed":
            z = recess_openings(
                z, pts, self._openings, self.config.opening_depth_mm * info.px_per_cm / 10
            )
        z_cm = z / info.px_per_cm  # pixels -> cm (larger = nearer), background stays -inf
        depth = normalize_depth(z_cm, self.config.normalization, self.config.mm_per_level)
        info.mm_per_level = level_size_mm(z_cm, self.config.normalization, self.config.mm_per_level)
        info.coverage = float((depth > 0).mean())
        info.seconds = time.perf_counter() - t0
        return depth, info

    def close(self) -> None:
        for source in (self.detector, self.robust):
            if source is not None:
                source.close()


def _skirt_triangles(oval: np.ndarray, first_outer: int = 468) -> np.ndarray:
    """Triangles between the outline `oval` and the outer ring `widen_face` appends after the
    468 landmarks (outer copy of oval[k] at first_outer + k)."""
    k = np.arange(len(oval))
    nxt = (k + 1) % len(oval)
    inner, inner_next, outer, outer_next = oval[k], oval[nxt], first_outer + k, first_outer + nxt
    return np.concatenate(
        [np.stack([inner, inner_next, outer_next], 1), np.stack([inner, outer_next, outer], 1)]
    )


def close_openings(
    z: np.ndarray, points: np.ndarray, contours: list[list[int]], px_per_cm: float
) -> np.ndarray:
    """Resurface the eyes and mouth. The head mesh models the eye sockets and the mouth cavity,
    which render deep behind the face, and its openings need not match the landmarks'. Around
    each landmark contour (grown by 6% of the face size) the skin surface is interpolated from
    the ring outside; pixels more than 4 mm behind it (or empty) take the interpolated value,
    while eyelids and lips, which lie on it, keep their own."""
    zone = np.zeros(z.shape, np.uint8)
    for c in contours:
        cv2.fillPoly(zone, [np.round(points[c, :2]).astype(np.int32)], 1)
    size = float(np.ptp(points[:, :2], axis=0).max())
    grow = max(1, int(round(0.06 * size)))
    zone = cv2.dilate(zone, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2)) > 0
    finite = np.isfinite(z)
    surface = fill_from_nearest(np.where(finite, z, 0).astype(np.float32), zone, finite & ~zone)
    deep = zone & (~finite | (z < surface - 0.4 * px_per_cm))
    out = z.copy()
    out[deep] = surface[deep]
    return out


def recess_openings(
    z: np.ndarray, points: np.ndarray, contours: list[list[int]], depth_px: float
) -> np.ndarray:
    """Sink the inside of each landmark contour (eyes, inner lips) `depth_px` behind the
    surface, feathered over two pixels so the rim is a slope rather than a cliff."""
    inside = np.zeros(z.shape, np.uint8)
    for c in contours:
        cv2.fillPoly(inside, [np.round(points[c, :2]).astype(np.int32)], 1)
    sink = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 1.0) * depth_px
    return np.where(np.isfinite(z), z - sink, z)


def close_holes(z: np.ndarray) -> np.ndarray:
    """Fill the openings of the mesh (eyes, mouth) that lie inside the rendered region."""
    fg = np.isfinite(z)
    if not fg.any():
        return z
    # Background reachable from the border is outside; any other background pixel is a hole.
    free = np.pad((~fg).astype(np.uint8), 1, constant_values=1)  # a free ring joins the border
    cv2.floodFill(free, np.zeros((free.shape[0] + 2, free.shape[1] + 2), np.uint8), (0, 0), 2)
    holes = free[1:-1, 1:-1] == 1
    if not holes.any():
        return z
    return fill_from_nearest(z, holes, fg)


def fill_from_nearest(z: np.ndarray, region: np.ndarray, known: np.ndarray) -> np.ndarray:
    """z over `region` from the nearest `known` pixel, then smoothed inside the region."""
    dist_src = np.where(known, 0, 255).astype(np.uint8)
    _, labels = cv2.distanceTransformWithLabels(
        dist_src, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    ys, xs = np.nonzero(known)
    lookup = np.zeros(labels.max() + 1, np.float32)
    lookup[labels[ys, xs]] = z[ys, xs]
    out = z.copy()
    out[region] = lookup[labels[region]]
    blurred = cv2.GaussianBlur(np.where(region | known, out, 0).astype(np.float32), (0, 0), 3)
    out[region] = blurred[region]
    return out


def clip_to_mask(z, tri, head_neck_tris: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Remove scalp/neck pixels outside the predicted skin/hair (e.g. the neck over clothes)."""
    drawn_by_head_neck = (tri >= 0) & head_neck_tris[np.maximum(tri, 0)]
    allowed = cv2.dilate(allowed.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    out = z.copy()
    out[drawn_by_head_neck & ~allowed] = -np.inf
    return out


def extend_over_hair(z: np.ndarray, hair: np.ndarray, drop: float = 0.3) -> np.ndarray:
    """Continue the head surface over predicted hair that touches it, falling off towards the
    hair outline by `drop` × the head's depth range."""
    head = np.isfinite(z)
    if not head.any():
        return z
    region = hair & ~head
    n, comp = cv2.connectedComponents(region.astype(np.uint8), connectivity=8)
    ring = cv2.dilate(head.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    touching = np.unique(comp[ring & region])
    region = np.isin(comp, touching[touching > 0])
    if not region.any():
        return z
    out = fill_from_nearest(np.where(head, z, 0).astype(np.float32), region, head)
    d_head = cv2.distanceTransform((~head).astype(np.uint8), cv2.DIST_L2, 5)
    d_edge = cv2.distanceTransform((region | head).astype(np.uint8), cv2.DIST_L2, 5)
    span = float(z[head].max() - z[head].min())
    fall = drop * span * d_head / np.maximum(d_head + d_edge, 1e-6)
    out[region] -= fall[region]
    out[~(region | head)] = -np.inf
    return out


_DEFAULT: dict[DepthConfig, DepthRenderer] = {}


def render_depth(image: np.ndarray, **config) -> tuple[np.ndarray, DepthInfo]:
    """`depth, info = render_depth(rgb, backend="head", hair="predicted")` (models cached)."""
    cfg = DepthConfig(**config)
    if cfg not in _DEFAULT:
        _DEFAULT[cfg] = DepthRenderer(cfg)
    return _DEFAULT[cfg](image)
