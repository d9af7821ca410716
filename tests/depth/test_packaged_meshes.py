"""The mesh files shipped inside the package: depth works on a fresh install (issue #27)."""

from __future__ import annotations

import hashlib

import pytest
from paths import MODELS

from faceparse.depth.mesh_files import (
    CANONICAL_FILE,
    DENSE_FILE,
    HEAD_FILE,
    HeadModel,
    hair_model_found,
    model_dir,
    packaged_model_dir,
)

MESHES = (HEAD_FILE, CANONICAL_FILE, DENSE_FILE)


@pytest.fixture
def fresh_install(monkeypatch, tmp_path):
    """No model folder named and an empty user data folder, as on a fresh machine."""
    monkeypatch.delenv("FACEPARSE_MODEL_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))


def test_the_three_mesh_files_ship_with_their_licences():
    folder = packaged_model_dir()
    for name in (*MESHES, "LICENSE-ict_head_light", "LICENSE-mediapipe_canonical_face"):
        assert (folder / name).is_file(), name
    assert "MIT License" in (folder / "LICENSE-ict_head_light").read_text()
    assert "Apache License" in (folder / "LICENSE-mediapipe_canonical_face").read_text()
    assert not (folder / "skin_clothes_hair.onnx").exists()  # not ours to ship


@pytest.mark.skipif(not (MODELS / HEAD_FILE).is_file(), reason=f"no shared models at {MODELS}")
def test_the_shipped_mesh_files_are_the_shared_ones_unchanged():
    for name in MESHES:
        shipped = hashlib.sha256((packaged_model_dir() / name).read_bytes()).hexdigest()
        assert shipped == hashlib.sha256((MODELS / name).read_bytes()).hexdigest(), name


def test_a_fresh_install_finds_the_packaged_meshes_and_a_named_folder_overrides_them(
    fresh_install, tmp_path, monkeypatch
):
    assert model_dir() == packaged_model_dir() and not hair_model_found()
    assert HeadModel.load(model_dir()).landmark_mean.shape == (468, 3)
    user = tmp_path / "faceparse" / "models"
    user.mkdir(parents=True)
    assert model_dir() == packaged_model_dir()  # a user folder without the head model
    (user / HEAD_FILE).write_bytes(b"")
    assert model_dir() == user
    monkeypatch.setenv("FACEPARSE_MODEL_DIR", str(tmp_path))
    assert model_dir() == tmp_path and model_dir(tmp_path / "faceparse") == tmp_path / "faceparse"


def test_depth_auto_works_on_a_fresh_install_and_says_it_left_the_hair_out(fresh_install):
    from skimage import data

    from faceparse import FaceParser

    result = FaceParser.load("default")(data.astronaut(), depth="auto")
    assert result.depth is not None and result.depth.max() == 255
    # the fitted head lies around her face (box centre about x 205, y 110)
    assert result.depth[110, 205] > 100 and result.depth[450, 20] == 0
    assert any("without extending the head over hair" in n for n in result.notes)
