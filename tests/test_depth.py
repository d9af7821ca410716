import json

import numpy as np
import pytest
from conftest import SHARED

from faceparse.depth.fit import bounded_ridge, umeyama
from faceparse.depth.mesh_files import HeadModel, ModelFileError
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
    from faceparse.depth.quality import nose_nearer_than_cheeks, polygon_mask, symmetry_error
    from faceparse.face.landmarks import FaceMeshDetector, face_oval

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
        points = FaceMeshDetector()(sample.image).points
        assert nose_nearer_than_cheeks(depth, points)
        if backend == "head":  # within the benchmark's tolerance for frontal faces, 5 mm
            inside = polygon_mask(points, face_oval(), depth.shape)
            assert symmetry_error(depth, points, inside) * info.mm_per_level < 5

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
    args = [
        "depth",
        "make",
        "-d",
        "folder",
        "--root",
        str(root),
        "-o",
        str(out),
        "--backend",
        "face",
        "--model-dir",
        str(MODELS),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    entries = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert {e["name"]: e["status"] for e in entries} == {"a": "ok", "b": "no_face", "c": "error"}
    assert (out / "all_list.txt").read_text() == "a\n"
    assert (out / "depth" / "a.png").is_file() and not (out / "depth" / "b.png").exists()
    CliRunner().invoke(app, args)
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 3 + 1  # only the error retried


def _write_obj(path, verts, faces):
    lines = [f"v {x} {y} {z}" for x, y, z in verts]
    lines += ["f " + " ".join(f"{i + 1}/{i + 1}" for i in face) for face in faces]
    path.write_text("\n".join(lines) + "\n")


def test_import_ict_from_a_tiny_release(tmp_path):
    """Six vertices: a face quad (0-3), one head vertex (4), one eyeball vertex (5) to drop."""
    from faceparse.depth.ict_import import import_ict

    model = tmp_path / "ICT-FaceKit" / "FaceXModel"
    model.mkdir(parents=True)
    neutral = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0.5, 2, -1], [9, 9, 9.0]])
    faces = [[0, 1, 2, 3], [2, 3, 4], [3, 4, 5]]
    _write_obj(model / "generic_neutral_mesh.obj", neutral, faces)
    _write_obj(model / "identity000.obj", neutral + [0, 0, 0.5], faces)
    _write_obj(model / "identity001.obj", neutral * 2, faces)
    _write_obj(model / "jawOpen.obj", neutral - [0, 0.25, 0], faces)
    (model / "vertex_indices.json").write_text(json.dumps({"idx_to_landmark_verts": [0, 2]}))

    out = import_ict(
        tmp_path / "ICT-FaceKit", tmp_path / "head.npz", face_vertices=4, head_vertices=5
    )
    z = np.load(out)
    np.testing.assert_array_equal(z["mean"], neutral[:5])
    np.testing.assert_array_equal(z["triangles"], [[0, 1, 2], [0, 2, 3], [2, 3, 4]])
    assert z["identity"].shape == (2, 5, 3) and z["identity"].dtype == np.float16
    np.testing.assert_array_equal(z["identity"][0, :, 2], 0.5)
    np.testing.assert_array_equal(z["identity"][1], neutral[:5])  # 2x - x
    np.testing.assert_array_equal(z["expression"][0, :, 1], -0.25)
    assert list(z["expression_names"]) == ["jawOpen"]
    assert list(z["identity_names"]) == ["identity000", "identity001"]
    np.testing.assert_array_equal(z["landmarks68"], [0, 2])
    np.testing.assert_array_equal(z["head_neck_vertices"], [4, 5])

    # the CLI expects the full ICT topology and says so; a file from another mesh is refused
    from typer.testing import CliRunner

    from faceparse.cli import app

    res = CliRunner().invoke(app, ["depth", "import-ict", str(model), "-o", str(tmp_path / "x")])
    assert res.exit_code == 1 and "expected ≥ 11248" in res.output
    (model / "vertex_indices.json").write_text("{}")
    with pytest.raises(ModelFileError, match="no readable 'idx_to_landmark_verts'"):
        import_ict(model, tmp_path / "head.npz", face_vertices=4, head_vertices=5)
    (model / "vertex_indices.json").write_text(json.dumps({"idx_to_landmark_verts": [0, 2]}))
    _write_obj(model / "identity001.obj", neutral[:4], faces[:1])
    with pytest.raises(ModelFileError, match="identity001.obj: 4 vertices"):
        import_ict(model, tmp_path / "head.npz", face_vertices=4, head_vertices=5)


def test_symmetry_error_is_zero_for_a_mirror_symmetric_map():
    from faceparse.depth.quality import MIDLINE, symmetry_error

    h, w, axis = 40, 60, 25.0
    x = np.arange(w) + 0.5
    dome = np.tile(np.clip(200 - 0.5 * (x - axis) ** 2, 0, 255), (h, 1)).astype(np.uint8)
    points = np.zeros((468, 3))
    points[list(MIDLINE), 0] = axis
    region = np.ones((h, w), bool)
    assert symmetry_error(dome, points, region) == pytest.approx(0, abs=1e-6)
    points[list(MIDLINE), 0] = axis + 4  # the wrong axis: the map no longer matches its mirror
    assert symmetry_error(dome, points, region) > 10


@needs_models
def test_depth_show_skips_a_broken_photo(fasseg_root, tmp_path):
    from PIL import Image
    from typer.testing import CliRunner

    from faceparse.cli import app
    from faceparse.datasets import open_dataset

    sample = open_dataset("fasseg", fasseg_root, "test")[0]
    Image.fromarray(sample.image).save(tmp_path / "good.png")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    out = tmp_path / "show.png"
    args = [
        "depth",
        "show",
        str(tmp_path / "bad.png"),
        str(tmp_path / "good.png"),
        "-o",
        str(out),
        "--model-dir",
        str(MODELS),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "skipped" in res.output and "bad.png" in res.output
    shown = np.asarray(Image.open(out))
    h, w = sample.image.shape[:2]
    tile_w = round(192 * w / h)  # one row, RGB | depth | overlay, each 192 px high
    assert shown.shape[0] == 20 + 192 and abs(shown.shape[1] - (3 * tile_w + 8)) <= 3
