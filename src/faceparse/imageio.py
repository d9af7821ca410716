"""Reading and writing images, labels and depth maps, with errors that name the file.

Photos arrive in every format a camera or an editor writes: EXIF-rotated JPEGs, grayscale, RGBA,
16-bit, CMYK, palette PNGs. Everything is normalised here so the rest of faceparse only sees
uint8 RGB (H×W×3), uint8 label ids (H×W) and uint8 depth (H×W).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image, ImageOps

# Decompression-bomb guard: a 20000×20000 photo is still accepted, a crafted 10^10-pixel one is not.
Image.MAX_IMAGE_PIXELS = 400_000_000


class DataError(ValueError):
    """A data file that cannot be used. `kind` groups problems in reports."""

    KINDS = ("missing", "unreadable", "format", "label_ids", "size_mismatch")

    def __init__(self, path: str | os.PathLike, kind: str, reason: str):
        assert kind in self.KINDS, kind
        self.path = Path(path)
        self.kind = kind
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def _open(path: str | os.PathLike) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "missing", "file not found")
    if path.stat().st_size == 0:
        raise DataError(path, "unreadable", "empty file (0 bytes)")
    return _decode(path, path)


def _decode(source: Path | IO[bytes], path: Path) -> Image.Image:
    try:
        im = Image.open(source)
        im.load()  # decode now, so a truncated file fails here and not later
    except Exception as e:  # Pillow raises many types for damaged files
        raise DataError(path, "unreadable", f"cannot decode image ({e})") from e
    return im


def _to_uint8(arr: np.ndarray, path: Path) -> np.ndarray:
    """Integer image data of any bit depth -> uint8, scaling 16-bit ranges down."""
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == bool:
        return arr.astype(np.uint8) * 255
    if np.issubdtype(arr.dtype, np.integer):
        if arr.min(initial=0) < 0 or arr.max(initial=0) > 65535:
            raise DataError(path, "format", f"pixel values outside 0..65535 ({arr.dtype})")
        # 16-bit data (PNG I;16, or I after Pillow's widening): 65535 -> 255
        return np.round(arr.astype(np.float32) / 257.0).astype(np.uint8)
    raise DataError(path, "format", f"unsupported pixel type {arr.dtype}")


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """Any photo -> uint8 RGB H×W×3, upright (EXIF orientation applied), alpha over white."""
    return _photo_rgb(_open(path), Path(path))


def decode_rgb(data: bytes, name: str) -> np.ndarray:
    """A photo file's contents (an upload) -> as `read_rgb`; errors name `name`."""
    if not data:
        raise DataError(name, "unreadable", "empty file (0 bytes)")
    return _photo_rgb(_decode(io.BytesIO(data), Path(name)), Path(name))


def _photo_rgb(im: Image.Image, path: Path) -> np.ndarray:
    # A malformed EXIF block should not cost the photo: keep it as stored.
    with contextlib.suppress(Exception):
        im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        grey = _to_uint8(np.asarray(im), path)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if im.mode == "F":
        raise DataError(path, "format", "floating-point images are not photos")
    return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def read_gray(path: str | os.PathLike) -> np.ndarray:
    """A single-channel map (depth, a binary mask, a soft class map) -> uint8 H×W.

    Multi-channel files are accepted only if all colour channels are equal (grey saved as RGB).
    """
    path = Path(path)
    im = _open(path)
    if im.mode == "P":
        im = im.convert("RGB")
    arr = np.asarray(im)
    if arr.ndim == 3:
        colour = arr[:, :, :3]
        if colour.shape[2] == 3 and not (
            np.array_equal(colour[:, :, 0], colour[:, :, 1])
            and np.array_equal(colour[:, :, 0], colour[:, :, 2])
        ):
            raise DataError(path, "format", "expected a single-channel map, got a colour image")
        arr = colour[:, :, 0]
    return _to_uint8(arr, path).copy()


def read_label_ids(path: str | os.PathLike) -> np.ndarray:
    """A label map whose pixel values are class ids -> uint8 H×W.

    Palette PNGs give their palette indices (the ids), grey PNGs their values. 16-bit label PNGs
    are read as ids, not rescaled, and must stay below 256.
    """
    path = Path(path)
    im = _open(path)
    if im.mode == "P":
        return np.asarray(im, dtype=np.uint8).copy()
    arr = np.asarray(im)
    if arr.ndim == 2 and np.issubdtype(arr.dtype, np.integer) and arr.dtype != np.uint8:
        if arr.max(initial=0) > 255 or arr.min(initial=0) < 0:
            raise DataError(path, "label_ids", f"label ids up to {arr.max()} do not fit 0..255")
        return arr.astype(np.uint8)
    return read_gray(path)


def snap_to_palette(rgb: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Colour-coded labels (possibly anti-aliased) -> ids of the nearest palette colour."""
    pal = np.asarray(palette, dtype=np.int32)
    flat = rgb.reshape(-1, 3).astype(np.int32)
    # Anti-aliased maps hold few distinct colours: snap those, not every pixel. Packing RGB into
    # one integer keeps np.unique one-dimensional (its row mode is many times slower).
    codes = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    colours, inverse = np.unique(codes, return_inverse=True)
    rgb_u = np.stack([colours >> 16, (colours >> 8) & 255, colours & 255], axis=1)
    dist = ((rgb_u[:, None, :] - pal[None, :, :]) ** 2).sum(-1)
    ids = dist.argmin(1).astype(np.uint8)
    return ids[inverse.reshape(-1)].reshape(rgb.shape[:2])


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside `path` and move it into place only once fully written, so a
    reader (or a resumed job) never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual permissions
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_png_atomic(path: str | os.PathLike, array: np.ndarray) -> Path:
    with atomic_open(path, "wb") as f:
        Image.fromarray(np.ascontiguousarray(array)).save(f, format="PNG")
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    with atomic_open(path, "w") as f:
        f.write(text)
    return Path(path)
