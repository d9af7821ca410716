"""Tests of faceparse.jobs.evaluate."""

from __future__ import annotations

import json

import pytest
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


def test_evaluate_checkpoint_from_python_equals_evaluate_on_the_same_samples(
    student_checkpoint, tmp_path
):
    from faceparse.datasets import open_dataset
    from faceparse.errors import ConfigError
    from faceparse.jobs.evaluate import evaluate_checkpoint
    from faceparse.models.files import checkpoint_networks
    from faceparse.training.evaluate import evaluate

    faces = synthetic_dataset(3, seed=4, size=64, space="lapa")
    root = write_folder_dataset(tmp_path / "faces", {"test": faces})
    report, record = evaluate_checkpoint(student_checkpoint, "folder", root, out=tmp_path / "o")
    ds = open_dataset("folder", root, "test")
    expected, _ = evaluate(
        [ds[i] for i in range(len(ds))],
        "rgb",
        64,
        checkpoint_networks(student_checkpoint).network("rgb"),
    )
    assert record["mean_f1"] == expected.mean_f1 and record["num_images"] == 3
    assert json.loads((tmp_path / "o" / "scores.json").read_text()) == record
    assert "mean F1" in report or "mean_f1" in report
    with pytest.raises(ConfigError, match="--modality is one of"):
        evaluate_checkpoint(student_checkpoint, "folder", root, modality="thermal")
