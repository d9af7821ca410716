"""Where the tests find the repository, ../shared and its model files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO
# ../shared beside the checkout (CI puts it there); override with FACEPARSE_SHARED.
SHARED = Path(os.environ.get("FACEPARSE_SHARED", REPO.parent / "shared"))
MODELS = SHARED / "models"
TEACHER = MODELS / "skin_clothes_hair.onnx"
SMOKE = REPO / "configs" / "synthetic" / "mutual_translate.yaml"

needs_models = pytest.mark.skipif(
    not (MODELS / "ict_head_light.npz").is_file(), reason=f"model files absent from {MODELS}"
)
