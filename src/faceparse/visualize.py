"""Pictures for people: colour overlays of labels, depth as an image, and labelled montages."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .labels import LabelSpace


def overlay(
    image: np.ndarray, label: np.ndarray, space: LabelSpace, alpha: float = 0.5
) -> np.ndarray:
    """Blend class colours over the photo; background stays the photo, class borders are drawn.

    In uint8, and only inside the box around the labelled pixels (plus one pixel, so borders
    there are found): a float copy of a 40 Mpx photo alone would take 480 MB, and faces are
    usually a small part of a large photo."""
    out = image.copy()
    rows, cols = np.flatnonzero(label.any(1)), np.flatnonzero(label.any(0))
    if not rows.size:
        return out
    h, w = label.shape
    box = (
        slice(max(rows[0] - 1, 0), min(rows[-1] + 2, h)),
        slice(max(cols[0] - 1, 0), min(cols[-1] + 2, w)),
    )
    lab, region = label[box], out[box]
    colours = space.colorize(lab)
    blended = cv2.addWeighted(image[box], 1 - alpha, colours, alpha, 0)
    np.copyto(region, blended, where=(lab != 0)[..., None])
    edges = cv2.morphologyEx(lab, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    np.copyto(region, colours, where=edges[..., None])
    return out


def depth_to_rgb(depth: np.ndarray) -> np.ndarray:
    """Depth (0 = background, nearer = brighter) as a colour map; background black."""
    coloured = cv2.applyColorMap(depth, cv2.COLORMAP_INFERNO)[:, :, ::-1]
    return np.where((depth > 0)[:, :, None], coloured, 0).astype(np.uint8)


def _fit_height(tile: np.ndarray, height: int) -> np.ndarray:
    if tile.ndim == 2:
        tile = np.repeat(tile[:, :, None], 3, axis=2)
    h, w = tile.shape[:2]
    width = max(1, round(w * height / h))
    interp = cv2.INTER_AREA if height < h else cv2.INTER_NEAREST
    return cv2.resize(tile, (width, height), interpolation=interp)


def montage(
    rows: Sequence[tuple[str, Sequence[np.ndarray]]], tile_height: int = 192, gap: int = 4
) -> np.ndarray:
    """Rows of tiles, each row captioned with its title above it. Tiles are RGB or grey and are
    scaled to `tile_height`, except in a row of one tile (a legend), which keeps its size."""
    caption_h = 20
    rendered = []
    for title, tiles in rows:
        height = tiles[0].shape[0] if len(tiles) == 1 else tile_height
        fitted = [_fit_height(t, height) for t in tiles]
        width = sum(t.shape[1] for t in fitted) + gap * (len(fitted) - 1)
        row = np.full((caption_h + height, width, 3), 255, np.uint8)
        x = 0
        for t in fitted:
            row[caption_h:, x : x + t.shape[1]] = t
            x += t.shape[1] + gap
        cv2.putText(row, title, (2, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        rendered.append(row)
    width = max(r.shape[1] for r in rendered)
    canvas = np.full(
        (sum(r.shape[0] for r in rendered) + gap * (len(rendered) - 1), width, 3), 255, np.uint8
    )
    y = 0
    for r in rendered:
        canvas[y : y + r.shape[0], : r.shape[1]] = r
        y += r.shape[0] + gap
    return canvas


def legend(space: LabelSpace, ids: Sequence[int] | None = None, width: int = 160) -> np.ndarray:
    """A colour key, one swatch and name per class."""
    ids = list(range(space.num_classes)) if ids is None else list(ids)
    line = 18
    img = np.full((line * len(ids) + 4, width, 3), 255, np.uint8)
    for k, i in enumerate(ids):
        y = 2 + k * line
        cv2.rectangle(img, (2, y + 2), (16, y + 14), tuple(int(c) for c in space.palette[i]), -1)
        cv2.putText(
            img,
            f"{i} {space.classes[i]}",
            (22, y + 13),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.4,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    return img


def sample_tiles(image, label, space: LabelSpace, depth=None) -> list[np.ndarray]:
    """RGB | labels | overlay [| depth]: the standard way to look at one sample."""
    tiles = [image, space.colorize(label), overlay(image, label, space)]
    if depth is not None:
        tiles.append(depth_to_rgb(depth))
    return tiles
