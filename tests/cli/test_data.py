"""Tests of faceparse.cli.data."""

from __future__ import annotations

import json

from layouts import break_samples, write_lapa
from typer.testing import CliRunner

from faceparse.cli import app

runner = CliRunner()


def test_check_cli_exit_codes_and_json(tmp_path):
    labels = write_lapa(tmp_path, {"train": 4})
    ok = runner.invoke(app, ["data", "check", str(tmp_path), "-d", "lapa", "-s", "train"])
    assert ok.exit_code == 0, ok.output
    break_samples(tmp_path, labels)
    out = tmp_path / "report.json"
    res = runner.invoke(
        app, ["data", "check", str(tmp_path), "-d", "lapa", "-s", "train", "--json", str(out)]
    )
    assert res.exit_code == 1
    data = json.loads(out.read_text())
    assert data["healthy"] is False and len(data["splits"][0]["problems"]) == 4


def test_bad_option_is_a_usage_error(tmp_path):
    res = runner.invoke(app, ["data", "check", str(tmp_path), "-d", "nope"])
    assert res.exit_code == 2 and "unknown dataset" in res.output


def test_celebamask_labels_without_its_teacher_says_which_file(tmp_path):
    missing = tmp_path / "teacher.onnx"
    args = ["data", "celebamask-labels", str(tmp_path), "-o", str(tmp_path / "out")]
    res = runner.invoke(app, [*args, "--teacher", str(missing)])
    assert res.exit_code == 2 and "teacher.onnx" in res.output and "not found" in res.output
