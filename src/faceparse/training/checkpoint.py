"""Checkpoints: everything `--resume` needs to continue exactly, written atomically."""

from __future__ import annotations

import random
from pathlib import Path

import torch

from ..imageio import atomic_open

FORMAT_VERSION = 1


def save_checkpoint(path: Path, state: dict) -> None:
    state = {
        **state,
        "format_version": FORMAT_VERSION,
        "rng": {
            "torch": torch.get_rng_state(),
            "python": random.getstate(),
        },
    }
    with atomic_open(path) as f:
        torch.save(state, f)


def load_checkpoint(path: str | Path, restore_rng: bool = False) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:
        raise ValueError(f"{path}: not a readable checkpoint ({e})") from e
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: not a faceparse checkpoint (format {FORMAT_VERSION})")
    if restore_rng:
        torch.set_rng_state(state["rng"]["torch"])
        random.setstate(state["rng"]["python"])
    return state
