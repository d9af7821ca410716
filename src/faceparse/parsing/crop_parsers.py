"""What parses one aligned face crop: `predict(crops, depth) -> [CropScores]`, one per crop.

* `NetworkCropModel` — trained parsers: an RGB one and optionally a depth one; with depth given,
  their probabilities are averaged (the two parsers of the mutual-learning method see different
  evidence, so they fail differently). A depth parser in a coarser space than the RGB one (LaPa
  under CelebAMask-HQ) is lifted first: its probability for a coarse class is shared among the
  fine classes that convert to it, as the RGB parser shares it (`lift_probabilities`).
* `LandmarkCropModel` — the landmark-geometry parser, no training.

`flip_averaged` runs any of them on crops and their mirror images and averages the two, with
the left/right pairs of the parser's own label space.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from ..errors import ConfigError, ModelFileError
from ..labels import LAPA, LabelSpace, mapping_lut
from ..models.files import ParserCard, load_parser_file
from ..models.runtime import Runner, parser_runner
from ..normalization import normalize_depth, normalize_rgb
from .crop_scores import (
    CropScores,
    Logits,
    Probabilities,
    mirror_averaged,
    probabilities,
    summed_by_group,
)
from .landmark_parser import LandmarkParser


class CropModel(Protocol):
    """What parses aligned face crops, in its own label space (`space`), at `size`."""

    space: LabelSpace
    size: int
    uses_depth: bool

    def predict(self, crops: np.ndarray, depth: np.ndarray | None = None) -> list[CropScores]: ...


def flip_averaged(
    model: CropModel, crops: np.ndarray, depth: np.ndarray | None = None
) -> list[CropScores]:
    """`model`'s scores of (N, S, S, 3) crops averaged with those of their mirror images,
    flipped back with the left/right classes of `model.space` swapped. The mirrored crops go
    in the same network call: one batch of 2N."""
    n = len(crops)
    both = model.predict(
        np.concatenate([crops, crops[:, :, ::-1]]),
        None if depth is None else np.concatenate([depth, depth[:, :, ::-1]]),
    )
    if all(isinstance(sc, Logits) for sc in both):
        # Averaged as logits, on the network's grid: the scores of averaged probabilities
        # to 0.001 F1, for less time (docs/results/INPUT_SIZE.md).
        logits = np.stack([sc.logits for sc in both])
        averaged = mirror_averaged(logits[:n], logits[n:], model.space)
        return [Logits(a, both[0].size) for a in averaged]
    probs = np.stack([sc.probabilities for sc in both])
    averaged = mirror_averaged(probs[:n], probs[n:], model.space)
    return [Probabilities(p) for p in averaged]


@dataclass(frozen=True)
class LoadedParser:
    """A parser ready to run: its card and a function from input batches to logits."""

    card: ParserCard
    run: Runner

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """(N, K, S, S) class probabilities of an input batch (N, C, S, S)."""
        return probabilities(self.run(x), x.shape[2:])


def load_parser_runner(
    path: str | Path,
    modality: str,
    backend: str = "auto",
    threads: int | None = None,
    device: str = "auto",
) -> LoadedParser:
    """A parser file (.safetensors) or checkpoint (.pt) on the chosen backend and device. A
    file whose l_*/r_* channels follow the other side convention than its label space
    (`ParserCard.sides`) has them swapped, so its scores are always in its space's terms."""
    net, card = load_parser_file(path, modality)
    run = parser_runner(net, card, Path(path), backend, threads, device)
    if card.swaps_sides:
        swap = card.label_space.flip_lut()[: card.label_space.num_classes]
        raw = run

        def run(x: np.ndarray) -> np.ndarray:
            return raw(x)[:, swap]

    return LoadedParser(card, run)


class NetworkCropModel:
    """An RGB parser, and a depth parser loaded only when a depth map first comes with crops."""

    def __init__(
        self,
        rgb: LoadedParser,
        depth: Callable[[], LoadedParser] | None = None,
        batch_size: int = 8,
    ):
        self.rgb, self.card = rgb, rgb.card
        self.space: LabelSpace = rgb.card.label_space
        self.size = rgb.card.size
        self.batch_size = batch_size
        self._load_depth, self._depth = depth, None
        self._lift: np.ndarray | None = None  # fine -> coarse ids when the depth space is coarser

    @property
    def uses_depth(self) -> bool:
        return self._load_depth is not None

    def depth_parser(self) -> LoadedParser:
        if self._depth is None:
            depth = self._load_depth()
            if depth.card.space != self.card.space:
                try:
                    self._lift = mapping_lut(self.space, depth.card.label_space)
                except ConfigError:
                    raise ModelFileError(
                        f"RGB parser predicts {self.card.space}, depth parser "
                        f"{depth.card.space}, which it cannot be converted to"
                    ) from None
            self._depth = depth
        return self._depth

    def predict(self, crops: np.ndarray, depth: np.ndarray | None = None) -> list[CropScores]:
        """(N, S, S, 3) uint8 crops [+ (N, S, S) uint8 depth] -> their scores: the RGB
        parser's logits, or with depth the two parsers' probabilities averaged."""
        out: list[CropScores] = []
        size = crops.shape[1]
        for i in range(0, len(crops), self.batch_size):
            x = np.stack([normalize_rgb(c) for c in crops[i : i + self.batch_size]])
            if depth is None or not self.uses_depth:
                out += [Logits(logits, size) for logits in self.rgb.run(x)]
                continue
            p = self.rgb.probabilities(x)
            d = np.stack([normalize_depth(c) for c in depth[i : i + self.batch_size]])
            pd = self.depth_parser().probabilities(d)
            if self._lift is not None:
                pd = lift_probabilities(pd, p, self._lift)
            out += [Probabilities(q) for q in (p + pd) / 2]
        return out


def lift_probabilities(coarse: np.ndarray, fine: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Coarse-space probabilities (N, K, H, W) in a finer space (N, C, H, W): fine class c gets
    coarse[lut[c]] × fine[c] / (sum of `fine` over the classes that share lut[c])."""
    groups = lut[: fine.shape[1]].astype(np.int64)
    group_sum = summed_by_group(fine, groups, coarse.shape[1])
    return coarse[:, groups] * fine / np.maximum(group_sum[:, groups], 1e-8)


class LandmarkCropModel:
    """Face-mesh polygons per crop as one-hot probabilities, softened over ~1% of the crop so
    that pasting back and resizing give smooth edges."""

    space = LAPA
    uses_depth = False

    def __init__(self, teacher: str | Path | None = None, size: int = 256):
        self.parser = LandmarkParser(teacher)
        self.size = size

    def predict(self, crops: np.ndarray, depth: np.ndarray | None = None) -> list[CropScores]:
        # Context views come smaller than `size`: work at whatever size the crops have.
        n, c, side = len(crops), self.space.num_classes, crops.shape[1]
        out = np.zeros((n, c, side, crops.shape[2]), np.float32)
        sigma = 0.01 * side
        for i, crop in enumerate(crops):
            found = self.parser(crop)
            if found is None:  # the mesh can miss a face the detector found: all background
                out[i, 0] = 1
                continue
            one_hot = np.eye(c, dtype=np.float32)[found[0]]
            soft = cv2.GaussianBlur(one_hot, (0, 0), sigma)
            out[i] = soft.transpose(2, 0, 1) / soft.sum(2)[None]
        return [Probabilities(p) for p in out]
