"""FASSEG (Khan et al.) in its original layout, as in ../shared/data/fasseg:

    ROOT/V1|V2/{Train,Test}_{RGB,Labels}/<n>.png        frontal sets (V2: 20 train / 50 test)
    ROOT/V3/Train_RGB/<yaw>/<name>.png      multipose, train only
    ROOT/V3/Train_labels/<yaw>/<name>.png

Labels are colour-coded and anti-aliased; each pixel is snapped to the nearest palette colour.
Names keep the subset and folder ("V2/Test/3", "V3/+45/personne01149+0+45") so they are unique.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError, UnknownNameError
from ..imageio import list_images, read_rgb, snap_to_palette
from ..labels import FASSEG
from .base import FaceDataset, SampleRecord


def _child(folder: Path, name: str) -> Path:
    """Case-insensitive child lookup: V2 has Train_Labels, V3 has Train_labels."""
    exact = folder / name
    if exact.is_dir() or not folder.is_dir():
        return exact
    for p in folder.iterdir():
        if p.name.lower() == name.lower():
            return p
    return exact


# Two of the seven FASSEG V3 persons (all 13 yaws, both sessions each: 52 photos) are kept for
# evaluation of whole-head parsing by yaw; training data made by the project leaves them out.
HELD_OUT_PERSONS = ("personne06", "personne07")


HELD_OUT_CHOICES = ("include", "exclude", "only")


def v3_person(name: str) -> str:
    """ "V3/+45/personne01149+0+45" or a file stem -> "personne01"."""
    stem = name.rsplit("/", 1)[-1]
    return stem[: len("personne") + 2]


def held_out(name: str, persons: tuple[str, ...] = HELD_OUT_PERSONS) -> bool:
    """Whether a FASSEG record name ("V3/+45/personne06...") is a photo of a held-out person."""
    return name.startswith("V3/") and v3_person(name) in persons


def v3_yaw(name: str) -> int:
    """Yaw in degrees from a V3 name: "V3/-60/..." or "personne01144+0-60" -> -60."""
    stem = name.rsplit("/", 1)[-1]
    return int(stem[stem.index("+0") + 2 :])


class Fasseg(FaceDataset):
    name = "fasseg"
    space = FASSEG
    splits = ("train", "test")
    # Which subsets make up a split. V3 (multipose) has no test set.
    subsets: tuple[str, ...] = ("V2",)

    def __init__(
        self, root, split, depth=None, transform=None, seed=0, subsets=None, held_out="include"
    ):
        """`held_out`: what to do with the HELD_OUT_PERSONS' V3 photos — "include" them,
        "exclude" them (a training set that leaves a validation set apart) or keep "only" them
        (that validation set)."""
        if subsets is not None:
            self.subsets = tuple(subsets)
        if held_out not in HELD_OUT_CHOICES:
            raise UnknownNameError("held_out", held_out, HELD_OUT_CHOICES)
        self.held_out = held_out
        super().__init__(root, split, depth, transform, seed)

    def index(self) -> list[SampleRecord]:
        records: list[SampleRecord] = []
        phase = self.split.capitalize()
        for subset in self.subsets:
            base = self.root / subset
            if not base.is_dir():
                raise DataError(base, "missing", f"FASSEG subset {subset} not found")
            rgb_dir, lbl_dir = _child(base, f"{phase}_RGB"), _child(base, f"{phase}_Labels")
            if subset == "V3":
                if self.split != "train":
                    continue
                for pose_dir in sorted(p for p in rgb_dir.iterdir() if p.is_dir()):
                    for img in list_images(pose_dir):
                        name = f"{subset}/{pose_dir.name}/{img.stem}"
                        records.append(SampleRecord(name, img, lbl_dir / pose_dir.name / img.name))
            else:
                for img in list_images(rgb_dir):
                    name = f"{subset}/{phase}/{img.stem}"
                    records.append(SampleRecord(name, img, lbl_dir / img.name))
        if self.held_out != "include":
            keep = self.held_out == "only"
            records = [r for r in records if held_out(r.name) == keep]
        return records

    def read_label(self, record: SampleRecord) -> np.ndarray:
        assert record.label is not None
        return snap_to_palette(read_rgb(record.label), np.asarray(self.space.palette))
