"""Tests of faceparse.imageio."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from faceparse.errors import DataError
from faceparse.imageio import (
    atomic_open,
    decode_rgb,
    read_gray,
    read_label_ids,
    read_rgb,
    snap_to_palette,
    to_rgb,
    write_png_atomic,
)


def test_the_three_ways_to_give_a_photo_agree(tmp_path):
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (5, 7, 4), dtype=np.uint8)
    grey16 = rng.integers(0, 65536, (5, 7), dtype=np.uint16)
    for array, mode in ((rgba, "RGBA"), (grey16, "I;16"), (rgba[:, :, 0], "L")):
        Image.fromarray(array).save(tmp_path / "x.png")
        from_path, source = to_rgb(tmp_path / "x.png")
        from_pil, _ = to_rgb(Image.open(tmp_path / "x.png"))
        from_array, _ = to_rgb(array)
        assert source == str(tmp_path / "x.png")
        np.testing.assert_array_equal(from_path, from_pil, err_msg=mode)
        np.testing.assert_array_equal(from_path, from_array, err_msg=mode)
        assert from_path.dtype == np.uint8 and from_path.shape == (5, 7, 3)
    # by hand: half-transparent red over white, and 16-bit rounding
    half = to_rgb(np.array([[[255, 0, 0, 128]]], np.uint8))[0]
    assert half.tolist() == [[[255, 127, 127]]]
    assert to_rgb(np.array([[385, 65535]], np.uint16))[0][0, :, 0].tolist() == [1, 255]


_SEEDS = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"RIFF\0\0\0\0WEBP", b"BM"]


def _valid_png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.arange(48, dtype=np.uint8).reshape(4, 4, 3)).save(buf, format="PNG")
    return buf.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(_SEEDS + [_valid_png()]),
    tail=st.binary(max_size=256),
    cut=st.integers(min_value=0, max_value=400),
    flips=st.lists(st.tuples(st.integers(0, 399), st.integers(0, 255)), max_size=4),
)
def test_fuzzed_bytes_decode_or_raise_a_data_error(prefix, tail, cut, flips):
    data = bytearray((prefix + tail)[: cut or None])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    try:
        rgb = decode_rgb(bytes(data), "fuzz.png", max_pixels=1_000_000)
    except DataError as e:
        assert e.path.name == "fuzz.png" and "<" not in e.reason
    else:
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
        assert rgb.shape[0] * rgb.shape[1] <= 1_000_000


@pytest.fixture
def rgb():
    a = np.zeros((4, 6, 3), np.uint8)
    a[0, 0] = (255, 0, 0)  # a red pixel in the top-left corner, to track orientation
    a[..., 2] = 50
    return a


def test_exif_rotation_is_applied(tmp_path):
    rgb = np.zeros((16, 24, 3), np.uint8)
    rgb[:8, :8] = (255, 0, 0)  # a red top-left block (blocks survive JPEG's chroma subsampling)
    im = Image.fromarray(rgb)
    exif = im.getexif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    im.save(tmp_path / "r.jpg", exif=exif, quality=100)
    out = read_rgb(tmp_path / "r.jpg")
    assert out.shape == (24, 16, 3)  # upright: width and height swapped
    assert out[2, -3, 0] > 200 and out[-3, 2, 0] < 50  # the red corner is now top-right


def test_grayscale_rgba_16bit_cmyk_become_rgb(tmp_path):
    Image.fromarray(np.full((3, 5), 77, np.uint8)).save(tmp_path / "g.png")
    np.testing.assert_array_equal(read_rgb(tmp_path / "g.png")[0, 0], [77, 77, 77])

    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[0, 0, 3] = 255  # one opaque red pixel, the rest transparent
    Image.fromarray(rgba).save(tmp_path / "a.png")
    out = read_rgb(tmp_path / "a.png")
    np.testing.assert_array_equal(out[0, 0], [200, 0, 0])
    np.testing.assert_array_equal(out[1, 1], [255, 255, 255])  # composited on white

    Image.fromarray(np.full((2, 2), 65535, np.uint16)).save(tmp_path / "w.png")
    np.testing.assert_array_equal(read_rgb(tmp_path / "w.png")[0, 0], [255, 255, 255])
    assert read_gray(tmp_path / "w.png")[0, 0] == 255

    Image.new("CMYK", (3, 2), (0, 0, 0, 0)).save(tmp_path / "c.jpg")
    out = read_rgb(tmp_path / "c.jpg")
    assert out.shape == (2, 3, 3) and out.min() > 240  # CMYK zero ink is white


def test_bad_files_name_the_file(tmp_path, rgb):
    with pytest.raises(DataError, match="missing.png: file not found") as e:
        read_rgb(tmp_path / "missing.png")
    assert e.value.kind == "missing"
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(DataError, match="empty.jpg: empty file") as e:
        read_rgb(tmp_path / "empty.jpg")
    assert e.value.kind == "unreadable"
    Image.fromarray(rgb).save(tmp_path / "t.jpg")
    data = (tmp_path / "t.jpg").read_bytes()
    (tmp_path / "t.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="t.jpg"):
        read_rgb(tmp_path / "t.jpg")


def test_uploaded_bytes_decode_like_files(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (200, 0, 0, 255)  # one opaque red pixel, the rest transparent
    Image.fromarray(rgba).save(tmp_path / "a.png")
    out = decode_rgb((tmp_path / "a.png").read_bytes(), "a.png")
    np.testing.assert_array_equal(out, read_rgb(tmp_path / "a.png"))
    np.testing.assert_array_equal(out[1, 1], [255, 255, 255])
    with pytest.raises(DataError, match="up.jpg: empty file"):
        decode_rgb(b"", "up.jpg")
    with pytest.raises(DataError, match="up.jpg: cannot decode") as e:
        decode_rgb(b"\xff\xd8 not a jpeg", "up.jpg")
    assert e.value.kind == "unreadable"


def test_label_reading(tmp_path):
    ids = np.array([[0, 1, 2], [10, 3, 255]], np.uint8)
    im = Image.fromarray(ids, mode="L").convert("P")
    im.save(tmp_path / "p.png")
    np.testing.assert_array_equal(read_label_ids(tmp_path / "p.png"), ids)
    Image.fromarray(np.stack([ids] * 3, -1)).save(tmp_path / "rgb.png")
    np.testing.assert_array_equal(read_label_ids(tmp_path / "rgb.png"), ids)
    colour = np.zeros((2, 2, 3), np.uint8)
    colour[0, 0] = (255, 0, 0)
    Image.fromarray(colour).save(tmp_path / "colour.png")
    with pytest.raises(DataError, match="single-channel"):
        read_label_ids(tmp_path / "colour.png")
    Image.fromarray(np.array([[300]], np.uint16)).save(tmp_path / "big.png")
    with pytest.raises(DataError, match="do not fit"):
        read_label_ids(tmp_path / "big.png")


def test_snap_to_palette_picks_nearest_colour():
    palette = np.array([(255, 0, 0), (127, 0, 0), (255, 255, 0)])
    rgb = np.array([[(250, 3, 2), (120, 5, 4), (191, 127, 0), (255, 240, 10)]], np.uint8)
    np.testing.assert_array_equal(snap_to_palette(rgb, palette), [[0, 1, 0, 2]])


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out" / "x.png"
    with pytest.raises(RuntimeError), atomic_open(target) as f:
        f.write(b"partial")
        raise RuntimeError("killed")
    assert not target.exists() and list(target.parent.iterdir()) == []
    write_png_atomic(target, np.zeros((2, 2), np.uint8))
    assert read_gray(target).shape == (2, 2)
    assert [p.name for p in target.parent.iterdir()] == ["x.png"]


def test_png_encoding_keeps_every_pixel(tmp_path):
    from faceparse.imageio import encode_png, write_png_atomic

    rng = np.random.default_rng(1)
    for array in (
        rng.integers(0, 256, (7, 5, 3), dtype=np.uint8),
        rng.integers(0, 256, (7, 5), dtype=np.uint8),
        rng.integers(0, 256, (7, 5, 4), dtype=np.uint8),
        rng.integers(0, 65536, (7, 5), dtype=np.uint16),
    ):
        write_png_atomic(tmp_path / "x.png", array)
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "x.png")), array)
    mask = np.eye(4, dtype=bool)
    assert np.asarray(Image.open(io.BytesIO(encode_png(mask)))).max() == 255


def test_headers_that_claim_more_than_the_data_holds_fail_fast_and_flat_photos_pass():
    import time

    from hostile_corpus import _claims_more, _many_scans  # tests/helpers, on the path

    from faceparse.imageio import decode_rgb

    t0 = time.perf_counter()
    with pytest.raises(DataError, match=r"damaged: \d+ bytes cannot hold the 7300×5466 pixels"):
        decode_rgb(_claims_more(7300, 5466, rows=50), "claims.png")
    assert time.perf_counter() - t0 < 1  # refused from the header, not decoded for seconds
    progressive = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 90, np.uint8)).save(progressive, "JPEG", progressive=True)
    with pytest.raises(DataError, match=r"JPEG with 50\d\d scans \(over 100\): refused"):
        decode_rgb(_many_scans(progressive.getvalue()), "scans.jpg")
    # the most compressible real photos stay well above the bounds: flat 24 Mpx PNG and JPEG
    for fmt in ("PNG", "JPEG"):
        flat = io.BytesIO()
        Image.fromarray(np.zeros((4000, 6000, 3), np.uint8)).save(flat, fmt, optimize=True)
        assert decode_rgb(flat.getvalue(), f"flat.{fmt.lower()}").shape == (4000, 6000, 3)
