"""Tests of faceparse.datasets.helen."""

from __future__ import annotations

import numpy as np
from layouts import write_helen

from faceparse.datasets import open_dataset
from faceparse.labels import HELEN


def test_helen_argmax_of_class_maps(tmp_path):
    labels = write_helen(tmp_path, {"train": 2, "val": 1, "test": 2})
    ds = open_dataset("helen", tmp_path, "test")
    assert ds.names == ["2000_0000", "2000_0001"]
    s = ds[0]
    np.testing.assert_array_equal(s.label, labels[s.name])
    assert s.space is HELEN and HELEN.index("hair") in np.unique(s.label)
