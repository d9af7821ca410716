"""Overlay montages of dataset samples (`faceparse data show`), and the built-in synthetic
dataset job (`faceparse data demo`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..datasets import FaceDataset, open_dataset, write_folder_dataset
from ..datasets.check import CheckReport, check_dataset
from ..datasets.synthetic import synthetic_dataset
from ..errors import DataError
from ..imageio import write_png_atomic
from ..labels import LAPA
from ..visualize import legend, montage, sample_tiles


def write_samples_montage(ds: FaceDataset, out: Path, num: int, seed: int) -> list[str]:
    """Overlay montage of `num` random samples of `ds`; returns the problems of skipped ones."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ds))
    rows, skipped = [], []
    for i in order:
        if len(rows) == num:
            break
        record = ds.records[int(i)]
        try:
            s = ds.load(record)
        except DataError as e:
            skipped.append(str(e))
            continue
        rows.append((s.name, sample_tiles(s.image, s.label, s.space, s.depth)))
    if not rows:
        raise DataError(ds.root, "unreadable", "no readable sample to show")
    rows.append(("classes", [legend(ds.space)]))
    write_png_atomic(out, montage(rows))
    return skipped


def make_synthetic_demo(out: Path, count: int = 12, seed: int = 0) -> CheckReport:
    """A small synthetic RGB-D face dataset (LaPa labels, folder layout) in out/dataset, its
    check report, and an overlay montage out/montage.png. Needs no data."""
    faces = synthetic_dataset(count, seed=seed, size=192, space=LAPA)
    n_test = max(1, count // 4)
    write_folder_dataset(out / "dataset", {"train": faces[n_test:], "test": faces[:n_test]})
    report = check_dataset("folder", out / "dataset")
    ds = open_dataset("folder", out / "dataset", "train")
    write_samples_montage(ds, out / "montage.png", num=4, seed=seed)
    return report
