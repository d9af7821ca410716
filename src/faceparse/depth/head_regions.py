"""Which part of the head each pixel of a face photo shows, from the ICT head fitted to its
face-mesh landmarks (the same fit as the `head` depth backend): face, either ear, neck or scalp.

The regions are cut on the model's mean shape once, in its own axes (cm; x towards the
subject's left, y up, z towards the viewer), and follow every fitted identity and expression:

* ears — face-group vertices beyond the cheek (|x| > EAR_MIN_X) between the lobe and the top of
  the ear, behind the jaw's front (z < EAR_MAX_Z);
* neck — below a line seen from the side: the jaw contour (iBUG landmarks 3–8, jaw angle to
  chin) in front, under the ear lobe, and the skull base behind;
* scalp — the rest of the head-and-neck group.

These thresholds were set by rendering the mean head from the front, at 40° and 90°, and from
behind, and looking at the regions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..face.landmarks import FaceMeshDetector
from .fit import fit_head
from .mesh_files import HEAD_FILE, HeadModel, load_npz, model_dir
from .raster import rasterize

REGIONS = ("none", "face", "right_ear", "left_ear", "neck", "scalp")  # subject's sides
EAR_MIN_X, EAR_Y_RANGE, EAR_MAX_Z = 6.9, (-2.6, 5.2), 3.2
# The neck line behind the jaw: (z, y) from the back of the head to just under the ear lobe.
_NECK_BACK = ((-10.0, -6.5), (-4.0, -5.5), (0.5, -2.6), (2.5, -2.6))


def vertex_regions(mean: np.ndarray, face_vertex_stop: int, jaw: np.ndarray) -> np.ndarray:
    """Region id (index into REGIONS) per vertex of the mean head; `jaw` is iBUG landmarks 3–8
    (jaw angle to chin), (6, 3) cm."""
    x, y, z = mean.T
    face_group = np.arange(len(mean)) < face_vertex_stop
    zs = np.concatenate([[p[0] for p in _NECK_BACK], jaw[:, 2], [jaw[-1, 2] + 4.0]])
    ys = np.concatenate([[p[1] for p in _NECK_BACK], jaw[:, 1], [jaw[-1, 1]]])
    neck = y < np.interp(z, zs, ys)
    ear = (
        face_group
        & (np.abs(x) > EAR_MIN_X)
        & (y > EAR_Y_RANGE[0])
        & (y < EAR_Y_RANGE[1])
        & (z < EAR_MAX_Z)
    )
    out = np.where(face_group, REGIONS.index("face"), REGIONS.index("scalp")).astype(np.uint8)
    out[neck] = REGIONS.index("neck")
    out[ear & (x < 0)] = REGIONS.index("right_ear")
    out[ear & (x > 0)] = REGIONS.index("left_ear")
    return out


def triangle_regions(triangles: np.ndarray, per_vertex: np.ndarray) -> np.ndarray:
    """Each triangle's region: the one at least two of its corners share, else its first's."""
    r = per_vertex[triangles]
    two_agree = np.where(r[:, 1] == r[:, 2], r[:, 1], r[:, 0])
    return np.where((r[:, 0] == r[:, 1]) | (r[:, 0] == r[:, 2]), r[:, 0], two_agree)


@dataclass
class HeadRegionMap:
    regions: np.ndarray  # uint8 H×W, index into REGIONS (0 where no head is drawn)
    points: np.ndarray  # the face-mesh landmarks it was fitted to (468, 3) pixels


class HeadRegionRenderer:
    """`HeadRegionRenderer()(rgb) -> HeadRegionMap | None` (None: no face found). Holds a
    MediaPipe graph: one per worker."""

    def __init__(self, folder: str | Path | None = None, fit_iterations: int = 2):
        folder = model_dir(folder)
        self.head = HeadModel.load(folder)
        ids = load_npz(folder / HEAD_FILE, {"landmarks68": (68,)})["landmarks68"]
        per_vertex = vertex_regions(
            self.head.mean, self.head.face_vertex_range[1], self.head.mean[ids[3:9]]
        )
        self.tri_regions = triangle_regions(self.head.triangles, per_vertex)
        self.fit_iterations = fit_iterations
        self.detector = FaceMeshDetector()

    def __call__(self, image: np.ndarray) -> HeadRegionMap | None:
        found = self.detector(image)
        if found is None:
            return None
        fit = fit_head(self.head, found.points, iterations=self.fit_iterations)
        verts = fit.vertices(self.head)
        _, tri = rasterize(verts * [1, 1, -1], self.head.triangles, image.shape[:2])
        regions = np.where(tri >= 0, self.tri_regions[np.maximum(tri, 0)], 0).astype(np.uint8)
        return HeadRegionMap(regions, found.points)

    def close(self) -> None:
        self.detector.close()
