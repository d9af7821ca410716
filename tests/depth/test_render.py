"""Tests of faceparse.depth.render."""

from __future__ import annotations

import json

import numpy as np
from paths import MODELS, needs_models


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
    assert {e["name"]: e["status"] for e in entries} == {"a": "ok", "b": "no_face", "c": "failed"}
    assert (out / "all_list.txt").read_text() == "a\n"
    assert (out / "depth" / "a.png").is_file() and not (out / "depth" / "b.png").exists()
    CliRunner().invoke(app, args)
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 3 + 1  # only the error retried


@needs_models
def test_recessed_openings_show_eyes_and_the_lip_line_in_depth(fasseg_root):
    import cv2

    from faceparse.datasets import open_dataset
    from faceparse.depth import render_depth
    from faceparse.face.landmarks import FaceMeshDetector, opening_contours

    sample = open_dataset("fasseg", fasseg_root, "test")[0]
    closed, _ = render_depth(sample.image, backend="head", model_dir=str(MODELS))
    recessed, info = render_depth(
        sample.image, backend="head", model_dir=str(MODELS), openings="recessed"
    )
    assert info.status == "ok"
    points = FaceMeshDetector()(sample.image).points
    inside = np.zeros(closed.shape, np.uint8)
    for contour in opening_contours():
        cv2.fillPoly(inside, [np.round(points[contour, :2]).astype(np.int32)], 1)
    inside = inside.astype(bool)
    drop = closed[inside].astype(float).mean() - recessed[inside].astype(float).mean()
    assert drop > 3  # grey levels: 6 mm sinks the eyes and the lip line visibly
    far = ~cv2.dilate(inside.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    assert np.abs(closed[far].astype(int) - recessed[far].astype(int)).max() <= 1


def test_depth_configs_name_what_is_wrong():
    import pytest

    from faceparse.depth import DepthConfig
    from faceparse.errors import ConfigError, UnknownNameError

    with pytest.raises(UnknownNameError, match="unknown depth openings 'open'"):
        DepthConfig(openings="open")
    with pytest.raises(UnknownNameError, match="unknown depth backend 'mesh'"):
        DepthConfig(backend="mesh")
    with pytest.raises(ConfigError, match="extends the head backend"):
        DepthConfig(backend="face", hair="predicted")
