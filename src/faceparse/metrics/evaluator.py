"""`ParsingEvaluator`: feed it (prediction, ground truth) per image, read dataset-level scores."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import numpy as np

from ..labels import IGNORE_INDEX, LabelSpace, get_label_space
from .confusion import (
    confusion_matrix,
    merged_f1,
    nanmean,
    per_class_f1,
    per_class_iou,
    per_class_precision,
    per_class_recall,
    pixel_accuracy,
)
from .fragmentation import image_fragmentation


def json_safe(value):
    """NaN (a class in neither truth nor prediction) as None, in tuples and lists too."""
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, tuple | list):
        return [json_safe(x) for x in value]
    return value


@dataclass(frozen=True)
class ParsingScores:
    space: str
    classes: tuple[str, ...]
    num_images: int
    per_class_f1: tuple[float, ...]
    mean_f1: float  # foreground classes
    overall_f1: float  # Helen's merged inner-face classes
    per_class_iou: tuple[float, ...]
    miou: float  # all classes, background included
    pixel_accuracy: float
    per_class_fragmentation: tuple[float, ...]
    mean_fragmentation: float  # foreground classes
    per_class_precision: tuple[float, ...]
    per_class_recall: tuple[float, ...]

    def f1(self, name: str) -> float:
        """One class's F1, by name."""
        return self.per_class_f1[self.classes.index(name)]

    def to_dict(self) -> dict:
        return {k: json_safe(v) for k, v in asdict(self).items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_markdown(self) -> str:
        """A summary line and a per-class table, as written to docs and result files."""

        def fmt(v: float, digits: int = 4) -> str:
            return "–" if math.isnan(v) else f"{v:.{digits}f}"

        lines = [
            f"Label space `{self.space}`, {self.num_images} images.",
            "",
            "| mean F1 | overall F1 | mIoU | pixel acc. | fragmentation |",
            "|---:|---:|---:|---:|---:|",
            f"| {fmt(self.mean_f1)} | {fmt(self.overall_f1)} | {fmt(self.miou)} "
            f"| {fmt(self.pixel_accuracy)} | {fmt(self.mean_fragmentation, 3)} |",
            "",
            "| id | class | F1 | precision | recall | IoU | fragmentation |",
            "|---:|---|---:|---:|---:|---:|---:|",
        ]
        for i, c in enumerate(self.classes):
            lines.append(
                f"| {i} | {c} | {fmt(self.per_class_f1[i])} | {fmt(self.per_class_precision[i])} "
                f"| {fmt(self.per_class_recall[i])} | {fmt(self.per_class_iou[i])} "
                f"| {fmt(self.per_class_fragmentation[i], 3)} |"
            )
        return "\n".join(lines) + "\n"


class ParsingEvaluator:
    """Accumulates one confusion matrix and per-image fragmentation over a test set."""

    def __init__(self, space: str | LabelSpace, ignore_index: int = IGNORE_INDEX):
        self.space = get_label_space(space)
        self.ignore_index = ignore_index
        n = self.space.num_classes
        self.confusion = np.zeros((n, n), np.int64)
        self.fragmentation_sum = np.zeros(n, np.int64)
        self.num_images = 0

    def update(self, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
        """One image's predicted ids and ground-truth ids (H×W, same label space); returns
        that image's own confusion matrix."""
        n = self.space.num_classes
        image = confusion_matrix(pred, target, n, self.ignore_index)
        self.confusion += image
        self.fragmentation_sum += image_fragmentation(pred, target, n, self.ignore_index)
        self.num_images += 1
        return image

    def merge(self, other: ParsingEvaluator) -> None:
        """Add another evaluator's counts (e.g. from another worker)."""
        if other.space != self.space:
            raise ValueError(f"cannot merge {other.space.name} scores into {self.space.name}")
        self.confusion += other.confusion
        self.fragmentation_sum += other.fragmentation_sum
        self.num_images += other.num_images

    def compute(self) -> ParsingScores:
        f1 = per_class_f1(self.confusion)
        iou = per_class_iou(self.confusion)
        frag = (
            self.fragmentation_sum / self.num_images
            if self.num_images
            else np.full(self.space.num_classes, np.nan)
        )
        return ParsingScores(
            space=self.space.name,
            classes=self.space.classes,
            num_images=self.num_images,
            per_class_f1=tuple(float(x) for x in f1),
            mean_f1=nanmean(f1[1:]),
            overall_f1=merged_f1(self.confusion, self.space.overall_ids),
            per_class_iou=tuple(float(x) for x in iou),
            miou=nanmean(iou),
            pixel_accuracy=pixel_accuracy(self.confusion),
            per_class_fragmentation=tuple(float(x) for x in frag),
            mean_fragmentation=nanmean(frag[1:]),
            per_class_precision=tuple(float(x) for x in per_class_precision(self.confusion)),
            per_class_recall=tuple(float(x) for x in per_class_recall(self.confusion)),
        )
