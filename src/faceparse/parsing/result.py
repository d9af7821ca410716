"""What parsing a photo gives: `ParseResult`."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..face.detect import Face
from ..labels import LabelSpace
from ..visualize import overlay
from .compose import probabilities_from_crops
from .views import FaceCrop


@dataclass
class ParseResult:
    """Labels at the input's resolution. Class probabilities are kept per face, on its crop
    (`crops`); `probabilities` pastes them into one image-sized array at the working resolution
    (the input's, unless it was larger than `max_side`: then `scale` < 1 says by how much) only
    when asked, since that array is 44 bytes a pixel for 11 classes."""

    image: np.ndarray  # RGB uint8, the input as parsed
    labels: np.ndarray  # H×W uint8 ids in `space`
    faces: list[Face]  # the faces parsed, in input pixels
    space: LabelSpace
    crops: list[FaceCrop] = field(default_factory=list)  # every view of every face
    too_small: list[Face] = field(default_factory=list)  # found, narrower than min_face_px
    work_shape: tuple[int, int] = (0, 0)  # (h, w) the crops' matrices refer to
    scale: float = 1.0
    depth: np.ndarray | None = None  # the depth used (H×W uint8), if any
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    @functools.cached_property
    def probabilities(self) -> np.ndarray:
        """C×h×w float32 at the working resolution: each pixel from the face surest it is not
        background, pure background where no crop reaches."""
        return probabilities_from_crops(self.crops, self.space.num_classes, self.work_shape)

    def overlay(self, alpha: float = 0.5) -> np.ndarray:
        return overlay(self.image, self.labels, self.space, alpha)

    def masks(self) -> dict[str, np.ndarray]:
        """{class name: boolean mask} for each class present, background left out."""
        return {
            c: self.labels == i
            for i, c in enumerate(self.space.classes)
            if i and (self.labels == i).any()
        }

    def areas(self) -> dict[str, int]:
        counts = np.bincount(self.labels.ravel(), minlength=self.space.num_classes)
        return {c: int(n) for c, n in zip(self.space.classes, counts, strict=True)}

    def summary(self) -> dict[str, Any]:
        h, w = self.labels.shape
        return {
            "source": self.source,
            "size": [w, h],
            "label_space": self.space.name,
            "classes": list(self.space.classes),
            "num_faces": len(self.faces),
            "faces": [f.to_dict() for f in self.faces],
            "too_small": [f.to_dict() for f in self.too_small],
            "areas": self.areas(),
            "depth": self.depth is not None,
            "notes": self.notes,
        }
