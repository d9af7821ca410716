"""Tests of faceparse.training.data."""

from __future__ import annotations

import json
from pathlib import Path

from training_runs import tiny

from faceparse.datasets import write_folder_dataset
from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.training.trainer import Trainer


def test_a_damaged_training_photo_is_passed_over_and_recorded_once(tmp_path):
    faces = synthetic_dataset(3, seed=4, size=64, space="lapa")
    root = write_folder_dataset(tmp_path / "data", {"train": faces})
    damaged = next((root / "images").glob(f"{faces[1].name}.*"))
    damaged.write_bytes(b"\x89PNG truncated")
    cfg = tiny(
        tmp_path,
        "mode=rgb",
        "data.dataset=folder",
        f"data.root={root}",
        "data.val_split=null",
        "data.depth=null",
        "optim.steps=3",
        "optim.batch_size=3",
    )
    trainer = Trainer(cfg)
    batch = next(iter(trainer.loader(0, 1)))
    assert batch["rgb"].shape[0] == 3  # the slot of the damaged photo is filled, not dropped
    assert sum(damaged.name in s for s in batch["skipped"]) == 1
    assert trainer.fit()["step"] == 3
    logged = [json.loads(x) for x in (Path(cfg.out) / "metrics.jsonl").read_text().splitlines()]
    recorded = [r["skipped"] for r in logged if "skipped" in r]
    assert len(recorded) == 1 and damaged.name in recorded[0] and "cannot decode" in recorded[0]


def test_accessories_are_drawn_into_celebamask_training_crops():
    import numpy as np

    from faceparse.labels import CELEBAMASK_HQ
    from faceparse.training.data import AugmentedFaces

    faces = synthetic_dataset(4, seed=1, size=128, space="celebamask-hq")
    data = AugmentedFaces(faces, 128, 0, np.ones(4, bool), False, accessories=1.0)
    plain = AugmentedFaces(faces, 128, 0, np.ones(4, bool), False)
    ids = {CELEBAMASK_HQ.index(c) for c in ("eye_g", "hat", "ear_r", "neck_l")}
    drawn = set()
    for i in range(4):
        with_acc, without = data[(0, i)], plain[(0, i)]
        added = set(with_acc["label"].unique().tolist()) - set(without["label"].unique().tolist())
        assert added <= ids  # nothing but accessory classes appears
        drawn |= added
    assert drawn  # and some do


def test_accessories_need_celebamask_labels(tmp_path):
    import pytest

    from faceparse.errors import ConfigError

    cfg = tiny(tmp_path, "mode=rgb", "data.accessories=0.5", "data.depth=null")
    with pytest.raises(ConfigError, match="CelebAMask-HQ classes; the data is in"):
        Trainer(cfg)
