"""468 face landmarks without MediaPipe: the shipped canonical face posed in an image."""

from __future__ import annotations

import numpy as np


def canonical_points(centre=(100.0, 110.0), px_per_cm: float = 6.0) -> np.ndarray:
    """(468, 3) pixels, x right, y down, z away from the camera (MediaPipe's frame)."""
    from faceparse.depth.mesh_files import CanonicalFace, model_dir

    v = CanonicalFace.load(model_dir(None)).vertices  # cm, y up, z towards the viewer
    return v * [px_per_cm, -px_per_cm, -px_per_cm] + [*centre, 0.0]
