"""Reading and writing images, labels and depth maps, with errors that name the file.

Photos arrive in every format a camera or an editor writes: EXIF-rotated JPEGs, grayscale, RGBA,
16-bit, CMYK, palette PNGs. Everything is normalised here so the rest of faceparse only sees
uint8 RGB (H×W×3), uint8 label ids (H×W) and uint8 depth (H×W).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DataError

# Decoding costs ~50 bytes of peak memory per pixel on the parse path; 40 Mpx (a 7700×5200
# photo, more than any phone camera gives) keeps one photo under 2 GB. Larger files are refused
# from their header, before a pixel is decoded. Pillow's own process-wide limit is left alone.
DEFAULT_MAX_PIXELS = 40_000_000
# The formats photos come in; files in any other (EPS, PDF, ICNS, …) never reach the Pillow
# plugin that would decode them (EPS runs Ghostscript where it is installed). MPO: cameras'
# multi-picture JPEGs.
PHOTO_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "GIF")
# A progressive JPEG has about 10 scans; a crafted one with thousands makes libjpeg decode for
# minutes, uninterruptibly (issue #26: 5,000 scans in 436 KB took 15.5 s).
MAX_JPEG_SCANS = 100
# Deflate packs at most about 1032 bytes into one: a PNG smaller than its rows (at 1 bit a
# pixel, the least a PNG stores) over twice that ratio cannot hold the pixels its header claims.
PNG_MAX_RATIO = 2 * 1032


def _open(path: str | os.PathLike, max_pixels: int | None) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise DataError(
            path,
            "missing",
            "file not found"
            if not path.is_symlink()
            else "broken link (its target does not exist)",
        )
    if path.stat().st_size == 0:
        raise DataError(path, "unreadable", "empty file (0 bytes)")
    return _decode(path, path, max_pixels)


def _decode(source: Path | IO[bytes], path: Path, max_pixels: int | None) -> Image.Image:
    """Header first: the size is checked against `max_pixels` before any pixel is decoded."""
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit; ours is checked just below instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(source, formats=_photo_formats())
    except Image.DecompressionBombError as e:
        # Pillow's own hard limit (twice its warning limit, ~179 Mpx) came before ours.
        found = re.search(r"\((\d+) pixels\)", str(e))
        size = f"{int(found.group(1)) / 1e6:.1f} Mpx" if found else "the image"
        limit = f"the {max_pixels / 1e6:g} Mpx limit and " if max_pixels else ""
        raise DataError(path, "too_large", f"{size} is over {limit}Pillow's hard limit") from None
    except UnidentifiedImageError:
        raise DataError(
            path,
            "unreadable",
            "cannot decode image: not an image, or not a photo format "
            f"({', '.join(PHOTO_FORMATS)})",
        ) from None
    except Exception as e:  # Pillow raises many types for damaged headers
        raise DataError(path, "unreadable", f"cannot decode image ({e})") from None
    w, h = im.size
    if w < 1 or h < 1:
        raise DataError(path, "format", f"image has no pixels ({w}×{h})")
    if max_pixels is not None and w * h > max_pixels:
        raise DataError(
            path,
            "too_large",
            f"{w}×{h} is {w * h / 1e6:.1f} Mpx, over the {max_pixels / 1e6:g} Mpx limit "
            "(raise it with --max-pixels)",
        )
    _check_data_fits_header(source, im, path)
    try:
        im.load()  # decode now, so a truncated file fails here and not later
    except Exception as e:
        raise DataError(path, "unreadable", f"cannot decode image ({e})") from None
    return im


@functools.cache
def _photo_formats() -> tuple[str, ...]:
    Image.init()  # registers every plugin: Image.open finds only those already loaded
    return tuple(f for f in PHOTO_FORMATS if f in Image.OPEN)


def _check_data_fits_header(source: Path | IO[bytes], im: Image.Image, path: Path) -> None:
    """Refuse, before decoding, a PNG or JPEG whose data is far too small for the size its
    header claims (a damaged or crafted file would otherwise cost seconds and gigabytes to
    find out), and a JPEG with an absurd number of scans."""
    if im.format not in ("PNG", "JPEG", "MPO"):
        return
    size = source.stat().st_size if isinstance(source, Path) else source.getbuffer().nbytes
    w, h = im.size
    if im.format == "PNG":
        needed = h * (1 + (w + 7) // 8) // PNG_MAX_RATIO
    else:
        # Huffman coding spends at least one bit on each 8×8 block's DC term; half that, for
        # margin (arithmetic-coded JPEGs, almost unused, could go below it)
        needed = -(-w // 8) * -(-h // 8) // 16
        data = source.read_bytes() if isinstance(source, Path) else source.getvalue()
        scans = data.count(b"\xff\xda")
        if scans > MAX_JPEG_SCANS:
            raise DataError(
                path, "unreadable", f"JPEG with {scans} scans (over {MAX_JPEG_SCANS}): refused"
            )
    if size < needed:
        raise DataError(
            path,
            "unreadable",
            f"damaged: {size} bytes cannot hold the {w}×{h} pixels its header claims "
            f"(a {im.format} of that size needs at least {needed})",
        )


@functools.cache
def image_suffixes() -> frozenset[str]:
    """File extensions `read_rgb` can open: every format Pillow registers a reader for. Folder
    listings use this one table, so a format is either parsed or reported, never passed over."""
    Image.init()
    return frozenset(e for e, fmt in Image.registered_extensions().items() if fmt in Image.OPEN)


def list_images(folder: str | os.PathLike) -> list[Path]:
    """The images directly in `folder`, sorted; broken links and unreadable files included,
    so that whoever reads them can report them."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(folder, "missing", "image folder not found")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in image_suffixes())


