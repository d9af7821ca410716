"""A cartoon head in CelebAMask-HQ labels, for tests that place things by a face's parts."""

from __future__ import annotations

import numpy as np

from faceparse.labels import CELEBAMASK_HQ

C = CELEBAMASK_HQ.index


def face_labels(size: int = 128, neck: bool = True, ears: bool = True) -> np.ndarray:
    """Hair on top, skin, brows, eyes, and optionally ears and a neck, on a size² canvas."""
    lab = np.zeros((size, size), np.uint8)
    lab[10:40, 30:98] = C("hair")
    lab[30:90, 34:94] = C("skin")
    lab[44:48, 42:58] = C("l_brow")
    lab[44:48, 70:86] = C("r_brow")
    lab[52:58, 44:56] = C("l_eye")
    lab[52:58, 72:84] = C("r_eye")
    if ears:
        lab[50:68, 28:34] = C("l_ear")
        lab[50:68, 94:100] = C("r_ear")
    if neck:
        lab[90:120, 48:80] = C("neck")
    return lab
