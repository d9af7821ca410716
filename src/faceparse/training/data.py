"""Training data: a deterministic stream of augmented batches.

Batch k is the same on every run, on every resume and whatever the number of loader workers:
the order is a fixed permutation per epoch (seeded by seed and epoch) and each sample's
augmentation is seeded by (seed, epoch, index). That is what makes `--resume` exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from ..datasets import Sample
from ..datasets.accessories import add_random_accessories
from ..datasets.occlusion import occlude
from ..datasets.transforms import training_transform
from ..errors import ConfigError, DataError
from ..imageio import list_images, read_rgb
from ..labels import IGNORE_INDEX, LabelSpace
from ..models.preprocess import depth_tensor, rgb_tensor


def choose_depth_labelled(count: int, fraction: float, seed: int) -> np.ndarray:
    """Which training images keep depth labels in the depth-labels-masked setting (at least
    one)."""
    return _chosen(count, fraction, [seed, 7])


def choose_real_depth(count: int, fraction: float, seed: int) -> np.ndarray:
    """Which training images have a real depth map in the scarce-depth setting (at least one);
    the others are RGB and labels only. A stream of its own, so the two settings can combine."""
    return _chosen(count, fraction, [seed, 8])


def _chosen(count: int, fraction: float, seed: list[int]) -> np.ndarray:
    keep = np.zeros(count, bool)
    k = max(1, int(round(fraction * count)))
    keep[np.random.default_rng(seed).permutation(count)[:k]] = True
    return keep


class TrainingFaces(torch.utils.data.Dataset):
    """What the training loaders share: items are (epoch, index) slots over `source`, each
    sample at `size`, drawn from a generator seeded by (seed, epoch, index) so that batch k is
    the same after `--resume`; `depth_labelled` says which keep depth labels (depth labels
    masked), `real_depth` which have a depth map at all (scarce depth; None: all of them)."""

    def __init__(
        self,
        source: Sequence[Sample],
        size: int,
        seed: int,
        depth_labelled: np.ndarray,
        with_depth: bool,
        real_depth: np.ndarray | None = None,
    ):
        self.source, self.size, self.seed = source, size, seed
        self.depth_labelled, self.with_depth = depth_labelled, with_depth
        self.real_depth = np.ones(len(source), bool) if real_depth is None else real_depth

    def __len__(self) -> int:
        return len(self.source)

    def check_depth(self, sample: Sample) -> None:
        if self.with_depth and sample.depth is None:
            raise ConfigError(f"{sample.name}: this mode needs depth; set data.depth")

    def depth_flags(self, index: int) -> tuple[bool, bool]:
        """(has a real depth map, its depth carries labels) for a sample: an image without a
        real depth map (scarce depth) gets a blank map that no loss term reads."""
        has = bool(self.real_depth[index])
        return has, has and bool(self.depth_labelled[index])


class AugmentedFaces(TrainingFaces):
    """Item (epoch, index) -> dict of rgb, depth, label, depth_label tensors, and `skipped`:
    the damaged files passed over to fill this slot, one per line ("" when none)."""

    def __init__(
        self,
        *args,
        occlusion: float = 0.0,
        occluded_copies: int = 0,
        accessories: float = 0.0,
        **kwargs,
    ):
        """Arguments as TrainingFaces, and: `occlusion`, the probability of an occluder on the
        crop (covered pixels -> background); `occluded_copies` > 0 adds `occluded` (K×3×H×W)
        and `visible` (K×H×W) for occlusion-robust distillation, keeping `rgb` clean;
        `accessories`, the probability of synthetic accessories (CelebAMask-HQ labels)."""
        super().__init__(*args, **kwargs)
        self.occlusion, self.accessories = occlusion, accessories
        self.occluded_copies = occluded_copies
        self.transform = training_transform(self.size)

    def __getitem__(self, item: tuple[int, int]) -> dict:
        epoch, index = item
        sample, index, skipped = self._readable(index)
        self.check_depth(sample)
        sample = self.transform(sample, np.random.default_rng([self.seed, epoch, index]))
        # A stream of its own, so switching occlusion on leaves the geometric augmentation as is.
        occ_rng = np.random.default_rng([self.seed, epoch, index, 1])
        extra = {}
        if self.occluded_copies:
            copies = [occlude(sample.image, occ_rng) for _ in range(self.occluded_copies)]
            extra["occluded"] = torch.stack([rgb_tensor(im) for im, _ in copies])
            extra["visible"] = torch.from_numpy(np.stack([~c for _, c in copies]))
        elif self.occlusion and occ_rng.random() < self.occlusion:
            image, covered = occlude(sample.image, occ_rng)
            label = (
                None
                if sample.label is None
                else np.where(covered, 0, sample.label).astype(np.uint8)
            )
            sample = sample.with_arrays(image=image, label=label)
        acc_rng = np.random.default_rng([self.seed, epoch, index, 2])
        if self.accessories and sample.label is not None and acc_rng.random() < self.accessories:
            image, label = add_random_accessories(sample.image, sample.label, acc_rng)
            sample = sample.with_arrays(image=image, label=label)
        if sample.label is None:  # unlabelled photos (distillation)
            label = torch.full(sample.image.shape[:2], IGNORE_INDEX, dtype=torch.int64)
        else:
            label = torch.from_numpy(sample.label.astype(np.int64))
        out = {"rgb": rgb_tensor(sample.image), "label": label, "skipped": skipped, **extra}
        if self.with_depth:
            has, labelled = self.depth_flags(index)
            depth = depth_tensor(sample.depth)
            out["depth"] = depth if has else torch.zeros_like(depth)
            out["has_depth"] = torch.tensor(has)
            out["depth_label"] = label if labelled else torch.full_like(label, IGNORE_INDEX)
        return out

    def _readable(self, index: int) -> tuple[Sample, int, str]:
        return next_readable(self.source.__getitem__, index, len(self.source))


def next_readable(load: Callable[[int], Sample], index: int, count: int) -> tuple[Sample, int, str]:
    """The sample at `index` or, when its files are damaged, the next readable one: a bad file
    in a large training set costs one substitution, not the run (and, being deterministic,
    keeps `--resume` exact). Returns (sample, its index, what was skipped, one per line)."""
    reasons = []
    for offset in range(count):
        i = (index + offset) % count
        try:
            return load(i), i, "\n".join(reasons)
        except DataError as e:
            reasons.append(str(e))
    raise DataError(
        reasons[0].split(": ")[0],
        "unreadable",
        f"no readable sample in the training set; first problem: {reasons[0]}",
    )


class UnlabelledPhotos(Sequence[Sample]):
    """Every readable photo in a folder, without labels (the distillation set). Each photo is
    decoded once up front (a few seconds for ~1000 photos), so a damaged file is left out and
    listed in `skipped` instead of stopping training hours later."""

    def __init__(self, folder: str | Path, space: LabelSpace):
        self.paths, self.skipped = [], []
        for path in list_images(Path(folder)):
            try:
                read_rgb(path)
                self.paths.append(path)
            except DataError as e:
                self.skipped.append(str(e))
        if not self.paths:
            raise DataError(folder, "missing", "no readable images in the unlabelled folder")
        self.space = space

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> Sample:
        return Sample(self.paths[i].stem, read_rgb(self.paths[i]), None, self.space)


class StepBatches(torch.utils.data.Sampler):
    """Batches for steps [start, stop): step k of rank r holds stream positions
    k·B·W + r·B … + B − 1, where the stream is the concatenation of per-epoch permutations."""

    def __init__(self, count, batch_size, seed, start, stop, rank=0, world_size=1):
        self.count, self.batch_size, self.seed = count, batch_size, seed
        self.start, self.stop, self.rank, self.world_size = start, stop, rank, world_size
        self._perms: dict[int, np.ndarray] = {}

    def _at(self, position: int) -> tuple[int, int]:
        epoch, offset = divmod(position, self.count)
        if epoch not in self._perms:
            self._perms = {epoch: np.random.default_rng([self.seed, epoch]).permutation(self.count)}
        return epoch, int(self._perms[epoch][offset])

    def __len__(self) -> int:
        return max(0, self.stop - self.start)

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        global_batch = self.batch_size * self.world_size
        for step in range(self.start, self.stop):
            first = step * global_batch + self.rank * self.batch_size
            yield [self._at(p) for p in range(first, first + self.batch_size)]
