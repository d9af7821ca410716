"""Tests of faceparse.training.landmark_distill and the robust fit it feeds (face and depth)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from face_points import canonical_points
from paths import needs_models
from PIL import Image

from faceparse.errors import ConfigError
from faceparse.training.landmark_distill import (
    LandmarkDistillConfig,
    TeacherSet,
    distill_loss,
    export_landmark_student,
    train_landmark_student,
)

TINY = LandmarkDistillConfig(
    steps=1,
    photos_per_step=2,
    variants=2,
    size=96,
    basis_size=8,
    basis_samples=40,
    checkpoint_every=1,
)


def test_loss_by_hand():
    target = torch.zeros(1, 468, 3)
    pred = torch.zeros(2, 468, 3)  # two variants of one photo
    pred[0, :, 0], pred[1, :, 0] = 0.1, 0.3
    loss, parts = distill_loss(pred, target, variants=2, z_weight=0.5, consistency=0.5)
    assert np.isclose(parts["fit"], 0.2 / 3)  # x off by 0.2 on average, y and z exact
    assert np.isclose(parts["consistency"], 0.1 / 3)  # each variant 0.1 from their mean
    assert np.isclose(float(loss), 0.2 / 3 + 0.5 * 0.1 / 3)
    pred[:, :, 0], pred[:, :, 2] = 0, 0.4  # z counts half
    assert np.isclose(distill_loss(pred, target, 2, 0.5, 0.5)[1]["fit"], 0.5 * 0.4 / 3)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A 1-step student on two generated photos, its checkpoint folder and ONNX file."""
    tmp = tmp_path_factory.mktemp("landmarks")
    rng = np.random.default_rng(0)
    points, paths = canonical_points(), []
    for k in range(2):
        path = tmp / f"{k}.png"
        Image.fromarray(rng.integers(0, 255, (220, 200, 3), np.uint8)).save(path)
        paths.append(str(path))
    x0, y0 = points[:, :2].min(0)
    x1, y1 = points[:, :2].max(0)
    eyes = np.array([points[33, :2], points[263, :2], *[points[1, :2]] * 4])
    teacher = TeacherSet(
        paths, np.array([[x0, y0, x1, y1]] * 2), np.stack([eyes] * 2), np.stack([points] * 2)
    )
    last = train_landmark_student(teacher, TINY, tmp / "run", log=lambda s: None)
    return teacher, tmp, last, export_landmark_student(last, tmp / "mesh.onnx")


def test_training_checkpoints_resumes_and_refuses_another_config(trained):
    teacher, tmp, last, _ = trained
    assert torch.load(last, weights_only=False)["step"] == 1
    before = last.stat().st_mtime_ns
    train_landmark_student(teacher, TINY, tmp / "run", log=lambda s: None)  # nothing left
    assert last.stat().st_mtime_ns == before
    with pytest.raises(ConfigError, match="another configuration"):
        train_landmark_student(teacher, LandmarkDistillConfig(steps=3), tmp / "run")


def test_exported_mesh_gives_468_points_in_the_face_crop(trained):
    from faceparse.face.robust_landmarks import RobustFaceMesh

    teacher, _, _, onnx_file = trained
    meta = json.loads(onnx_file.with_suffix(".onnx.json").read_text())
    assert meta["crop_size"] == 96 and meta["steps"] == 1
    mesh = RobustFaceMesh(onnx_file)
    face = teacher.face(0)
    points = mesh.from_face(np.asarray(Image.open(teacher.paths[0])), face)
    assert points.shape == (468, 3) and np.isfinite(points).all()
    x0, y0, x1, y1 = face.box
    side = 1.5 * max(x1 - x0, y1 - y0)
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    assert (np.abs(points[:, :2] - centre) <= side / 2 + 1).all()  # inside the crop


@needs_models
def test_depth_records_which_fit_made_each_map(trained, fasseg_root, tmp_path):
    from faceparse.datasets import open_dataset
    from faceparse.depth import DepthConfig, DepthRenderer
    from faceparse.jobs.depth import make_depth

    onnx_file = trained[3]
    image = open_dataset("fasseg", fasseg_root, "test")[0].image
    for fit in ("mediapipe", "robust", "fused"):
        depth, info = DepthRenderer(DepthConfig(fit=fit, fit_model=str(onnx_file)))(image)
        assert info.status == "ok" and info.fit == fit and depth.max() == 255
    blank = np.full((200, 200, 3), 128, np.uint8)
    _, info = DepthRenderer(DepthConfig(fit="fused", fit_model=str(onnx_file)))(blank)
    assert info.status == "no_face" and info.fit is None
    (tmp_path / "in" / "images").mkdir(parents=True)
    Image.fromarray(image).save(tmp_path / "in" / "images" / "a.png")
    cfg = DepthConfig(fit="robust", fit_model=str(onnx_file))
    make_depth("folder", tmp_path / "in", tmp_path / "out", cfg, ["all"])
    entry = json.loads((tmp_path / "out" / "manifest.jsonl").read_text().splitlines()[0])
    assert entry["status"] == "ok" and entry["fit"] == "robust"


def test_a_missing_robust_mesh_file_is_named(tmp_path):
    from faceparse.depth import DepthConfig, DepthRenderer
    from faceparse.errors import ModelFileError

    with pytest.raises(ModelFileError, match="nothing.onnx"):
        DepthRenderer(DepthConfig(fit="robust", fit_model=str(tmp_path / "nothing.onnx")))


def test_teacher_leaves_out_unreadable_and_faceless_photos_and_says_so(tmp_path):
    from faceparse.training.landmark_distill import prepare_teacher

    (tmp_path / "broken.png").write_bytes(b"not a png")
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(tmp_path / "blank.png")
    said = []
    photos = [tmp_path / "broken.png", tmp_path / "blank.png"]
    teacher = prepare_teacher(photos, tmp_path / "cache", log=said.append)
    assert teacher.paths == [] and len(said) == 1 and "broken.png" in said[0]
    # cached per list of photos: the same list is not looked at again, another one is
    again = prepare_teacher(photos, tmp_path / "cache", log=said.append)
    assert again.paths == [] and len(said) == 1
    prepare_teacher(photos[:1], tmp_path / "cache", log=said.append)
    assert len(said) == 2


def test_a_broken_robust_mesh_file_is_named(tmp_path):
    from faceparse.errors import ModelFileError
    from faceparse.face.robust_landmarks import RobustFaceMesh

    bad = tmp_path / "mesh.onnx"
    bad.write_bytes(b"\x00garbage")
    with pytest.raises(ModelFileError, match="mesh.onnx: not a loadable ONNX model"):
        RobustFaceMesh(bad)


def test_an_unknown_fit_is_refused_by_name():
    from faceparse.depth import DepthConfig
    from faceparse.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="mediapipe, robust, fused"):
        DepthConfig(fit="best")
