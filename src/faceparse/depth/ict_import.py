"""Build ict_head_light.npz from the official ICT-FaceKit release (github.com/ICT-VGL/ICT-FaceKit).

The release's `FaceXModel/` holds `generic_neutral_mesh.obj`, one full mesh per identity
principal component (`identity000.obj` …) and per expression blendshape (every other .obj), all
in the same topology, plus `vertex_indices.json` (`idx_to_landmark_verts`: the 68 iBUG landmark
vertices). Vertex ranges are fixed by the topology: face [0, 9409), head and neck [9409, 11248);
the rest (mouth/eye sockets, teeth, eyeballs…) is dropped. Offsets are stored as float16, as
the depth renderer needs only centimetre-level precision.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import ModelFileError
from ..imageio import atomic_open

FACE_VERTICES = 9409
HEAD_VERTICES = 11248
NEUTRAL = "generic_neutral_mesh.obj"


def read_obj(path: Path) -> tuple[np.ndarray, list[list[int]]]:
    """Vertices (N, 3) and polygons (0-based vertex ids) of a Wavefront OBJ."""
    verts, faces = [], []
    with open(path) as f:
        for line in f:
            if line.startswith("v "):
                verts.append(line.split()[1:4])
            elif line.startswith("f "):
                faces.append([int(tok.split("/")[0]) - 1 for tok in line.split()[1:]])
    if not verts:
        raise ModelFileError(f"{path}: no vertices in this OBJ file")
    return np.asarray(verts, np.float64), faces


def triangulate(polygons: list[list[int]], keep_below: int) -> np.ndarray:
    """Fan-triangulate polygons whose vertices all lie below `keep_below`."""
    tris = [
        (p[0], p[i], p[i + 1])
        for p in polygons
        if max(p) < keep_below
        for i in range(1, len(p) - 1)
    ]
    return np.asarray(tris, np.int32).reshape(-1, 3)


def import_ict(
    release: str | Path,
    out: str | Path,
    face_vertices: int = FACE_VERTICES,
    head_vertices: int = HEAD_VERTICES,
) -> Path:
    """Convert an ICT-FaceKit checkout (or its FaceXModel folder) to the npz the renderer reads."""
    folder = Path(release)
    if (folder / "FaceXModel").is_dir():
        folder = folder / "FaceXModel"
    neutral_path, index_path = folder / NEUTRAL, folder / "vertex_indices.json"
    for p in (neutral_path, index_path):
        if not p.is_file():
            raise ModelFileError(f"{p}: not found; expected the ICT-FaceKit FaceXModel layout")
    neutral, polygons = read_obj(neutral_path)
    if len(neutral) < head_vertices:
        raise ModelFileError(f"{neutral_path}: {len(neutral)} vertices, expected ≥ {head_vertices}")
    identity_paths = sorted(folder.glob("identity*.obj"))
    expression_paths = sorted(
        p for p in folder.glob("*.obj") if p.name != NEUTRAL and p not in identity_paths
    )
    if not identity_paths:
        raise ModelFileError(f"{folder}: no identity*.obj files")

    def offsets(paths: list[Path]) -> np.ndarray:
        out = np.empty((len(paths), head_vertices, 3), np.float16)
        for i, p in enumerate(paths):
            verts, _ = read_obj(p)
            if len(verts) != len(neutral):
                raise ModelFileError(
                    f"{p}: {len(verts)} vertices, the neutral mesh has {len(neutral)}"
                )
            out[i] = verts[:head_vertices] - neutral[:head_vertices]
        return out

    try:
        landmarks = json.loads(index_path.read_text())["idx_to_landmark_verts"]
    except (ValueError, KeyError) as e:
        raise ModelFileError(f"{index_path}: no readable 'idx_to_landmark_verts' ({e})") from e
    out = Path(out)
    with atomic_open(out) as f:
        np.savez_compressed(
            f,
            mean=neutral[:head_vertices].astype(np.float32),
            triangles=triangulate(polygons, head_vertices),
            identity=offsets(identity_paths),
            expression=offsets(expression_paths),
            identity_names=np.array([p.stem for p in identity_paths]),
            expression_names=np.array([p.stem for p in expression_paths]),
            landmarks68=np.asarray(landmarks, np.int32),
            face_vertices=np.array([0, face_vertices]),
            head_neck_vertices=np.array([face_vertices, head_vertices]),
        )
    return out
