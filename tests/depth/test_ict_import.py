"""Tests of faceparse.depth.ict_import."""

from __future__ import annotations

import json

import numpy as np
import pytest

from faceparse.depth.mesh_files import ModelFileError


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
    assert res.exit_code == 2 and "expected ≥ 11248" in res.output
    (model / "vertex_indices.json").write_text("{}")
    with pytest.raises(ModelFileError, match="no readable 'idx_to_landmark_verts'"):
        import_ict(model, tmp_path / "head.npz", face_vertices=4, head_vertices=5)
    (model / "vertex_indices.json").write_text(json.dumps({"idx_to_landmark_verts": [0, 2]}))
    _write_obj(model / "identity001.obj", neutral[:4], faces[:1])
    with pytest.raises(ModelFileError, match="identity001.obj: 4 vertices"):
        import_ict(model, tmp_path / "head.npz", face_vertices=4, head_vertices=5)
