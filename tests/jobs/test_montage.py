"""Tests of faceparse.jobs.montage."""

from __future__ import annotations

import numpy as np
from layouts import break_samples, write_lapa
from PIL import Image
from typer.testing import CliRunner

from faceparse.cli import app

runner = CliRunner()


def test_show_writes_montage_and_skips_broken(tmp_path):
    labels = write_lapa(tmp_path, {"train": 5})
    break_samples(tmp_path, labels)
    out = tmp_path / "m.png"
    res = runner.invoke(
        app, ["data", "show", str(tmp_path), "-d", "lapa", "--out", str(out), "-n", "3"]
    )
    assert res.exit_code == 0, res.output
    m = np.asarray(Image.open(out))
    assert m.shape[0] > 192 and m.shape[2] == 3
    assert "skipped" in res.output


def test_demo_runs_end_to_end(tmp_path):
    res = runner.invoke(app, ["data", "demo", "--out", str(tmp_path), "--count", "4"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "montage.png").is_file()
    assert len(list((tmp_path / "dataset" / "depth").glob("*.png"))) == 4


def test_montage_jobs_from_python(tmp_path):
    from faceparse.datasets import open_dataset
    from faceparse.jobs.montage import make_synthetic_demo, write_samples_montage

    report = make_synthetic_demo(tmp_path / "demo", count=8, seed=1)
    assert report.healthy and sum(s.count for s in report.splits) == 8
    montage = np.asarray(Image.open(tmp_path / "demo" / "montage.png"))
    assert montage.ndim == 3 and montage.shape[0] > 4 * 100  # four sample rows and a legend
    ds = open_dataset("folder", tmp_path / "demo" / "dataset", "train")
    assert write_samples_montage(ds, tmp_path / "two.png", num=2, seed=0) == []
    assert Image.open(tmp_path / "two.png").height < montage.shape[0]
