"""The accessory check set and its score: each synthetic accessory drawn on face crops that were
never trained on, from a seed of its own (`CHECK_SEED`, apart from the training stream, which is
seeded by the training config's seed, epoch and sample), and a parser's F1 for the accessory's
class over the set.

    crops = check_set(samples)            # samples: (name, RGB crop, CelebAMask-HQ labels)
    scores = accessory_scores(predict, crops)   # predict: (N, S, S, 3) uint8 -> (N, S, S) ids
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from ..datasets.accessories import CLASS_OF, KINDS, add_accessory
from ..labels import CELEBAMASK_HQ
from ..metrics import mask_scores

CHECK_SEED = 20261130


@dataclass
class CheckCrop:
    name: str
    kind: str
    image: np.ndarray
    labels: np.ndarray  # CelebAMask-HQ ids, the accessory's exact mask included


def check_set(samples: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> list[CheckCrop]:
    """Every kind on every crop that has the parts it is placed by; reproducible."""
    out = []
    for i, (name, image, labels) in enumerate(samples):
        for k, kind in enumerate(KINDS):
            drawn = add_accessory(image, labels, kind, np.random.default_rng([CHECK_SEED, i, k]))
            if drawn is not None:
                out.append(CheckCrop(name, kind, *drawn))
    return out


def accessory_scores(
    predict: Callable[[np.ndarray], np.ndarray], crops: list[CheckCrop], batch_size: int = 16
) -> dict[str, dict]:
    """Per kind: faces, F1, precision and recall of its class, summed over the set's pixels."""
    counts = {kind: np.zeros(3, np.int64) for kind in KINDS}  # tp, fp, fn
    faces = dict.fromkeys(KINDS, 0)
    for i in range(0, len(crops), batch_size):
        batch = crops[i : i + batch_size]
        predicted = predict(np.stack([c.image for c in batch]))
        for crop, pred in zip(batch, predicted, strict=True):
            cls = CELEBAMASK_HQ.index(CLASS_OF[crop.kind])
            p, t = pred == cls, crop.labels == cls
            counts[crop.kind] += [(p & t).sum(), (p & ~t).sum(), (~p & t).sum()]
            faces[crop.kind] += 1
    return {kind: {"faces": faces[kind], **mask_scores(*counts[kind].tolist())} for kind in KINDS}
