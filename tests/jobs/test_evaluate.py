"""Tests of faceparse.jobs.evaluate."""

from __future__ import annotations

import json

from paths import SMOKE
from typer.testing import CliRunner

from faceparse.cli import app
from faceparse.datasets import write_folder_dataset
from faceparse.datasets.synthetic import synthetic_dataset


def test_train_then_eval_from_the_command_line(tmp_path):
    cfg = ["--set", f"out={tmp_path / 'run'}", "--set", "optim.steps=2"]
    res = CliRunner().invoke(app, ["train", str(SMOKE), *cfg])
    assert res.exit_code == 0, res.output
    root = write_folder_dataset(
        tmp_path / "faces", {"test": synthetic_dataset(2, seed=9, size=64, space="lapa")}
    )
    ckpt = tmp_path / "run" / "last.pt"
    for modality in ("rgb", "depth", "translated"):
        args = [
            "eval",
            str(ckpt),
            "-d",
            "folder",
            "--root",
            str(root),
            "--split",
            "test",
            "--modality",
            modality,
            "--depth",
            str(root),
            "-o",
            str(tmp_path / modality),
        ]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        scores = json.loads((tmp_path / modality / "scores.json").read_text())
        assert scores["num_images"] == 2 and 0 <= scores["pixel_accuracy"] <= 1
        assert ("depth_l1" in scores) == (modality == "translated")
    res = CliRunner().invoke(
        app, ["eval", str(tmp_path / "nothing.pt"), "-d", "folder", "--root", str(root)]
    )
    assert res.exit_code == 2 and "checkpoint not found" in res.output
