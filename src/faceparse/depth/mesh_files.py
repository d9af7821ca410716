"""The mesh files depth rendering needs, found by path, by $FACEPARSE_MODEL_DIR, in the
user's data folder (`user_model_dir`), or else in the copies shipped inside the package
(faceparse/meshes/, with their licences). Formats (all .npz):

* ict_head_light.npz — ICT-FaceKit head: `mean` (V,3) cm (y up, z towards the viewer),
  `triangles` (T,3), `identity` (100,V,3) and `expression` (57,V,3) offsets, `face_vertices` and
  `head_neck_vertices` ranges [start, stop). Build it with `faceparse depth import-ict`.
* mediapipe_canonical_face.npz — `vertices` (468,3) cm, `triangles` (898,3).
* ict_mediapipe_dense.npz — for each MediaPipe landmark the ICT `triangle` id and `barycentric`
  weights (468,3) of the corresponding surface point.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import ModelFileError

HEAD_FILE = "ict_head_light.npz"
CANONICAL_FILE = "mediapipe_canonical_face.npz"
DENSE_FILE = "ict_mediapipe_dense.npz"
HAIR_FILE = "skin_clothes_hair.onnx"


# Model axes (y up, z towards the viewer) -> image axes (y down, z away from the camera).
AXIS_FLIP = np.array([1.0, -1.0, -1.0])


def user_model_dir() -> Path:
    """The per-user default: $XDG_DATA_HOME/faceparse/models (~/.local/share/faceparse/models)."""
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "faceparse" / "models"


def packaged_model_dir() -> Path:
    """The mesh files shipped inside the package (no hair segmenter: it is not ours to ship)."""
    return Path(str(resources.files("faceparse") / "meshes"))


def model_dir(explicit: str | Path | None = None) -> Path:
    """Where model files live: explicit > $FACEPARSE_MODEL_DIR > user_model_dir() where it
    holds the head model > the packaged copies. (The Makefile and the tests point the variable
    at a development checkout's ../shared/models.)"""
    named = explicit or os.environ.get("FACEPARSE_MODEL_DIR")
    if not named:
        user = user_model_dir()
        return user if (user / HEAD_FILE).is_file() else packaged_model_dir()
    folder = Path(named)
    if folder.is_dir():
        return folder
    raise ModelFileError(
        f"model folder {folder} not found; pass --model-dir or set FACEPARSE_MODEL_DIR to a "
        "folder holding " + ", ".join((HEAD_FILE, CANONICAL_FILE, DENSE_FILE))
    )


def hair_model_found(explicit: str | Path | None = None) -> bool:
    """Whether the model folder holds the skin/clothes/hair segmenter (`hair: predicted`)."""
    return (model_dir(explicit) / HAIR_FILE).is_file()


def load_npz(path: Path, required: dict[str, tuple]) -> dict[str, np.ndarray]:
    """Load and check shapes: `required` maps key -> shape with None for any size."""
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except Exception as e:
        raise ModelFileError(f"{path}: not a readable .npz file ({e})") from e
    for key, shape in required.items():
        if key not in data:
            raise ModelFileError(f"{path}: missing array {key!r}")
        got = data[key].shape
        if len(got) != len(shape) or any(
            s is not None and s != g for s, g in zip(shape, got, strict=True)
        ):
            raise ModelFileError(f"{path}: {key!r} has shape {got}, expected {shape}")
    return data


@dataclass(frozen=True)
class CanonicalFace:
    vertices: np.ndarray  # (468, 3) cm
    triangles: np.ndarray  # (898, 3)

    @classmethod
    def load(cls, folder: Path) -> CanonicalFace:
        d = load_npz(folder / CANONICAL_FILE, {"vertices": (468, 3), "triangles": (None, 3)})
        return cls(d["vertices"].astype(np.float64), d["triangles"].astype(np.int64))

    def mirror_ids(self) -> np.ndarray:
        """mirror[i]: the landmark at point i's place in the mirrored face (the canonical face
        is symmetric about x = 0), so a flipped photo's landmarks are `points[mirror]`."""
        flipped = self.vertices * [-1, 1, 1]
        d = np.linalg.norm(self.vertices[:, None] - flipped[None], axis=2)
        return d.argmin(1)


@dataclass(frozen=True)
class HeadModel:
    mean: np.ndarray  # (V, 3) cm, y up, z towards the viewer
    triangles: np.ndarray  # (T, 3)
    identity: np.ndarray  # (K, V, 3)
    expression: np.ndarray  # (E, V, 3)
    face_vertex_range: tuple[int, int]
    # The model at the landmarks, already in the image frame's axes (y and z flipped):
    landmark_mean: np.ndarray  # (468, 3)
    landmark_basis: np.ndarray  # (K + E, 468, 3): identity then expression offsets

    @classmethod
    def load(cls, folder: Path) -> HeadModel:
        head = load_npz(
            folder / HEAD_FILE,
            {
                "mean": (None, 3),
                "triangles": (None, 3),
                "identity": (None, None, 3),
                "expression": (None, None, 3),
                "face_vertices": (2,),
            },
        )
        dense = load_npz(folder / DENSE_FILE, {"triangle": (468,), "barycentric": (468, 3)})
        v = head["mean"].shape[0]
        tris = head["triangles"].astype(np.int64)
        if tris.max() >= v or tris.min() < 0:
            raise ModelFileError(f"{folder / HEAD_FILE}: triangle ids outside 0..{v - 1}")
        if dense["triangle"].max() >= len(tris):
            raise ModelFileError(f"{folder / DENSE_FILE}: triangle ids beyond the head model's")
        corr_vertices = tris[dense["triangle"]]
        weights = dense["barycentric"].astype(np.float64)

        # Dense correspondence: landmark i = sum_j weights[i, j] * vertex[corr_vertices[i, j]]
        def at_landmarks(per_vertex: np.ndarray) -> np.ndarray:
            picked = per_vertex[..., corr_vertices, :].astype(np.float64)  # (..., 468, 3, 3)
            return np.einsum("...ijk,ij->...ik", picked, weights) * AXIS_FLIP

        return cls(
            mean=head["mean"].astype(np.float64),
            triangles=tris,
            identity=head["identity"].astype(np.float32),
            expression=head["expression"].astype(np.float32),
            face_vertex_range=tuple(int(x) for x in head["face_vertices"]),
            landmark_mean=at_landmarks(head["mean"]),
            landmark_basis=np.concatenate(
                [at_landmarks(head["identity"]), at_landmarks(head["expression"])]
            ),
        )
