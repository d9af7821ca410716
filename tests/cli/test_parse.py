"""Tests of faceparse.cli.parse."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data
from typer.testing import CliRunner

from faceparse.cli import app as cli_app


def test_exit_codes_all_done_some_failed_none_done(tmp_path, corpus):
    folder, _ = corpus
    runner = CliRunner()
    common = ["--out", str(tmp_path / "out"), "--no-detect"]
    ok = runner.invoke(cli_app, ["parse", str(folder / "face.bmp"), *common])
    assert ok.exit_code == 0, ok.output
    some = [str(folder / "face.webp"), str(folder / "empty.jpg")]
    assert runner.invoke(cli_app, ["parse", *some, *common]).exit_code == 3
    none = [str(folder / "empty.jpg"), str(folder / "text.jpg")]
    assert runner.invoke(cli_app, ["parse", *none, *common]).exit_code == 1


def test_min_face_no_context_flip_and_input_size_reach_the_parser(tmp_path):
    canvas = np.full((480, 640, 3), 200, np.uint8)
    canvas[100:260, 200:360] = cv2.resize(
        data.astronaut(), (160, 160), interpolation=cv2.INTER_AREA
    )
    Image.fromarray(canvas).save(tmp_path / "small.png")
    Image.fromarray(data.astronaut()).save(tmp_path / "astronaut.png")
    runner = CliRunner()

    def summary(name: str, *flags: str) -> dict:
        out = tmp_path / "-".join(["out", *flags])
        result = runner.invoke(cli_app, ["parse", str(tmp_path / name), "--out", str(out), *flags])
        assert result.exit_code == 0, result.output
        return json.loads((out / f"{Path(name).stem}.json").read_text())

    assert len(summary("small.png")["too_small"]) == 1
    assert summary("small.png", "--min-face", "16")["num_faces"] == 1
    whole = summary("astronaut.png")["areas"]["hair"]
    cut = summary("astronaut.png", "--no-context")["areas"]["hair"]
    assert cut < whole  # her hair above the crop is labelled only with the context view
    flipped = summary("astronaut.png", "--flip")["areas"]
    assert flipped != summary("astronaut.png")["areas"]  # averaged with the mirror: borders move
    assert abs(flipped["hair"] - whole) < 0.05 * whole  # and the same head
    larger = summary("astronaut.png", "--input-size", "288")["areas"]
    assert larger != summary("astronaut.png")["areas"]  # parsed on a finer grid: borders move
    assert abs(larger["hair"] - whole) < 0.05 * whole


@pytest.mark.parametrize(("workers", "sig"), [(1, "SIGINT"), (2, "SIGTERM")])
def test_an_interrupted_batch_reports_what_it_did_and_what_it_did_not(tmp_path, workers, sig):
    import signal
    import subprocess
    import sys
    import time

    photos = tmp_path / "in"
    photos.mkdir()
    for i in range(40):
        Image.fromarray(data.astronaut()).save(photos / f"p{i:02d}.jpg")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "faceparse", "parse", str(photos), "-o", str(out)]
    job = subprocess.Popen([*command, "--workers", str(workers)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("*.labels.png")) and time.monotonic() < deadline:
        time.sleep(0.1)
    running = json.loads((out / "report.json").read_text())
    assert running["running"] is True and running["inputs"] == []  # a killed run says so
    job.send_signal(getattr(signal, sig))
    _, err = job.communicate(timeout=120)
    report = json.loads((out / "report.json").read_text())
    assert job.returncode == 130 and report["exit_code"] == 130 and report["interrupted"] is True
    done = {Path(e["input"]).name for e in report["inputs"]}
    assert 1 <= len(done) < 40 and len(done) + len(report["not_done"]) == 40
    assert all(e["status"] == "ok" for e in report["inputs"])
    assert "interrupted" in err and "not done" in err


def test_an_output_folder_that_cannot_be_written_is_one_line_before_any_model_loads(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    photo = tmp_path / "p.png"
    Image.fromarray(data.astronaut()).save(photo)
    res = CliRunner().invoke(cli_app, ["parse", str(photo), "-o", str(blocker / "out")])
    assert res.exit_code == 2, res.output
    line = " ".join(res.output.split())
    assert "a_file/out: output folder cannot be written" in line and "Traceback" not in line


def test_version_and_the_closing_table(tmp_path):
    from faceparse import __version__

    res = CliRunner().invoke(cli_app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"faceparse {__version__}"
    photo = tmp_path / "p.png"
    Image.fromarray(data.astronaut()).save(photo)
    res = CliRunner().invoke(cli_app, ["parse", str(photo), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    lines = [line.split() for line in res.output.strip().splitlines()]
    at = next(i for i, cells in enumerate(lines) if cells[:2] == ["ok", "no_face"])
    assert lines[at] == ["ok", "no_face", "failed", "done_before", "time", "s/input", "outputs"]
    assert lines[at + 1][:4] == ["1", "0", "0", "0"] and "report.json" in res.output


def test_the_progress_bar_shows_inputs_per_second():
    from types import SimpleNamespace

    from faceparse.cli.parse import RateColumn

    column = RateColumn()
    assert column.render(SimpleNamespace(completed=10, elapsed=4.0)).plain == "2.5/s"
    assert column.render(SimpleNamespace(completed=0, elapsed=None)).plain == "–/s"


def test_an_unknown_engine_is_a_usage_error(tmp_path):
    from typer.testing import CliRunner

    from faceparse.cli import app

    res = CliRunner().invoke(
        app, ["parse", str(tmp_path), "-o", str(tmp_path / "o"), "--engine", "spark"]
    )
    assert res.exit_code == 2 and "choose local or ray" in res.output
