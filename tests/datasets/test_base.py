"""Tests of faceparse.datasets.base."""

from __future__ import annotations

import numpy as np
import pytest
from layouts import write_lapa
from PIL import Image

from faceparse.datasets import open_dataset
from faceparse.imageio import DataError


def test_label_ids_outside_the_space_are_reported(tmp_path):
    labels = write_lapa(tmp_path, {"train": 1})
    name = next(iter(labels))
    bad = labels[name].copy()
    bad[0, :3] = 17
    Image.fromarray(bad).save(tmp_path / "train" / "labels" / f"{name}.png")
    ds = open_dataset("lapa", tmp_path, "train")
    with pytest.raises(DataError, match=r"label ids \[17\] are outside lapa") as e:
        ds[0]
    assert e.value.kind == "label_ids"


def test_image_label_size_mismatch(tmp_path):
    labels = write_lapa(tmp_path, {"train": 1})
    name = next(iter(labels))
    Image.fromarray(np.zeros((10, 20, 3), np.uint8)).save(
        tmp_path / "train" / "images" / f"{name}.jpg"
    )
    with pytest.raises(DataError, match="is 20×10 but its label is 64×64"):
        open_dataset("lapa", tmp_path, "train")[0]


def test_unknown_dataset_and_split():
    with pytest.raises(KeyError, match="choose from celebamask-hq"):
        open_dataset("celeba", ".", "train")
    with pytest.raises(ValueError, match="unknown lapa split .dev.; choose from train"):
        open_dataset("lapa", ".", "dev")
