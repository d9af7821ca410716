"""Z-buffer rasterisation of a triangle mesh into a depth map (numba; ~10 ms for 22k triangles at
512² on this CPU, where a numpy version spends most of its time on per-triangle overhead)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _rasterize(verts, tris, height, width, zbuf, tri_index):
    for t in range(tris.shape[0]):
        a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
        x0, y0, z0 = verts[a, 0], verts[a, 1], verts[a, 2]
        x1, y1, z1 = verts[b, 0], verts[b, 1], verts[b, 2]
        x2, y2, z2 = verts[c, 0], verts[c, 1], verts[c, 2]
        area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
        if abs(area) < 1e-12:
            continue
        xmin = max(int(np.floor(min(x0, x1, x2))), 0)
        xmax = min(int(np.ceil(max(x0, x1, x2))), width - 1)
        ymin = max(int(np.floor(min(y0, y1, y2))), 0)
        ymax = min(int(np.ceil(max(y0, y1, y2))), height - 1)
        for py in range(ymin, ymax + 1):
            sy = py + 0.5  # sample at pixel centres
            for px in range(xmin, xmax + 1):
                sx = px + 0.5
                w0 = ((x1 - sx) * (y2 - sy) - (x2 - sx) * (y1 - sy)) / area
                w1 = ((x2 - sx) * (y0 - sy) - (x0 - sx) * (y2 - sy)) / area
                w2 = 1.0 - w0 - w1
                if w0 < 0 or w1 < 0 or w2 < 0:
                    continue
                z = w0 * z0 + w1 * z1 + w2 * z2
                if z > zbuf[py, px]:
                    zbuf[py, px] = z
                    tri_index[py, px] = t


def rasterize(
    vertices: np.ndarray, triangles: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Render `vertices` (N, 3: x, y in pixels, z larger = nearer) through `triangles` (T, 3).

    Returns (z, triangle): float32 H×W nearest surface z (-inf where nothing), int32 H×W index of
    the visible triangle (-1 where nothing). Both windings are drawn (no back-face culling).
    """
    h, w = size
    zbuf = np.full((h, w), -np.inf, np.float32)
    tri_index = np.full((h, w), -1, np.int32)
    _rasterize(
        np.ascontiguousarray(vertices, np.float64),
        np.ascontiguousarray(triangles, np.int64),
        h,
        w,
        zbuf,
        tri_index,
    )
    return zbuf, tri_index
