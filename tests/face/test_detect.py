"""Tests of faceparse.face.detect."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data
from stand_ins import CentreDisc, face_at

from faceparse.datasets.group_photos import GroupPhotoConfig, HeadShot, compose_group_photo
from faceparse.face.detect import (
    DetectionConfig,
    Face,
    FaceDetector,
    _merge,
    box_iou,
    pyramid_levels,
)
from faceparse.parsing import FaceParser, ParseOptions


@pytest.fixture(scope="module")
def detector():
    d = FaceDetector()
    yield d
    d.close()


def test_merge_keeps_a_face_once_and_drops_a_box_around_a_group():
    a, b = face_at(50, 50, 10), face_at(51, 50, 10)
    assert len(_merge([a, b.shifted(100, 0), b])) == 2  # the near-copy is suppressed
    group = Face((0, 0, 300, 300), 0.99, a.keypoints)  # frames both faces: not a face
    merged = _merge([group, a, a.shifted(150, 150)])
    assert [f.box for f in merged] == [a.box, a.shifted(150, 150).box]
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)


def test_pyramid_levels_follow_the_photo_size():
    assert pyramid_levels((512, 512)) == []  # the whole-photo pass reaches ~20 px faces
    assert pyramid_levels((20, 10000)) == []  # no face worth finding fits
    levels = pyramid_levels((4096, 4096))
    assert [lv[0][2] - lv[0][0] for lv in levels] == [2048, 1024, 512]
    overlap = DetectionConfig().tile_overlap
    for tiles in levels:
        side = tiles[0][2] - tiles[0][0]
        xs = sorted({t[0] for t in tiles})
        assert xs[0] == 0 and xs[-1] + side == 4096  # the photo is covered edge to edge
        assert all(b - a <= side * (1 - overlap) for a, b in zip(xs, xs[1:], strict=False))
    wide = pyramid_levels((700, 1400))
    assert all(t[3] <= 700 and t[2] <= 1400 for lv in wide for t in lv)


def astronaut_shot(detector) -> HeadShot:
    photo = data.astronaut()
    return HeadShot(photo, detector(photo)[0].box, "astronaut")


def test_group_photo_keeps_every_face_whole_and_apart(detector):
    shot = astronaut_shot(detector)
    config = GroupPhotoConfig(side=(900, 1200), face_px=(40, 200), faces=(6, 6))
    photo = compose_group_photo([shot], np.random.default_rng(3), config)
    h, w = photo.image.shape[:2]
    assert min(h, w) >= 900 and max(h, w) <= 1200 and len(photo.boxes) >= 4
    for i, a in enumerate(photo.boxes):
        assert a[0] >= 0 and a[2] <= w and a[1] >= 0 and a[3] <= h
        assert 40 <= a[2] - a[0] <= 200
        assert all(box_iou(a, b) == 0 for b in photo.boxes[i + 1 :])


def test_every_face_of_40_px_or_more_in_a_group_photo_is_found(detector):
    shot = astronaut_shot(detector)
    config = GroupPhotoConfig(side=(1800, 2400), face_px=(40, 300), faces=(8, 8))
    photo = compose_group_photo([shot], np.random.default_rng(7), config)
    found = detector(photo.image)
    for box in photo.boxes:
        assert max(box_iou(box, f.box) for f in found) > 0.3, box
    assert len(found) == len(photo.boxes)


def test_small_faces_are_found_and_reported_too_small_not_parsed():
    canvas = np.full((480, 640, 3), 200, np.uint8)
    canvas[100:260, 200:360] = cv2.resize(
        data.astronaut(), (160, 160), interpolation=cv2.INTER_AREA
    )
    model = CentreDisc()
    result = FaceParser(model, ParseOptions(min_face_px=32))(canvas)
    summary = result.summary()
    assert summary["num_faces"] == 0 and len(summary["too_small"]) == 1
    x0, y0, x1, y1 = summary["too_small"][0]["box"]
    assert 240 < (x0 + x1) / 2 < 290 and 110 < (y0 + y1) / 2 < 160  # her face in the thumbnail
    assert (result.labels == 0).all() and model.calls == []
    assert "not parsed" in " ".join(summary["notes"])
    parsed = FaceParser(CentreDisc(), ParseOptions(min_face_px=16))(canvas)
    assert parsed.summary()["num_faces"] == 1 and parsed.labels.any()


def test_faces_at_the_border_overlapping_and_tiny_never_break_a_photo():
    photo = data.astronaut()
    canvas = np.full((900, 1400, 3), 90, np.uint8)
    canvas[-300:, :300] = cv2.resize(photo, (300, 300))[:, :]  # at the corner
    canvas[:256, -128:] = photo[::2, ::2][:, :128]  # cut by the right edge
    canvas[300:556, 500:756] = photo[::2, ::2]
    canvas[380:636, 620:876] = photo[::2, ::2]  # over the previous one
    canvas[50:62, 600:612] = cv2.resize(photo, (12, 12))  # far too small to find
    result = FaceParser(CentreDisc())(canvas)
    assert result.labels.shape == (900, 1400)
    assert set(np.unique(result.labels)) <= {0, 6}
    assert len(result.faces) >= 3  # the corner one and both of the overlapping pair at least


def test_photos_over_mediapipes_side_limit_are_shrunk_for_it_with_their_aspect():
    from faceparse.face.detect import MEDIAPIPE_MAX_SIDE, within_native_limits

    small = np.zeros((10, 300, 3), np.uint8)
    assert within_native_limits(small) is small
    assert within_native_limits(np.zeros((10, 40000, 3), np.uint8)).shape == (4, 16384, 3)
    assert within_native_limits(np.zeros((65535, 8, 3), np.uint8)).shape == (16384, 2, 3)
    assert MEDIAPIPE_MAX_SIDE < 32767  # OpenCV's remap inside MediaPipe asserts from SHRT_MAX


# OpenCV's remap asserts from 32,767 px; the rest bracket it and reach the 16-bit PNG limit
HOSTILE_SIDES = [(32766, 10), (32767, 10), (32768, 16), (40000, 1000), (1000, 33000), (65535, 8)]


@pytest.mark.parametrize("model", ["default", "landmarks"])
def test_no_side_length_up_to_65535_px_aborts_the_process(model):
    # a native abort cannot be caught in-process: the photos are parsed in a child
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from faceparse import FaceParser\n"
        f"p = FaceParser.load({model!r})\n"
        f"for w, h in {HOSTILE_SIDES!r}:\n"
        "    r = p(np.full((h, w, 3), 128, np.uint8))\n"
        "    print(w, h, *r.labels.shape, len(r.faces))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    rows = [line.split() for line in done.stdout.splitlines()]
    assert rows == [[str(w), str(h), str(h), str(w), "0"] for w, h in HOSTILE_SIDES]
