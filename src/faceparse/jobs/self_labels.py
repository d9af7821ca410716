"""One round of self-training data: the face parts of each Celeb1k training crop relabelled by a
trained parser, fused with the labels the crop had as a prior.

The parser sees each crop and its mirror image (flip test-time augmentation; left/right classes
of the parser's own space swapped back), and its probabilities are summed into the data's label
space (a 19-class parser's into LaPa's 11). Only pixels labelled skin or a face part (brows,
eyes, nose, lips, inner mouth) are relabelled, and only among those classes: per pixel the
class maximising the parser's probability times the prior, which gives the crop's current label
`prior` of its weight and spreads the rest evenly. Hair and background (ground truth in
Celeb1k), FASSEG crops (corrected by FASSEG's own labels) and the validation crops keep their
labels, so a round's validation score is comparable with the last one's.

    self_label("runs/default-data", "rgb.safetensors", "runs/default-data-r1")
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets import FolderDataset
from ..errors import DataError
from ..imageio import link_or_copy, read_rgb, write_png_atomic
from ..labels import LabelSpace

PART_CLASSES = (
    "skin",
    "l_brow",
    "r_brow",
    "l_eye",
    "r_eye",
    "nose",
    "u_lip",
    "inner_mouth",
    "l_lip",
)


@dataclass(frozen=True)
class SelfLabelConfig:
    prior: float = 0.5  # weight of the crop's current label in the prior over PART_CLASSES
    prefix: str = "celeb1k_"  # training crops whose names start so are relabelled
    batch_size: int = 16


def fuse_parts(
    probs: np.ndarray, labels: np.ndarray, prior: float, space: LabelSpace
) -> np.ndarray:
    """Labels (S×S, ids in `space`) with their skin and part pixels decided by `probs` (C×S×S,
    the same space) times a prior that gives the current label `prior` and the other part
    classes (1 - prior) / K each."""
    parts = np.array([space.index(c) for c in PART_CLASSES])
    weight = np.full((len(parts), *labels.shape), (1 - prior) / len(parts), np.float32)
    for k, cls in enumerate(parts):
        weight[k][labels == cls] += prior
    best = parts[(probs[parts] * weight).argmax(0)]
    return np.where(np.isin(labels, parts), best, labels).astype(np.uint8)


def self_label(
    data: str | Path,
    parser: str | Path,
    out: str | Path,
    config: SelfLabelConfig = SelfLabelConfig(),
    backend: str = "auto",
) -> dict:
    """Write a copy of the folder dataset `data` to `out` with relabelled training crops and
    return counts, and the crops that could not be read (`failed`, each with its reason; they
    keep their labels). Images are hard-linked where the file system allows."""
    from ..parsing.crop_parsers import NetworkCropModel, flip_averaged, load_parser_runner
    from ..parsing.views import grouped_probabilities

    data, out = Path(data), Path(out)
    model = NetworkCropModel(load_parser_runner(parser, "rgb", backend), None, config.batch_size)
    for sub in ("images", "labels"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for name in ("train_list.txt", "val_list.txt", "manifest.jsonl"):
        if (data / name).is_file():
            shutil.copyfile(data / name, out / name)
    train = FolderDataset(data, "train")
    chosen = [r for r in train.records if r.name.startswith(config.prefix)]
    relabelled = {r.name for r in chosen}
    for record in FolderDataset(data, "all").records:
        link_or_copy(record.image, out / "images" / record.image.name)
        if record.name not in relabelled:
            link_or_copy(record.label, out / "labels" / record.label.name)
    changed, failed = 0, []
    for i in range(0, len(chosen), config.batch_size):
        batch = []
        for record in chosen[i : i + config.batch_size]:
            try:
                batch.append((record, readable_pair(train, record)))
            except DataError as e:  # a damaged crop keeps what it had; the round goes on
                failed.append({"name": record.name, "reason": str(e)})
                if record.label.is_file():
                    link_or_copy(record.label, out / "labels" / record.label.name)
        if not batch:
            continue
        scores = flip_averaged(model, np.stack([image for _, (image, _) in batch]))
        for (record, (_, labels)), sc in zip(batch, scores, strict=True):
            probs = grouped_probabilities(sc.probabilities, model.space, train.space)
            fused = fuse_parts(probs, labels, config.prior, train.space)
            changed += int((fused != labels).sum())
            write_png_atomic(out / "labels" / record.label.name, fused)
    relabelled_count = len(chosen) - len(failed)
    return {"relabelled": relabelled_count, "pixels_changed": changed, "failed": failed}


def readable_pair(dataset: FolderDataset, record) -> tuple[np.ndarray, np.ndarray]:
    """A crop and its labels, or DataError naming the file when they cannot be used."""
    image, labels = read_rgb(record.image), dataset.read_label(record)
    if image.shape[:2] != labels.shape:
        raise DataError(
            record.label, "size_mismatch", f"labels {labels.shape} for a crop {image.shape[:2]}"
        )
    return image, labels
