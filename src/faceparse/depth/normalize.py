"""8-bit depth encodings (background 0, nearer = brighter, foreground 1..255).

* `minmax` — per image, the nearest point is 255 and the farthest 1, linearly. This is how the
  released CelebAMask-HQ-D / LaPa-D / Helen-D maps appear to be made; it hides absolute size.
* `metric` — a fixed `mm_per_level` millimetres per grey level, counted back from the nearest
  point (255); with 1 mm/level, 254 mm of head depth fit. Comparable across images.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnknownNameError


def normalize_depth(
    z_cm: np.ndarray, mode: str = "minmax", mm_per_level: float = 1.0
) -> np.ndarray:
    """z in cm, larger = nearer, -inf/NaN = background -> uint8 depth."""
    fg = np.isfinite(z_cm)
    out = np.zeros(z_cm.shape, np.uint8)
    if not fg.any():
        return out
    z = z_cm[fg]
    near = z.max()
    if mode == "minmax":
        span = max(float(near - z.min()), 1e-6)
        out[fg] = np.round(1 + 254 * (z - z.min()) / span).astype(np.uint8)
    elif mode == "metric":
        levels = (near - z) * 10.0 / mm_per_level
        out[fg] = np.clip(np.round(255 - levels), 1, 255).astype(np.uint8)
    else:
        raise UnknownNameError("depth normalization", mode, ("minmax", "metric"))
    return out


def level_size_mm(z_cm: np.ndarray, mode: str = "minmax", mm_per_level: float = 1.0) -> float:
    """Millimetres per grey level of `normalize_depth(z_cm, mode, mm_per_level)`: recorded per
    image so min–max maps can be turned back into distances."""
    if mode == "metric":
        return mm_per_level
    z = z_cm[np.isfinite(z_cm)]
    return float(np.ptp(z)) * 10.0 / 254 if z.size else 0.0
