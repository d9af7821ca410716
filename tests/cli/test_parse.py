"""Tests of faceparse.cli.parse."""

from __future__ import annotations

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
