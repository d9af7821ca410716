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


def test_mirror_ids_pair_the_sides_of_the_canonical_face():
    from faceparse.depth.mesh_files import CanonicalFace, model_dir

    face = CanonicalFace.load(model_dir(None))
    mirror = face.mirror_ids()
    assert (mirror[mirror] == np.arange(468)).all()
    assert mirror[33] == 263 and mirror[61] == 291 and mirror[1] == 1  # eye and mouth corners
    assert np.allclose(face.vertices[mirror], face.vertices * [-1, 1, 1])
