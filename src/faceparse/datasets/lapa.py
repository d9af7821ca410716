"""LaPa in its official layout: ROOT/{train,val,test}/{images/<name>.jpg, labels/<name>.png,
landmarks/<name>.txt}. Labels are grey PNGs of LaPa ids (the `lapa` space)."""

from __future__ import annotations

from ..errors import DataError
from ..imageio import list_images
from ..labels import LAPA
from .base import FaceDataset, SampleRecord


class LaPa(FaceDataset):
    name = "lapa"
    space = LAPA
    splits = ("train", "val", "test")

    def index(self) -> list[SampleRecord]:
        split_dir = self.root / self.split
        if not split_dir.is_dir():
            raise DataError(split_dir, "missing", f"LaPa {self.split} folder not found")
        labels = split_dir / "labels"
        return [
            SampleRecord(p.stem, p, labels / f"{p.stem}.png")
            for p in list_images(split_dir / "images")
        ]
