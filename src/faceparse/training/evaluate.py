"""Evaluate parsers on a test split at the labels' own resolution: inputs are resized to the
network size, logits are resized back, and scores come from `ParsingEvaluator`."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..datasets import Sample
from ..errors import ConfigError, UnknownNameError
from ..metrics import ParsingEvaluator, ParsingScores
from ..models.preprocess import depth_tensor, rgb_tensor
from ..models.runtime import model_device

MODALITIES = ("rgb", "depth", "translated")


@dataclass
class DepthErrors:
    """Translator error on the foreground of the real depth, in grey levels (0..255)."""

    l1: float
    rmse: float

    def to_dict(self) -> dict:
        return {"depth_l1": self.l1, "depth_rmse": self.rmse}


def _resized(arr: np.ndarray, size: int) -> np.ndarray:
    return cv2.resize(arr, (size, size), interpolation=cv2.INTER_AREA)


@torch.no_grad()
def predict_logits(
    parser: torch.nn.Module, inputs: torch.Tensor, out_size: tuple[int, int], autocast=None
) -> torch.Tensor:
    """Network-size inputs (B×C×S×S) -> logits at `out_size` (float32)."""
    with autocast or contextlib.nullcontext():
        logits = parser(inputs)
    return F.interpolate(logits.float(), size=out_size, mode="bilinear")


@torch.no_grad()
def evaluate(
    samples: Sequence[Sample],
    modality: str,
    size: int,
    parser: torch.nn.Module,
    translator: torch.nn.Module | None = None,
    autocast=None,
) -> tuple[ParsingScores, DepthErrors | None]:
    """Scores of `parser` on `samples` seen as `modality` (translated = RGB → translator →
    depth parser; its DepthErrors compare translated with real depth where the latter exists).
    Inputs go where the parser's weights are."""
    if modality not in MODALITIES:
        raise UnknownNameError("modality", modality, MODALITIES)
    if modality == "translated" and translator is None:
        raise ConfigError("modality 'translated' needs a checkpoint with a translator")
    parser.eval()
    device = model_device(parser)
    if translator is not None:
        translator.eval()
    evaluator = ParsingEvaluator(samples[0].space) if len(samples) else None
    abs_err, sq_err, n_fg = 0.0, 0.0, 0
    for s in samples:
        h, w = s.label.shape
        if modality == "depth":
            if s.depth is None:
                raise ConfigError(f"{s.name}: no depth map; pass the depth folder")
            x = depth_tensor(_resized(s.depth, size))[None].to(device)
        else:
            x = rgb_tensor(_resized(s.image, size))[None].to(device)
        if modality == "translated":
            with autocast or contextlib.nullcontext():
                x = translator(x).float()
            if s.depth is not None:
                pred = F.interpolate(x, size=(h, w), mode="bilinear")[0, 0].cpu().numpy() * 255
                fg = s.depth > 0
                diff = pred[fg] - s.depth[fg].astype(np.float32)
                abs_err += float(np.abs(diff).sum())
                sq_err += float((diff**2).sum())
                n_fg += int(fg.sum())
        logits = predict_logits(parser, x, (h, w), autocast)
        evaluator.update(logits.argmax(1)[0].cpu().numpy().astype(np.uint8), s.label)
    errors = DepthErrors(abs_err / n_fg, float(np.sqrt(sq_err / n_fg))) if n_fg else None
    return evaluator.compute(), errors
