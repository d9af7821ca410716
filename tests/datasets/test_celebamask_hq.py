"""Tests of faceparse.datasets.celebamask_hq."""

from __future__ import annotations

import numpy as np
import pytest
from layouts import write_celebamask_hq

from faceparse.datasets import open_dataset
from faceparse.imageio import DataError
from faceparse.labels import CELEBAMASK_HQ


def test_celebamask_hq_split_merge_and_resize(tmp_path):
    ids = {"train": [0, 1, 2000], "val": [2001], "test": [4005]}
    labels = write_celebamask_hq(tmp_path, ids)
    train = open_dataset("celebamask-hq", tmp_path, "train")
    assert train.names == ["0", "1", "2000"]
    assert open_dataset("celebamask-hq", tmp_path, "test").names == ["4005"]
    assert len(open_dataset("celebamask-hq", tmp_path, "all")) == 5
    s = train[2]  # id 2000 lives in mask folder 1
    assert train.records[2].label.parent.name == "1"
    assert s.image.shape == (64, 64, 3)  # 128² photo resized to the 64² mask grid
    assert s.space is CELEBAMASK_HQ
    # later parts overwrite earlier ones: the skin mask covering the eyes does not win
    np.testing.assert_array_equal(s.label, labels[2000])


def test_celebamask_hq_without_partition_file_says_so(tmp_path):
    write_celebamask_hq(tmp_path, {"train": [0]})
    (tmp_path / "list_eval_partition.txt").unlink()
    with pytest.raises(DataError, match="list_eval_partition.txt"):
        open_dataset("celebamask-hq", tmp_path, "train")
