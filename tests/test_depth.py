import json

import numpy as np
import pytest
from conftest import SHARED

from faceparse.depth.fit import bounded_ridge, umeyama
from faceparse.depth.models import HeadModel, ModelFileError
from faceparse.depth.normalize import normalize_depth
from faceparse.depth.raster import rasterize

MODELS = SHARED / "models"
needs_models = pytest.mark.skipif(
    not (MODELS / "ict_head_light.npz").is_file(), reason=f"model files absent from {MODELS}"
)


def test_rasterize_interpolates_and_keeps_nearest():
    v = np.array([[0, 0, 1], [10, 0, 1], [0, 10, 3], [0, 0, 9], [10, 0, 9], [0, 10, 9.0]])
    z, tri = rasterize(v[:3], np.array([[0, 1, 2]]), (10, 10))
    assert z[0, 0] == pytest.approx(1.1)  # pixel centre (0.5, 0.5): z = 1 + 0.2 y
    assert np.isinf(z[9, 9]) and tri[9, 9] == -1  # outside the triangle
    z, tri = rasterize(v, np.array([[0, 1, 2], [3, 4, 5]]), (10, 10))
    assert z[0, 0] == 9 and tri[0, 0] == 1  # the nearer (larger z) triangle wins


def test_normalize_minmax_and_metric():
    z = np.array([[-np.inf, 10.0, 9.0, 7.46]])
    np.testing.assert_array_equal(normalize_depth(z, "minmax"), [[0, 255, 155, 1]])
    # metric: 1 mm per level from the nearest point; 10 mm behind -> 245
    np.testing.assert_array_equal(normalize_depth(z, "metric", 1.0), [[0, 255, 245, 230]])
    with pytest.raises(ValueError, match="unknown depth normalization"):
        normalize_depth(z, "log")


def test_umeyama_recovers_a_similarity():
    rng = np.random.default_rng(0)
    src = rng.normal(size=(50, 3))
    angle = 0.4
    rot = np.array(
        [[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]]
    )
    dst = 2.5 * src @ rot.T + [3, -1, 2]
    pose = umeyama(src, dst)
    assert pose.scale == pytest.approx(2.5)
    np.testing.assert_allclose(pose.rotation, rot, atol=1e-9)
    np.testing.assert_allclose(pose.apply(src), dst, atol=1e-9)


def test_bounded_ridge_respects_bounds_and_matches_unbounded_inside():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(40, 5))
    b = a @ np.array([0.5, -0.2, 3.0, 0.1, -4.0])
    c = bounded_ridge(a.T @ a, a.T @ b, np.zeros(5), np.full(5, -10.0), np.full(5, 10.0))
    np.testing.assert_allclose(c, [0.5, -0.2, 3.0, 0.1, -4.0], atol=1e-9)
    c = bounded_ridge(a.T @ a, a.T @ b, np.zeros(5), np.full(5, -1.0), np.full(5, 1.0))
    assert (c <= 1).all() and (c >= -1).all() and c[2] == 1 and c[4] == -1


def test_malformed_model_file_fails_before_work(tmp_path):
    np.savez(tmp_path / "ict_head_light.npz", mean=np.zeros((5, 2)))
    with pytest.raises(ModelFileError, match="'mean' has shape"):
        HeadModel.load(tmp_path)
    with pytest.raises(ModelFileError, match="model file not found"):
        HeadModel.load(tmp_path / "nowhere")


@needs_models
def test_head_and_face_depth_on_real_faces(fasseg_root, tmp_path):
    from typer.testing import CliRunner

    from faceparse.cli import app
    from faceparse.datasets import open_dataset
    from faceparse.depth import render_depth

    sample = open_dataset("fasseg", fasseg_root, "test")[0]
    for backend in ("face", "head"):
        depth, info = render_depth(sample.image, backend=backend, model_dir=str(MODELS))
        assert info.status == "ok" and depth.shape == sample.label.shape
        face = np.isin(sample.label, [2, 3, 4, 5])
        iou = ((depth > 0) & face).sum() / ((depth > 0) | face).sum()
        assert iou > 0.6, (backend, iou)
        ys, xs = np.nonzero(depth == depth.max())
        nose = np.nonzero(sample.label == 4)
        assert abs(ys.mean() - nose[0].mean()) < 40 and abs(xs.mean() - nose[1].mean()) < 40

    blank = np.full((200, 200, 3), 128, np.uint8)
    depth, info = render_depth(blank, backend="head", model_dir=str(MODELS))
    assert info.status == "no_face" and depth.max() == 0

    # the batch job: records a broken file, resumes without redoing finished images
    root = tmp_path / "photos"
    (root / "images").mkdir(parents=True)
    from PIL import Image

    Image.fromarray(sample.image).save(root / "images" / "a.png")
    Image.fromarray(blank).save(root / "images" / "b.png")
    (root / "images" / "c.png").write_bytes(b"broken")
    out = tmp_path / "out"
    args = ["depth", "make", "-d", "folder", "--root", str(root), "-o", str(out), "--backend",
            "face", "--model-dir", str(MODELS)]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    entries = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert {e["name"]: e["status"] for e in entries} == {"a": "ok", "b": "no_face", "c": "error"}
    assert (out / "all_list.txt").read_text() == "a\n"
    assert (out / "depth" / "a.png").is_file() and not (out / "depth" / "b.png").exists()
    CliRunner().invoke(app, args)
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 3 + 1  # only the error retried
