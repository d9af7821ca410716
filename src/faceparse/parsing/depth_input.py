"""The depth a photo is parsed with: a map given with it (`given_depth`), or one rendered per
face from a fitted 3D head (`FaceParser._render_depth`, with HAIR_NOTE where the hair segmenter
is missing)."""

from __future__ import annotations

import os
from typing import Any

import cv2
import numpy as np

from ..errors import DataError
from ..imageio import read_gray

HAIR_NOTE = "no skin_clothes_hair.onnx in the model folder (--model-dir or $FACEPARSE_MODEL_DIR)"


def given_depth(depth: Any, image: np.ndarray, source: str | None) -> np.ndarray | None:
    """A depth map given with a photo (path or H×W uint8 array) at the working image's size,
    or None."""
    if depth is None:
        return None
    d = read_gray(depth) if isinstance(depth, str | os.PathLike) else np.asarray(depth)
    if d.ndim != 2 or d.dtype != np.uint8:
        raise DataError(
            depth if isinstance(depth, str | os.PathLike) else "depth array",
            "format",
            f"depth for {source or 'image'}: an H×W uint8 map, got {d.shape} {d.dtype}",
        )
    if d.shape != image.shape[:2]:
        # A depth map at the photo's full size goes down with it when it is parsed smaller.
        d = cv2.resize(d, image.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    return d
