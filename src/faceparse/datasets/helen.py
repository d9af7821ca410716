"""Helen, the relabelled release of Smith et al. CVPR 2013 (SmithCVPR2013_dataset_resized).

ROOT/images/<name>.jpg
ROOT/labels/<name>/<name>_lbl00.png ... _lbl10.png   one grey map per class, label = argmax
ROOT/exemplars.txt (train) / tuning.txt (val) / testing.txt (test)   lines "<index> , <name>"
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from ..imageio import read_gray
from ..labels import HELEN
from .base import FaceDataset, SampleRecord, find_image

_SPLIT_FILES = {"train": "exemplars.txt", "val": "tuning.txt", "test": "testing.txt"}


class Helen(FaceDataset):
    name = "helen"
    space = HELEN
    splits = ("train", "val", "test")

    def index(self) -> list[SampleRecord]:
        list_file = self.root / _SPLIT_FILES[self.split]
        if not list_file.is_file():
            raise DataError(list_file, "missing", f"Helen {self.split} list not found")
        names = []
        for line in list_file.read_text().splitlines():
            if line.strip():
                names.append(line.split(",")[-1].strip())
        return [
            SampleRecord(n, find_image(self.root / "images", n), self.root / "labels" / n)
            for n in names
        ]

    def read_label(self, record: SampleRecord) -> np.ndarray:
        assert record.label is not None
        maps = []
        for k in range(self.space.num_classes):
            maps.append(read_gray(record.label / f"{record.name}_lbl{k:02d}.png"))
        shapes = {m.shape for m in maps}
        if len(shapes) != 1:
            raise DataError(record.label, "size_mismatch", f"class maps differ in size: {shapes}")
        return np.argmax(np.stack(maps), axis=0).astype(np.uint8)
