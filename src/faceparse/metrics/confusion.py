"""Dataset-level scores from one confusion matrix summed over every evaluated pixel.

Face-parsing papers report F1 per class over the whole test set, not the mean of per-image
scores; summing one confusion matrix first is what makes the numbers comparable to theirs.

Conventions (`conf[t, p]` = pixels of true class t predicted as p):
* per-class F1 = 2·TP / (2·TP + FP + FN); IoU = TP / (TP + FP + FN). A class that appears neither
  in the ground truth nor in the predictions has no score (NaN) and is left out of the means.
* mean F1 averages the foreground classes (all but id 0), as in the face-parsing literature.
* mIoU averages all classes including background, as in mmsegmentation.
* overall F1 (Helen): the classes of `overall_ids` are merged into one, so confusing e.g. an upper
  lip for the inner mouth counts as correct; F1 of that merged class.
"""

from __future__ import annotations

import numpy as np

from ..labels import IGNORE_INDEX


def confusion_matrix(
    pred: np.ndarray, target: np.ndarray, num_classes: int, ignore_index: int = IGNORE_INDEX
) -> np.ndarray:
    """(num_classes, num_classes) int64 counts, rows = ground truth, columns = prediction.

    Pixels whose target is `ignore_index` are skipped. A prediction outside 0..num_classes-1 is an
    error (it would silently vanish from the counts otherwise)."""
    if pred.shape != target.shape:
        raise ValueError(f"prediction {pred.shape} and target {target.shape} differ in shape")
    keep = target != ignore_index
    t = target[keep].astype(np.int64)
    p = pred[keep].astype(np.int64)
    if t.size and (t.max() >= num_classes or t.min() < 0):
        raise ValueError(f"target ids outside 0..{num_classes - 1}: {np.unique(t).tolist()}")
    if p.size and (p.max() >= num_classes or p.min() < 0):
        raise ValueError(f"predicted ids outside 0..{num_classes - 1}: {np.unique(p).tolist()}")
    return np.bincount(t * num_classes + p, minlength=num_classes**2).reshape(
        num_classes, num_classes
    )


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def per_class_f1(conf: np.ndarray) -> np.ndarray:
    tp = np.diag(conf)
    fp = conf.sum(0) - tp
    fn = conf.sum(1) - tp
    return _ratio(2 * tp, 2 * tp + fp + fn)


def per_class_precision(conf: np.ndarray) -> np.ndarray:
    """Of the pixels predicted as each class (columns), the share truly of it."""
    return _ratio(np.diag(conf), conf.sum(0))


def per_class_recall(conf: np.ndarray) -> np.ndarray:
    """Of the pixels truly of each class (rows), the share predicted as it."""
    return _ratio(np.diag(conf), conf.sum(1))


def per_class_iou(conf: np.ndarray) -> np.ndarray:
    tp = np.diag(conf)
    return _ratio(tp, conf.sum(0) + conf.sum(1) - tp)


def pixel_accuracy(conf: np.ndarray) -> float:
    total = conf.sum()
    return float(np.trace(conf) / total) if total else float("nan")


def merged_f1(conf: np.ndarray, ids: tuple[int, ...] | list[int]) -> float:
    """F1 of the union of `ids` treated as one class (Helen's "overall")."""
    if not len(ids):
        return float("nan")
    inside = np.zeros(conf.shape[0], bool)
    inside[list(ids)] = True
    tp = conf[np.ix_(inside, inside)].sum()
    fn = conf[np.ix_(inside, ~inside)].sum()
    fp = conf[np.ix_(~inside, inside)].sum()
    return float(_ratio(2 * tp, 2 * tp + fp + fn))


def mask_scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    """F1, precision and recall of one mask from its pixel counts summed over a set; 0, not
    NaN, where nothing was predicted or nothing is there (a class never called scores 0)."""
    return {
        "f1": 2 * tp / max(2 * tp + fp + fn, 1),
        "precision": tp / max(tp + fp, 1),
        "recall": tp / max(tp + fn, 1),
    }


def nanmean(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=np.float64)
    valid = values[~np.isnan(values)]
    return float(valid.mean()) if valid.size else float("nan")
