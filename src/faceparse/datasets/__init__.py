"""Dataset readers, each in its dataset's official layout; `open_dataset` picks one by name."""

from __future__ import annotations

from pathlib import Path

from ..errors import UnknownNameError
from .base import FaceDataset, Sample, SampleRecord, Transform
from .celebamask_hq import CelebAMaskHQ
from .depth import DepthFolder
from .fasseg import Fasseg
from .folder import FolderDataset, write_folder_dataset
from .helen import Helen
from .lapa import LaPa

DATASETS: dict[str, type[FaceDataset]] = {
    cls.name: cls for cls in (CelebAMaskHQ, LaPa, Helen, Fasseg, FolderDataset)
}


def open_dataset(
    name: str,
    root: str | Path,
    split: str,
    depth: str | Path | None = None,
    transform: Transform | None = None,
    **options,
) -> FaceDataset:
    """`open_dataset("lapa", "/data/LaPa", "test", depth="/data/LaPa-D")`.

    `options` go to the reader: `subsets=("V2", "V3")` for FASSEG, `space="helen"` for a folder.
    """
    try:
        cls = DATASETS[name]
    except KeyError:
        raise UnknownNameError("dataset", name, DATASETS) from None
    return cls(root, split, depth=depth, transform=transform, **options)


__all__ = [
    "DATASETS",
    "CelebAMaskHQ",
    "DepthFolder",
    "FaceDataset",
    "Fasseg",
    "FolderDataset",
    "Helen",
    "LaPa",
    "Sample",
    "SampleRecord",
    "Transform",
    "open_dataset",
    "write_folder_dataset",
]
