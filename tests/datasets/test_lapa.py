"""Tests of faceparse.datasets.lapa."""

from __future__ import annotations

import numpy as np
import pytest
from layouts import write_lapa

from faceparse.datasets import open_dataset
from faceparse.imageio import DataError
from faceparse.labels import LAPA


def test_lapa(tmp_path):
    labels = write_lapa(tmp_path, {"train": 3, "test": 2})
    ds = open_dataset("lapa", tmp_path, "test")
    assert len(ds) == 2 and ds.space is LAPA
    s = ds[1]
    np.testing.assert_array_equal(s.label, labels[s.name])
    assert s.label.max() <= 10 and s.depth is None
    with pytest.raises(DataError, match="val"):
        open_dataset("lapa", tmp_path, "val")
