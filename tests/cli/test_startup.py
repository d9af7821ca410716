"""`faceparse --help` and argument errors stay light: no torch, no MediaPipe, no model load."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from typer.testing import CliRunner
from faceparse.cli import app
runner = CliRunner()
codes = [runner.invoke(app, ["--help"]).exit_code]
commands = [["parse"], ["train"], ["eval"], ["export"], ["serve"], ["bench"], ["labels"],
            ["demo"], ["data", "check"], ["data", "show"], ["depth", "make"], ["depth", "show"]]
for command in commands:
    codes.append(runner.invoke(app, [*command, "--help"]).exit_code)
codes.append(runner.invoke(app, ["parse"]).exit_code)  # a missing argument
codes.append(runner.invoke(app, ["parse", "x.jpg", "--workers", "0"]).exit_code)  # out of range
heavy = sorted(m for m in ("torch", "mediapipe", "onnxruntime", "numba") if m in sys.modules)
print(codes, heavy)
"""


def test_help_and_argument_errors_import_no_heavy_library():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    codes, heavy = out.stdout.strip().rsplit("] ", 1)
    assert codes == "[" + ", ".join(["0"] * 13 + ["2", "2"])
    assert heavy == "[]"
