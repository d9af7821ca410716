"""Tests of faceparse.jobs.export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from paths import SMOKE
from PIL import Image
from typer.testing import CliRunner

from faceparse.cli import app
from faceparse.models.files import checkpoint_networks, load_parser, shipped
from faceparse.models.onnx import onnx_session


def test_onnx_matches_pytorch_with_a_dynamic_batch(student_checkpoint, tmp_path):
    onnx = tmp_path / "rgb.onnx"
    res = CliRunner().invoke(
        app, ["export", str(student_checkpoint), "--onnx", str(onnx), "--int8"]
    )
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "rgb.onnx.json").read_text())
    assert meta["input"] == [3, 64, 64] and meta["label_space"] == "lapa"

    x = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        expected = checkpoint_networks(student_checkpoint).network("rgb")(x).numpy()
    got = onnx_session(onnx).run(None, {"input": x.numpy()})[0]
    assert got.shape == (3, 11, 64, 64)
    np.testing.assert_allclose(got, expected, atol=1e-4)  # the stated fp32 tolerance

    int8 = onnx_session(tmp_path / "rgb.int8.onnx").run(None, {"input": x.numpy()[:2]})[0]
    assert int8.shape == (2, 11, 64, 64)
    relative = np.abs(int8 - expected[:2]).mean() / np.abs(expected[:2]).mean()
    assert relative < 0.25, relative  # int8 is approximate; its F1 cost is in docs/results/SPEED.md


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
    assert res.exit_code == 2 and "has no depth network" in res.output


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


def test_export_writes_a_parser_file_the_cli_can_use(tmp_path):
    from training_runs import tiny
    from typer.testing import CliRunner

    from faceparse.cli import app
    from faceparse.training.trainer import Trainer

    cfg = tiny(tmp_path, "mode=rgb", "optim.steps=1", "data.val_split=null", "model.parser=student")
    Trainer(cfg).fit()
    parser_file = tmp_path / "p.safetensors"
    res = CliRunner().invoke(
        app, ["export", f"{cfg.out}/last.pt", "--safetensors", str(parser_file)]
    )
    assert res.exit_code == 0, res.output
    net, card = load_parser(parser_file)
    assert (card.arch, card.modality, card.space, card.size) == ("student", "rgb", "lapa", 64)
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "crop.png")
    args = [
        "parse",
        str(tmp_path / "crop.png"),
        "--no-detect",
        "--model",
        str(parser_file),
        "-o",
        str(tmp_path / "out"),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert np.asarray(Image.open(tmp_path / "out" / "crop.labels.png")).shape == (64, 64)
    res = CliRunner().invoke(app, ["parse", str(tmp_path / "crop.png"), "--model", "nope.bin"])
    assert res.exit_code == 2 and "nope.bin" in " ".join(res.output.split())


def test_export_checkpoint_from_python(student_checkpoint, tmp_path):
    from faceparse.errors import ConfigError
    from faceparse.jobs.export import export_checkpoint

    written = export_checkpoint(
        student_checkpoint, "rgb", onnx=tmp_path / "p.onnx", safetensors=tmp_path / "p.safetensors"
    )
    assert written == [tmp_path / "p.safetensors", tmp_path / "p.onnx"]
    net, card = load_parser(tmp_path / "p.safetensors")
    assert (card.arch, card.modality, card.space, card.size) == ("student", "rgb", "lapa", 64)
    out = onnx_session(tmp_path / "p.onnx").run(
        None, {"input": np.zeros((2, 3, 64, 64), np.float32)}
    )
    assert out[0].shape == (2, 11, 64, 64)
    with pytest.raises(ConfigError, match="--safetensors holds parsers"):
        export_checkpoint(student_checkpoint, "translator", safetensors=tmp_path / "t.safetensors")
    with pytest.raises(ConfigError, match="give --onnx, --safetensors or both"):
        export_checkpoint(student_checkpoint, "rgb")


def test_a_parser_files_int8_copy_is_made_beside_it_and_run_by_auto(tmp_path, monkeypatch):
    import shutil

    from faceparse.models import runtime

    parser_file = tmp_path / "mine.safetensors"
    shutil.copy(shipped("rgb_lapa.safetensors"), parser_file)
    res = CliRunner().invoke(app, ["export", str(parser_file), "--int8"])
    assert res.exit_code == 0, res.output
    copy = tmp_path / "mine.int8.onnx"
    meta = json.loads(Path(f"{copy}.json").read_text())
    assert meta["source_sha256"] == runtime.file_digest(parser_file)
    assert meta["calibration"] == "generated faces" and meta["label_space"] == "lapa"
    monkeypatch.setattr(runtime, "has_int8_dot_product", lambda: True)
    assert runtime.int8_copy(parser_file) == copy
    net, card = load_parser(parser_file)
    x = np.zeros((1, 3, 64, 64), np.float32)
    logits = runtime.parser_runner(net, card, parser_file, "auto", threads=1)(x)
    # the copy ends where inference does: logits at stride 4, upsampled outside the network
    assert logits.shape == (1, 11, 16, 16)
    from faceparse.parsing.crop_scores import probabilities

    probs = probabilities(logits, (64, 64))
    assert probs.shape == (1, 11, 64, 64) and probs.sum(1) == pytest.approx(1, abs=1e-4)
    res = CliRunner().invoke(app, ["export", str(parser_file), "--onnx", str(tmp_path / "x.onnx")])
    assert res.exit_code == 2 and "int8 copy only" in " ".join(res.output.split())
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a parser")
    res = CliRunner().invoke(app, ["export", str(broken), "--int8"])
    assert res.exit_code == 2 and "broken.safetensors: not a readable safetensors file" in (
        " ".join(res.output.split())
    )
    assert not (tmp_path / "broken.int8.onnx").exists()
