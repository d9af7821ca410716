"""Tests of faceparse.training.distributed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import torch
from paths import SMOKE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_on_cpu_with_two_gloo_processes(tmp_path):
    out = tmp_path / "ddp"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node=2",
        f"--master_port={_free_port()}",  # a fixed port fails wherever another run holds it
        "-m",
        "faceparse",
        "train",
        str(SMOKE),
        "--set",
        f"out={out}",
        "--set",
        "mode=rgb",
        "--set",
        "optim.steps=3",
        "--set",
        "data.val_split=null",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    end = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()][-1]
    assert end["split"] == "end" and end["world_size"] == 2
    assert end["ddp_max_parameter_spread"] == 0.0
    assert torch.load(out / "last.pt", weights_only=False)["step"] == 3
