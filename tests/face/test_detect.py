"""Tests of faceparse.face.detect."""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data
from stand_ins import CentreDisc, face_at

from faceparse.parsing import FaceParser, ParseOptions


def test_small_faces_are_found_by_tiles_and_flagged():
    from faceparse.face.detect import FaceDetector, _merge

    a, b = face_at(50, 50, 10), face_at(51, 50, 10)
    assert len(_merge([a, b.shifted(100, 0), b])) == 2  # the near-copy is suppressed
    canvas = np.full((480, 640, 3), 200, np.uint8)
    canvas[100:260, 200:360] = cv2.resize(
        data.astronaut(), (160, 160), interpolation=cv2.INTER_AREA
    )
    detector = FaceDetector()
    assert detector._detect(canvas) == []  # too small for the whole-image pass
    faces = detector(canvas)
    assert len(faces) == 1
    x0, y0, x1, y1 = faces[0].box
    assert 240 < (x0 + x1) / 2 < 290 and 110 < (y0 + y1) / 2 < 160  # her face in the thumbnail
    result = FaceParser(CentreDisc(), ParseOptions())(canvas)
    assert result.summary()["faces"][0]["small"] is True


def test_the_tiled_pass_runs_only_where_it_can_find_a_face_worth_parsing():
    from faceparse.face.detect import _tiles_can_find_more

    assert not _tiles_can_find_more((512, 512))  # the first pass finds faces down to ~20 px
    assert _tiles_can_find_more((480, 640))  # ~26 px: a 24-30 px face needs the tiles
    assert _tiles_can_find_more((2048, 2048))
    assert not _tiles_can_find_more((4, 10000))  # tiles would be empty
