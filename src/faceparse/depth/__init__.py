"""Depth maps for any face image, rendered from a 3D face or head fitted to MediaPipe landmarks."""

from .normalize import normalize_depth
from .render import DepthConfig, DepthInfo, DepthRenderer, render_depth

__all__ = ["DepthConfig", "DepthInfo", "DepthRenderer", "normalize_depth", "render_depth"]
