"""Face-parsing metrics: dataset-level F1/IoU/accuracy from one confusion matrix, fragmentation."""

from .confusion import (
    confusion_matrix,
    mask_scores,
    merged_f1,
    per_class_f1,
    per_class_iou,
    per_class_precision,
    per_class_recall,
    pixel_accuracy,
)
from .evaluator import ParsingEvaluator, ParsingScores
from .fragmentation import count_components, image_fragmentation

__all__ = [
    "ParsingEvaluator",
    "ParsingScores",
    "confusion_matrix",
    "count_components",
    "image_fragmentation",
    "mask_scores",
    "merged_f1",
    "per_class_f1",
    "per_class_iou",
    "per_class_precision",
    "per_class_recall",
    "pixel_accuracy",
]
