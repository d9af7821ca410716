"""Tests of faceparse.datasets.depth."""

from __future__ import annotations

import numpy as np
import pytest
from layouts import write_lapa
from PIL import Image

from faceparse.datasets import open_dataset, write_folder_dataset
from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.imageio import DataError


def test_any_dataset_pairs_with_a_depth_folder(tmp_path):
    labels = write_lapa(tmp_path / "lapa", {"test": 2})
    names = sorted(labels)
    depth_root = tmp_path / "lapa-d"
    (depth_root / "depth").mkdir(parents=True)
    for k, n in enumerate(names):
        Image.fromarray(np.full((64, 64), 10 + k, np.uint8)).save(depth_root / "depth" / f"{n}.png")
    ds = open_dataset("lapa", tmp_path / "lapa", "test", depth=depth_root)
    assert [int(ds[i].depth[0, 0]) for i in range(2)] == [10, 11]
    Image.fromarray(np.zeros((32, 64), np.uint8)).save(depth_root / "depth" / f"{names[0]}.png")
    with pytest.raises(DataError, match="is 64×32 but its label is 64×64") as e:
        ds[0]
    assert e.value.kind == "size_mismatch" and names[0] in str(e.value)
    (depth_root / "depth" / f"{names[1]}.png").unlink()
    with pytest.raises(DataError, match="file not found"):
        ds[1]


def test_samples_without_depth_can_be_left_out(tmp_path):
    from faceparse.datasets import open_dataset

    root = write_folder_dataset(tmp_path, {"all": synthetic_dataset(3, size=32, space="lapa")})
    (root / "depth" / "face0001.png").unlink()  # as `depth make` leaves a photo without a face
    ds = open_dataset("folder", root, "all", depth=root)
    assert ds.drop_samples_without_depth() == ["face0001"]
    assert ds.names == ["face0000", "face0002"] and ds[1].depth is not None
    plain = [f.with_arrays(depth=None) for f in synthetic_dataset(2, size=32, space="lapa")]
    no_depth = write_folder_dataset(tmp_path / "plain", {"all": plain})
    assert open_dataset("folder", no_depth, "all").drop_samples_without_depth() == []
