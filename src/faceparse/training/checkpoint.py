"""Checkpoints: everything `--resume` needs to continue exactly, written atomically."""

from __future__ import annotations

import random
from pathlib import Path

import torch

from ..imageio import atomic_open
from ..models.files import CHECKPOINT_FORMAT, read_checkpoint


def save_checkpoint(path: Path, state: dict) -> None:
    state = {
        **state,
        "format_version": CHECKPOINT_FORMAT,
        "rng": {
            "torch": torch.get_rng_state(),
            "python": random.getstate(),
        },
    }
    with atomic_open(path) as f:
        torch.save(state, f)


def load_checkpoint(path: str | Path, restore_rng: bool = False) -> dict:
    """Everything saved; with `restore_rng` the random generators continue where they were."""
    state = read_checkpoint(path)
    if restore_rng:
        torch.set_rng_state(state["rng"]["torch"])
        random.setstate(state["rng"]["python"])
    return state
