"""A predicted hair/skin mask from an ONNX segmenter (../shared/models/skin_clothes_hair.onnx:
input 1×3×512×512 ImageNet-normalised RGB, output 1×3×512×512 sigmoid maps skin, clothes, hair)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelFileError
from ..normalization import normalize_rgb


@dataclass(frozen=True)
class SkinHair:
    skin: np.ndarray  # bool H×W
    hair: np.ndarray  # bool H×W


class HairSegmenter:
    def __init__(self, path: Path, threads: int = 1, size: int = 512):
        import onnxruntime as ort

        if not path.is_file():
            raise ModelFileError(f"{path}: hair segmentation model not found")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads  # workers run in parallel; each uses one core
        opts.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as e:
            raise ModelFileError(f"{path}: not a loadable ONNX model ({e})") from e
        self.input = self.session.get_inputs()[0].name
        self.size = size

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """(3, H, W) float32 sigmoid maps (skin, clothes, hair) at the image's size."""
        h, w = image.shape[:2]
        x = cv2.resize(image, (self.size, self.size), interpolation=cv2.INTER_AREA)
        x = normalize_rgb(x)[None]
        out = self.session.run(None, {self.input: x})[0][0]
        return np.stack([cv2.resize(c, (w, h), interpolation=cv2.INTER_LINEAR) for c in out])

    def __call__(self, image: np.ndarray, threshold: float = 0.5) -> SkinHair:
        p = self.probabilities(image)
        return SkinHair(skin=p[0] > threshold, hair=p[2] > threshold)
