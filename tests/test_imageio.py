import numpy as np
import pytest
from PIL import Image

from faceparse.imageio import (
    DataError,
    atomic_open,
    decode_rgb,
    read_gray,
    read_label_ids,
    read_rgb,
    snap_to_palette,
    write_png_atomic,
)


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
