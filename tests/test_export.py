import json

import numpy as np
import pytest
import torch
from test_training import SMOKE
from typer.testing import CliRunner

from faceparse.cli import app
from faceparse.models.onnx import onnx_session
from faceparse.training.networks import load_trained


@pytest.fixture(scope="module")
def student_checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    args = [
        "train",
        str(SMOKE),
        "--set",
        f"out={out}",
        "--set",
        "model.parser=student",
        "--set",
        "optim.steps=3",
        "--set",
        "data.val_split=null",
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return out / "last.pt"


def test_onnx_matches_pytorch_with_a_dynamic_batch(student_checkpoint, tmp_path):
    onnx = tmp_path / "rgb.onnx"
    res = CliRunner().invoke(
        app, ["export", str(student_checkpoint), "--onnx", str(onnx), "--int8"]
    )
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "rgb.onnx.json").read_text())
    assert meta["input"] == [3, 64, 64] and meta["label_space"] == "lapa"

    _, models, _ = load_trained(student_checkpoint)
    x = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        expected = models["rgb"](x).numpy()
    got = onnx_session(onnx).run(None, {"input": x.numpy()})[0]
    assert got.shape == (3, 11, 64, 64)
    np.testing.assert_allclose(got, expected, atol=1e-4)  # the stated fp32 tolerance

    int8 = onnx_session(tmp_path / "rgb.int8.onnx").run(None, {"input": x.numpy()[:2]})[0]
    assert int8.shape == (2, 11, 64, 64)
    relative = np.abs(int8 - expected[:2]).mean() / np.abs(expected[:2]).mean()
    assert relative < 0.25, relative  # int8 is approximate; its F1 cost is in docs/SPEED.md


def test_export_refuses_a_network_the_checkpoint_lacks(student_checkpoint, tmp_path):
    cfg_out = tmp_path / "rgbonly"
    args = [
        "train",
        str(SMOKE),
        "--set",
        f"out={cfg_out}",
        "--set",
        "mode=rgb",
        "--set",
        "model.parser=student",
        "--set",
        "optim.steps=1",
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    res = CliRunner().invoke(
        app,
        [
            "export",
            str(cfg_out / "last.pt"),
            "--onnx",
            str(tmp_path / "d.onnx"),
            "--model",
            "depth",
        ],
    )
    assert res.exit_code == 1 and "has no depth network" in res.output


def test_int8_calibration_skips_an_unreadable_photo(student_checkpoint, tmp_path):
    from PIL import Image

    photos = tmp_path / "calib"
    photos.mkdir()
    Image.fromarray(np.full((80, 80, 3), 120, np.uint8)).save(photos / "a.png")
    (photos / "b.png").write_bytes(b"broken")
    args = [
        "export",
        str(student_checkpoint),
        "--onnx",
        str(tmp_path / "m.onnx"),
        "--int8",
        "--calibration",
        str(photos),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "skipped" in res.output and "b.png" in res.output
    assert (tmp_path / "m.int8.onnx").is_file()
