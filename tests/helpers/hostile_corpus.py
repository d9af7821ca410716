"""A corpus of hostile and awkward inputs, made on the spot: every case from issue #13 plus
truncated, empty, mislabelled, extreme-aspect and decompression-bomb files.

`write_corpus(folder)` writes the files and returns one `Case` per file, with what a batch job
must make of it (`failed`, or `parsed`: ok or no_face) and the reason a failure must name.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data


@dataclass(frozen=True)
class Case:
    name: str  # file name in the corpus folder
    expect: str  # "failed" or "parsed" (ok / no_face)
    reason: str = ""  # a piece of the failure's reason
    face: bool = False  # a real face is in it: status must be "ok"


def _png(array: np.ndarray, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG", **kw)
    return buf.getvalue()


def _raw_png(width: int, height: int, bits: int, colour: int, data: bytes) -> bytes:
    """A PNG built by hand: its header says width×height, `data` is its compressed rows."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, bits, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height, with one tiny (invalid) data chunk."""
    return _raw_png(width, height, 8, 2, zlib.compress(b"\0" * 16))


def _bomb(width: int, height: int) -> bytes:
    """A real, complete all-black 1-bit PNG: tiny on disk, width×height pixels decoded."""
    row = b"\0" + b"\0" * ((width + 7) // 8)
    raw = zlib.compressobj(9)
    body = b"".join(raw.compress(row) for _ in range(height)) + raw.flush()
    return _raw_png(width, height, 1, 0, body)


def _claims_more(width: int, height: int, rows: int) -> bytes:
    """An RGB PNG whose header claims width×height but whose data holds `rows` rows."""
    return _raw_png(width, height, 8, 2, zlib.compress((b"\0" + b"\x80" * (3 * width)) * rows, 9))


def _resized_header(jpeg: bytes, width: int, height: int) -> bytes:
    """A baseline JPEG with its frame header's size patched (the data stays as it was)."""
    out = bytearray(jpeg)
    at = out.find(b"\xff\xc0")
    out[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(out)


def _many_scans(progressive: bytes, scans: int = 5000) -> bytes:
    """A progressive JPEG with its shortest scan repeated `scans` times before the end."""
    end = progressive.rfind(b"\xff\xd9")
    starts = [i for i in range(len(progressive) - 1) if progressive[i : i + 2] == b"\xff\xda"]
    segments = [progressive[a:b] for a, b in zip(starts, [*starts[1:], end], strict=True)]
    return progressive[:end] + min(segments, key=len) * scans + progressive[end:]


def _encoded(array: np.ndarray, fmt: str, mode: str | None = None, **kw) -> bytes:
    im = Image.fromarray(array)
    if mode:
        im = im.convert(mode)
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def write_corpus(folder: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    face = data.astronaut()  # 512² RGB, one frontal face
    small_face = np.asarray(Image.fromarray(face).resize((256, 256)))
    files: dict[str, bytes] = {}
    cases: list[Case] = []

    def add(name: str, content: bytes, expect: str, reason: str = "", face: bool = False):
        files[name] = content
        cases.append(Case(name, expect, reason, face))

    black = np.zeros
    # Degenerate geometry (issue #13, item 1): valid images, nothing to find, never a crash.
    add("one_pixel.png", _png(black((1, 1, 3), np.uint8)), "parsed")
    add("one_by_fifty.png", _png(black((50, 1, 3), np.uint8)), "parsed")
    add("fifty_by_one.png", _png(black((1, 50, 3), np.uint8)), "parsed")
    add("four_by_10000.png", _png(black((10000, 4, 3), np.uint8)), "parsed")
    add("two_by_4000.png", _png(black((4000, 2, 3), np.uint8)), "parsed")
    add("10000_by_4.png", _png(black((4, 10000, 3), np.uint8)), "parsed")
    add("two_by_two.png", _png(black((2, 2, 3), np.uint8)), "parsed")
    add("stripe_of_a_face.png", _png(face[250:260]), "parsed")
    add("tall_stripe.png", _png(np.ascontiguousarray(face[:, 250:253])), "parsed")
    # Faces at the border: cut by the frame on each side.
    add("face_cut_left.png", _png(np.ascontiguousarray(face[:, 200:])), "parsed")
    add("face_cut_top.png", _png(np.ascontiguousarray(face[120:, :])), "parsed")
    add("face_in_corner.png", _png(np.ascontiguousarray(face[150:, 230:])), "parsed")
    # Overlapping faces, a face far too small to parse, and a crowd of them (issue #15).
    overlap = np.full((400, 600, 3), 120, np.uint8)
    overlap[60:316, 100:356] = small_face
    overlap[120:376, 230:486] = small_face
    add("overlapping_faces.png", _png(overlap), "parsed", face=True)
    tiny = np.asarray(Image.fromarray(face).resize((14, 14)))
    lonely = np.full((480, 640, 3), 200, np.uint8)
    lonely[200:214, 300:314] = tiny
    add("face_far_too_small.png", _png(lonely), "parsed")
    crowd = np.full((1500, 2000, 3), 90, np.uint8)
    for k in range(40):
        y, x = 60 + 170 * (k // 10), 60 + 190 * (k % 10)
        crowd[y : y + 14, x : x + 14] = tiny
    add("crowd_of_tiny_faces.png", _png(crowd), "parsed")
    # Decompression bombs and oversized headers (item 3): refused before decoding.
    add("bomb_8000x8000.png", _bomb(8000, 8000), "failed", "over the 40 Mpx limit")
    add("bomb_20000x20000.png", _bomb(20000, 20000), "failed", "over the 40 Mpx limit")
    add("bomb_16000x8000.png", _bomb(16000, 8000), "failed", "over the 40 Mpx limit")
    add("header_100000x100000.png", _png_header_only(100000, 100000), "failed", "over the 40 Mpx")
    # The largest photo the default limit lets through: the memory high-water mark.
    add("big_7200x5400.png", _bomb(7200, 5400), "parsed")
    add("header_0x10.png", _png_header_only(0, 10), "failed", "cannot decode")
    # Damaged and mislabelled files.
    jpeg = _encoded(small_face, "JPEG", quality=90)
    png = _png(small_face)
    add("empty.jpg", b"", "failed", "empty file")
    add("truncated.jpg", jpeg[: len(jpeg) // 3], "failed", "cannot decode")
    add("truncated.png", png[: len(png) // 2], "failed", "cannot decode")
    add("header_only.png", png[:40], "failed", "cannot decode")
    add("text.jpg", b"this is not a photo\n" * 10, "failed", "not an image")
    add("random_bytes.png", np.random.default_rng(0).bytes(5000), "failed", "not an image")
    add("html.webp", b"<html><body>nope</body></html>", "failed", "not an image")
    add("jpeg_named.png", jpeg, "parsed", face=True)
    add("png_named.jpg", png, "parsed", face=True)
    add("garbage.mp4", b"\0\0\0\x18ftypmp42" + b"\x13" * 2000, "failed", "video")
    # Formats and modes (item 6 and the list).
    grey16 = (small_face.mean(2) * 257).astype(np.uint16)
    add("grey16.tif", _encoded(grey16, "TIFF"), "parsed")
    add("grey16.png", _encoded(grey16, "PNG"), "parsed")
    add("cmyk.jpg", _encoded(small_face, "JPEG", mode="CMYK"), "parsed", face=True)
    add("palette.png", _encoded(small_face, "PNG", mode="P"), "parsed", face=True)
    rgba = np.dstack([small_face, np.full(small_face.shape[:2], 200, np.uint8)])
    add("rgba.png", _png(rgba), "parsed", face=True)
    add("grey_alpha.png", _encoded(rgba, "PNG", mode="LA"), "parsed")
    add("one_bit.png", _encoded(small_face, "PNG", mode="1"), "parsed")
    add("float.tif", _encoded(small_face.mean(2).astype(np.float32), "TIFF"), "failed", "floating")
    add("face.gif", _encoded(small_face, "GIF", mode="P"), "parsed", face=True)
    add("face.bmp", _encoded(small_face, "BMP"), "parsed", face=True)
    add("face.webp", _encoded(small_face, "WEBP"), "parsed", face=True)
    add("photo.jpg", _encoded(face, "JPEG", quality=92), "parsed", face=True)
    # Round two (issue #26): sides OpenCV's remap in MediaPipe aborts on, headers that claim
    # far more than the data holds, absurd scan counts, formats no photo comes in.
    add("side_32767x10.png", _bomb(32767, 10), "parsed")
    add("side_10x33000.png", _bomb(10, 33000), "parsed")
    add("panorama_40000x1000.png", _bomb(40000, 1000), "parsed")
    add("claims_7300x5466.png", _claims_more(7300, 5466, rows=50), "failed", "damaged")
    add("patched_to_6000.jpg", _resized_header(jpeg, 6000, 6000), "failed", "damaged")
    add("scans_5000.jpg", _many_scans(_encoded(face, "JPEG", progressive=True)), "failed", "scans")
    add("vector.eps", _encoded(small_face, "EPS"), "failed", "not a photo format")

    for name, content in files.items():
        (folder / name).write_bytes(content)
    # A link whose target is gone: reported under the link's own name.
    link = folder / "broken_link.jpg"
    link.unlink(missing_ok=True)
    os.symlink(folder / "gone_long_ago.jpg", link)
    cases.append(Case(link.name, "failed", "broken link"))
    return cases
