"""Tests of faceparse.depth.mesh_files."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.depth.mesh_files import HeadModel, ModelFileError


def test_malformed_model_file_fails_before_work(tmp_path):
    np.savez(tmp_path / "ict_head_light.npz", mean=np.zeros((5, 2)))
    with pytest.raises(ModelFileError, match="'mean' has shape"):
        HeadModel.load(tmp_path)
    with pytest.raises(ModelFileError, match="model file not found"):
        HeadModel.load(tmp_path / "nowhere")
