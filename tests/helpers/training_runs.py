"""Tiny training configs on generated faces, and their logged losses."""

from __future__ import annotations

import json
from pathlib import Path

from paths import SMOKE

from faceparse.training.config import load_config


def tiny(tmp_path, *overrides):
    return load_config(SMOKE, [f"out={tmp_path / 'run'}", *overrides])


def losses(out: Path) -> dict[int, float]:
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: r["loss"] for r in lines if r["split"] == "train"}


def killed_after(steps: int):
    """A progress wrapper that stops training with a KeyboardInterrupt after `steps` steps."""

    def progress(batches, n):
        for i, batch in enumerate(batches):
            if i == steps:
                raise KeyboardInterrupt
            yield batch

    return progress
