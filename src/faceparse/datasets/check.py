"""`faceparse data check`: a report of everything wrong with a dataset on disk, never a crash.

Each sample's image, label and depth are read separately so that one sample can report several
problems at once, and one broken file never hides the next.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..imageio import read_gray, read_rgb
from ..labels import get_label_space
from . import DATASETS, FaceDataset, SampleRecord, open_dataset


@dataclass(frozen=True)
class Problem:
    name: str
    path: str
    kind: str  # one of DataError.KINDS, or "error" for anything unexpected
    reason: str


@dataclass
class SplitReport:
    split: str
    count: int = 0
    ok: int = 0
    problems: list[Problem] = field(default_factory=list)
    index_error: str | None = None
    class_pixels: np.ndarray | None = None  # pixels per class id over readable labels

    @property
    def healthy(self) -> bool:
        return self.index_error is None and not self.problems


@dataclass
class CheckReport:
    dataset: str
    root: str
    depth: str | None
    space: str
    classes: tuple[str, ...]
    splits: list[SplitReport]

    @property
    def healthy(self) -> bool:
        return all(s.healthy for s in self.splits)

    def problem_counts(self) -> Counter:
        return Counter(p.kind for s in self.splits for p in s.problems)

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "root": self.root,
            "depth": self.depth,
            "space": self.space,
            "healthy": self.healthy,
            "splits": [
                {
                    "split": s.split,
                    "count": s.count,
                    "ok": s.ok,
                    "index_error": s.index_error,
                    "class_pixels": (
                        None
                        if s.class_pixels is None
                        else dict(zip(self.classes, s.class_pixels.tolist(), strict=True))
                    ),
                    "problems": [p.__dict__ for p in s.problems],
                }
                for s in self.splits
            ],
        }


def check_record(ds: FaceDataset, record: SampleRecord) -> tuple[list[Problem], np.ndarray | None]:
    """Every problem of one sample, and its label map when that could be read."""
    problems: list[Problem] = []

    def attempt(path: Path, fn: Callable, *args):
        try:
            return fn(*args)
        except DataError as e:
            problems.append(Problem(record.name, str(e.path), e.kind, e.reason))
        except Exception as e:  # a report must survive whatever a broken file does
            problems.append(Problem(record.name, str(path), "error", f"{type(e).__name__}: {e}"))
        return None

    label_path = record.label or record.image
    label = attempt(label_path, ds.read_label, record)
    depth_path = ds.depth.path(record.name) if ds.depth is not None else None
    if label is not None:
        attempt(label_path, ds.check_label_ids, label, record)
        attempt(record.image, ds.read_image, record, label.shape)
        if depth_path:
            attempt(depth_path, ds.read_depth, record, label.shape)
    else:  # no label grid to align to: still check that the other files decode
        attempt(record.image, read_rgb, record.image)
        if depth_path:
            attempt(depth_path, read_gray, depth_path)
    return problems, label


def check_split(ds: FaceDataset, progress: Callable[[Iterable], Iterable] = iter) -> SplitReport:
    report = SplitReport(ds.split, count=len(ds))
    pixels = np.zeros(256, np.int64)
    for record in progress(ds.records):
        problems, label = check_record(ds, record)
        if label is not None:
            pixels += np.bincount(label.ravel(), minlength=256)
        report.problems.extend(problems)
        report.ok += not problems
    report.class_pixels = pixels[: ds.space.num_classes]
    return report


def check_dataset(
    dataset: str,
    root: str | Path,
    splits: Iterable[str] | None = None,
    depth: str | Path | None = None,
    progress: Callable[[Iterable], Iterable] = iter,
    **options,
) -> CheckReport:
    cls = DATASETS[dataset]
    splits = list(splits) if splits else list(cls.check_splits(Path(root)))
    space = get_label_space(options.get("space") or cls.space)
    reports = []
    for split in splits:
        try:
            ds = open_dataset(dataset, root, split, depth=depth, **options)
        except (DataError, ValueError, OSError) as e:
            reports.append(SplitReport(split, index_error=str(e)))
            continue
        reports.append(check_split(ds, progress))
    return CheckReport(
        dataset,
        str(root),
        None if depth is None else str(depth),
        space.name,
        space.classes,
        reports,
    )
