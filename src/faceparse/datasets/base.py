"""What every dataset reader shares: the sample type, the file index, alignment and validation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np

from ..errors import ConfigError, DataError, UnknownNameError
from ..imageio import read_gray, read_label_ids, read_rgb
from ..labels import IGNORE_INDEX, LabelSpace
from .depth import DepthFolder


@dataclass
class Sample:
    """One face: RGB uint8 H×W×3, labels uint8 H×W in `space`, optional depth uint8 H×W."""

    name: str
    image: np.ndarray
    label: np.ndarray | None
    space: LabelSpace
    depth: np.ndarray | None = None

    def __post_init__(self) -> None:
        h, w = self.image.shape[:2]
        if self.image.ndim != 3 or self.image.shape[2] != 3 or self.image.dtype != np.uint8:
            raise ValueError(f"{self.name}: image must be uint8 H×W×3, got {self.image.shape}")
        for what, arr in (("label", self.label), ("depth", self.depth)):
            if arr is not None and (arr.shape != (h, w) or arr.dtype != np.uint8):
                raise ValueError(
                    f"{self.name}: {what} must be uint8 {h}×{w}, got {arr.dtype} {arr.shape}"
                )

    def with_arrays(self, **arrays: np.ndarray | None) -> Sample:
        return replace(self, **arrays)


@dataclass(frozen=True)
class SampleRecord:
    """Where one sample's files live. `label` is a file, or a prefix/folder the reader expands."""

    name: str
    image: Path
    label: Path | None


Transform = Callable[[Sample, np.random.Generator], Sample]


class FaceDataset(Sequence[Sample]):
    """A dataset in its official layout. Subclasses say where files are (`index`) and how labels
    are stored (`read_label`); this class pairs depth, checks alignment and label ids.

    `depth` is a folder in the released depth layout (`depth/<name>.png`), see `DepthFolder`.
    """

    name: ClassVar[str]
    space: ClassVar[LabelSpace]
    splits: ClassVar[tuple[str, ...]]
    # CelebAMask-HQ ships 1024² photos with 512² masks: only there is rescaling the photo expected.
    rescale_image_to_label: ClassVar[bool] = False

    def __init__(
        self,
        root: str | Path,
        split: str,
        depth: str | Path | None = None,
        transform: Transform | None = None,
        seed: int = 0,
    ):
        self.root = Path(root)
        if split not in self.splits:
            raise UnknownNameError(f"{self.name} split", split, self.splits)
        if not self.root.is_dir():
            raise DataError(self.root, "missing", f"{self.name} root folder not found")
        self.split = split
        self.records: list[SampleRecord] = self.index()
        self.depth = DepthFolder(depth) if depth is not None else None
        self.transform = transform
        self._rng = np.random.default_rng(seed)

    # -- what subclasses provide --------------------------------------------------------------
    def index(self) -> list[SampleRecord]:
        raise NotImplementedError

    def read_label(self, record: SampleRecord) -> np.ndarray:
        if record.label is None:
            raise DataError(record.image, "missing", "no label file for this image")
        return read_label_ids(record.label)

    # -- shared -------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [r.name for r in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> Sample:  # type: ignore[override]
        sample = self.load(self.records[i])
        return self.transform(sample, self._rng) if self.transform else sample

    def load(self, record: SampleRecord) -> Sample:
        """Read, align and validate one sample (no augmentation). Raises DataError."""
        label = self.read_label(record)
        self.check_label_ids(label, record)
        image = self.read_image(record, label.shape)
        depth = self.read_depth(record, label.shape) if self.depth is not None else None
        return Sample(record.name, image, label, self.space, depth)

    def read_image(self, record: SampleRecord, label_shape: tuple[int, ...]) -> np.ndarray:
        return self.fit_to_label(read_rgb(record.image), label_shape, record.image, cv2.INTER_AREA)

    def read_depth(self, record: SampleRecord, label_shape: tuple[int, ...]) -> np.ndarray:
        if self.depth is None:
            raise ConfigError(f"{self.name}: no depth folder was given")
        path = self.depth.path(record.name)
        return self.fit_to_label(read_gray(path), label_shape, path, cv2.INTER_NEAREST)

    def drop_samples_without_depth(self) -> list[str]:
        """Leave out samples whose depth map is missing (`faceparse depth make` writes none for
        photos without a face); returns their names."""
        if self.depth is None:
            return []
        keep = [r for r in self.records if self.depth.path(r.name).is_file()]
        dropped = [r.name for r in self.records if r not in keep]
        self.records = keep
        return dropped

    @classmethod
    def check_splits(cls, root: Path) -> tuple[str, ...]:
        """The splits `faceparse data check` looks at when none is named."""
        return tuple(s for s in cls.splits if s != "all")

    def check_label_ids(self, label: np.ndarray, record: SampleRecord) -> None:
        bad = np.unique(label[(label >= self.space.num_classes) & (label != IGNORE_INDEX)])
        if bad.size:
            raise DataError(
                record.label or record.image,
                "label_ids",
                f"label ids {bad.tolist()} are outside {self.space.name} "
                f"(0..{self.space.num_classes - 1}, {IGNORE_INDEX} = ignore)",
            )

    def fit_to_label(
        self, arr: np.ndarray, shape: tuple[int, ...], path: Path, interp: int
    ) -> np.ndarray:
        """Return `arr` on the label grid, resizing only where the dataset's layout expects it."""
        h, w = shape[:2]
        ah, aw = arr.shape[:2]
        if (ah, aw) == (h, w):
            return arr
        same_aspect = abs(ah * w - aw * h) <= max(ah, aw)  # within one pixel
        if self.rescale_image_to_label and same_aspect:
            return cv2.resize(arr, (w, h), interpolation=interp)
        raise DataError(path, "size_mismatch", f"is {aw}×{ah} but its label is {w}×{h}")


def find_image(folder: Path, stem: str) -> Path:
    """The photo `stem.*` in `folder` (datasets mix .jpg and .png); `stem.jpg` if none exists."""
    for ext in (".jpg", ".png", ".jpeg", ".bmp", ".JPG", ".PNG"):
        p = folder / f"{stem}{ext}"
        if p.is_file():
            return p
    return folder / f"{stem}.jpg"
