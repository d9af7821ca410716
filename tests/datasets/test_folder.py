"""Tests of faceparse.datasets.folder."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.datasets import DepthFolder, open_dataset, write_folder_dataset
from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.errors import ConfigError, DataError
from faceparse.labels import HELEN, LAPA


def test_folder_dataset_with_depth_and_lists(tmp_path):
    faces = synthetic_dataset(5, seed=3, size=48, space=LAPA)
    write_folder_dataset(tmp_path, {"train": faces[:3], "test": faces[3:]})
    ds = open_dataset("folder", tmp_path, "test")
    s = ds[0]
    assert s.name == faces[3].name
    np.testing.assert_array_equal(s.image, faces[3].image)
    np.testing.assert_array_equal(s.depth, faces[3].depth)
    assert s.depth[0, 0] == 0 and s.depth.max() == 255
    assert DepthFolder(tmp_path).split_names("train") == [f.name for f in faces[:3]]
    assert DepthFolder(tmp_path / "depth").root == tmp_path
    helen = open_dataset("folder", tmp_path, "test", space="helen")
    assert helen.space is HELEN and ds.space is LAPA  # the option does not leak


def test_repeat_draws_the_listed_crops_of_the_split_more_often(tmp_path):
    faces = synthetic_dataset(5, seed=3, size=48, space=LAPA)
    write_folder_dataset(tmp_path, {"train": faces[:3], "test": faces[3:]})
    (tmp_path / "rare_list.txt").write_text(f"{faces[1].name}\n{faces[4].name}\n")
    train = open_dataset("folder", tmp_path, "train", repeat={"rare": 3})
    names = [r.name for r in train.records]
    assert len(names) == 5 and names.count(faces[1].name) == 3
    test = open_dataset("folder", tmp_path, "test", repeat={"rare": 3})
    assert [r.name for r in test.records].count(faces[4].name) == 3  # each split its own
    with pytest.raises(ConfigError, match="rare"):
        open_dataset("folder", tmp_path, "train", repeat={"rare": 0})
    with pytest.raises(DataError, match="missing_list"):
        open_dataset("folder", tmp_path, "train", repeat={"missing": 2})