def _to_uint8(arr: np.ndarray, path: Path | str) -> np.ndarray:
    """Integer image data of any bit depth -> uint8, scaling 16-bit ranges down (rounded)."""
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


def read_rgb(path: str | os.PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Any photo -> uint8 RGB H×W×3, upright (EXIF orientation applied), alpha over white."""
    return _pil_rgb(_open(path, max_pixels), Path(path))


def decode_rgb(data: bytes, name: str, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A photo file's contents (an upload) -> as `read_rgb`; errors name `name`."""
    if not data:
        raise DataError(name, "unreadable", "empty file (0 bytes)")
    return _pil_rgb(_decode(io.BytesIO(data), Path(name), max_pixels), Path(name))


def to_rgb(
    image: Any, max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> tuple[np.ndarray, str | None]:
    """The one conversion of a photo given any way -> (uint8 RGB H×W×3, its path or None).

    A path, a PIL image or a numpy array (H×W, H×W×1/3/4; uint8, uint16 or bool) all go through
    the same rules: EXIF orientation applied (files and PIL), alpha composited over white,
    16-bit scaled down with rounding, grey repeated into three channels."""
    if isinstance(image, str | os.PathLike):
        return read_rgb(image, max_pixels), str(image)
    if isinstance(image, Image.Image):
        return _pil_rgb(image, "PIL image"), None
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise DataError(
            "array", "format", f"an image array is H×W, H×W×3 or H×W×4, got {arr.shape}"
        )
    if min(arr.shape[:2]) < 1:
        raise DataError("array", "format", f"image has no pixels ({arr.shape})")
    if max_pixels is not None and arr.shape[0] * arr.shape[1] > max_pixels:
        raise DataError(
            "array",
            "too_large",
            f"{arr.shape[1]}×{arr.shape[0]} is over the {max_pixels / 1e6:g} Mpx limit",
        )
    arr = _to_uint8(arr, "array")
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2), None
    if arr.shape[2] == 4:
        return _over_white(arr), None
    return np.ascontiguousarray(arr), None


def _over_white(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[:, :, 3:].astype(np.uint16)
    rgb = rgba[:, :, :3].astype(np.uint16)
    return ((rgb * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def _pil_rgb(im: Image.Image, path: Path | str) -> np.ndarray:
    # A malformed EXIF block should not cost the photo: keep it as stored.
    with contextlib.suppress(Exception):
        im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode == "P" and "transparency" in im.info
    ):
        return _over_white(np.asarray(im.convert("RGBA")))
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        grey = _to_uint8(np.asarray(im), path)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if im.mode == "F":
        raise DataError(path, "format", "floating-point images are not photos")
    return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def read_gray(path: str | os.PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A single-channel map (depth, a binary mask, a soft class map) -> uint8 H×W.

    Multi-channel files are accepted only if all colour channels are equal (grey saved as RGB).
    """
    path = Path(path)
    im = _open(path, max_pixels)
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


def read_label_ids(
    path: str | os.PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """A label map whose pixel values are class ids -> uint8 H×W.

    Palette PNGs give their palette indices (the ids), grey PNGs their values. 16-bit label PNGs
    are read as ids, not rescaled, and must stay below 256.
    """
    path = Path(path)
    im = _open(path, max_pixels)
    if im.mode == "P":
        return np.asarray(im, dtype=np.uint8).copy()
    arr = np.asarray(im)
    if arr.ndim == 2 and np.issubdtype(arr.dtype, np.integer) and arr.dtype != np.uint8:
        if arr.max(initial=0) > 255 or arr.min(initial=0) < 0:
            raise DataError(path, "label_ids", f"label ids up to {arr.max()} do not fit 0..255")
        return arr.astype(np.uint8)
    return read_gray(path, max_pixels)


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


def usual_permissions(path: str | os.PathLike) -> None:
    """mkstemp makes files 0600; outputs get what the umask gives any new file (0644 often)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside `path` and move it into place only once fully written, so a
    reader (or a resumed job) never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    usual_permissions(tmp)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def frames_in(source: str | os.PathLike | bytes) -> int:
    """How many frames or pages an image file holds (animated GIF/WebP/PNG, multi-page TIFF);
    1 for a still photo or anything that cannot be opened (its reader reports that)."""
    try:
        fp = io.BytesIO(source) if isinstance(source, bytes) else source
        with Image.open(fp, formats=_photo_formats()) as im:
            return int(getattr(im, "n_frames", 1))
    except Exception:  # noqa: BLE001 (a damaged file is reported by the reader, not here)
        return 1


def frames_note(frames: int) -> str | None:
    """The note a result carries when only the first of several frames was parsed."""
    if frames <= 1:
        return None
    return f"animated or multi-page image: frame 1 of {frames} parsed (split it to parse each)"


def remove_leftover_temporaries(folder: str | os.PathLike) -> int:
    """Delete the temporary files `atomic_open` leaves in `folder` (and its subfolders) when a
    process is killed mid-write; returns how many. Only for a folder no other process is
    writing into: a job calls it before it writes anything."""
    removed = 0
    for tmp in Path(folder).rglob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


# zlib level 1 with run-length matching: a 512² overlay encodes in ~13 ms instead of ~110 ms at
# Pillow's default level 6, for files about a quarter larger; label maps come out smaller than
# either. The pixels are the same at every setting.
PNG_COMPRESSION = 1


def encode_png(array: np.ndarray) -> bytes:
    """A uint8 (or uint16) grey, RGB or RGBA array as PNG file contents, with OpenCV's encoder."""
    arr = np.ascontiguousarray(array)
    if arr.dtype == bool:
        arr = arr.astype(np.uint8) * 255
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR if arr.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
    params = [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION]
    params += [cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    ok, buf = cv2.imencode(".png", arr, params)
    if not ok:
        raise DataError("array", "format", f"cannot encode a {arr.shape} {arr.dtype} array as PNG")
    return buf.tobytes()


def write_png_atomic(path: str | os.PathLike, array: np.ndarray) -> Path:
    with atomic_open(path, "wb") as f:
        f.write(encode_png(array))
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    with atomic_open(path, "w") as f:
        f.write(text)
    return Path(path)


def link_or_copy(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """`dst` as a hard link to `src` where the file system allows, else a copy (replacing
    whatever `dst` was): datasets derived from others share their images."""
    dst = Path(dst)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return dst
