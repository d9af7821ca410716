"""CelebAMask-HQ in its official layout.

    ROOT/CelebA-HQ-img/<id>.jpg                              1024² photos
    ROOT/CelebAMask-HQ-mask-anno/<id // 2000>/<id:05d>_<part>.png   512² binary mask per part
    ROOT/CelebA-HQ-to-CelebA-mapping.txt                     HQ id -> original CelebA file
    ROOT/list_eval_partition.txt                             CelebA's split (0 train, 1 val, 2 test)

The per-part masks are merged in the official order (later parts overwrite earlier ones), which
gives labels in the `celebamask-hq` space. Photos are resized to the 512² mask grid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from ..imageio import read_gray
from ..labels import CELEBAMASK_HQ
from .base import FaceDataset, SampleRecord

_PARTITION_CODES = {"train": "0", "val": "1", "test": "2"}


def read_hq_partition(root: Path) -> dict[str, list[int]]:
    """{split: [HQ ids]} from CelebA's partition file, through the HQ -> CelebA mapping."""
    mapping_file = root / "CelebA-HQ-to-CelebA-mapping.txt"
    partition_file = root / "list_eval_partition.txt"
    if not partition_file.is_file() and (root / "Eval" / "list_eval_partition.txt").is_file():
        partition_file = root / "Eval" / "list_eval_partition.txt"
    for f in (mapping_file, partition_file):
        if not f.is_file():
            raise DataError(f, "missing", "needed for the train/val/test split of CelebAMask-HQ")
    partition: dict[str, str] = {}
    for line in partition_file.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            partition[parts[0]] = parts[1]
    splits: dict[str, list[int]] = {s: [] for s in _PARTITION_CODES}
    code_to_split = {v: k for k, v in _PARTITION_CODES.items()}
    for line in mapping_file.read_text().splitlines()[1:]:  # header: idx orig_idx orig_file
        parts = line.split()
        if len(parts) < 3:
            continue
        code = partition.get(parts[2])
        if code is None:
            raise DataError(partition_file, "format", f"{parts[2]} has no partition entry")
        splits[code_to_split[code]].append(int(parts[0]))
    return splits


class CelebAMaskHQ(FaceDataset):
    name = "celebamask-hq"
    space = CELEBAMASK_HQ
    splits = ("train", "val", "test", "all")
    rescale_image_to_label = True

    def index(self) -> list[SampleRecord]:
        img_dir = self.root / "CelebA-HQ-img"
        if not img_dir.is_dir():
            raise DataError(img_dir, "missing", "CelebAMask-HQ image folder not found")
        if self.split == "all":
            ids = sorted(int(p.stem) for p in img_dir.glob("*.jpg") if p.stem.isdigit())
        else:
            ids = sorted(read_hq_partition(self.root)[self.split])
        mask_dir = self.root / "CelebAMask-HQ-mask-anno"
        return [
            SampleRecord(str(i), img_dir / f"{i}.jpg", mask_dir / str(i // 2000) / f"{i:05d}")
            for i in ids
        ]

    def read_label(self, record: SampleRecord) -> np.ndarray:
        assert record.label is not None
        label = None
        found = 0
        for class_id, part in enumerate(self.space.classes[1:], start=1):
            path = record.label.parent / f"{record.label.name}_{part}.png"
            if not path.is_file():
                continue
            mask = read_gray(path)
            if label is None:
                label = np.zeros(mask.shape, np.uint8)
            elif mask.shape != label.shape:
                raise DataError(
                    path, "size_mismatch", f"mask is {mask.shape}, others {label.shape}"
                )
            label[mask > 127] = class_id
            found += 1
        if label is None:
            raise DataError(
                f"{record.label}_*.png", "missing", "no part masks for this image (not even skin)"
            )
        return label
