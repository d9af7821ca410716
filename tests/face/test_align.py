"""Tests of faceparse.face.align."""

from __future__ import annotations

import numpy as np
from stand_ins import face_at

from faceparse.face.align import crop_box, crop_matrix, paste_back, warp_to_crop
from faceparse.face.detect import Face


def test_crop_matrix_frames_the_head_upright_and_maps_back():
    face = face_at(100, 80, 20)
    m = crop_matrix(face, 64)
    # side = max(2 × 20, 1.8 × 22) × 2 = 80 image px -> 64 crop px; eye midpoint 2.2 px above
    # the centre (0.1 × 22 px below the eyes is the centre)
    assert np.allclose(m[:, :2], np.eye(2) * 64 / 80)
    assert np.allclose(m @ [100, 80 + 2.2, 1], [32, 32])
    assert crop_box(m, 64, (200, 300)) == (60, 42, 140, 123)
    # a tilted face gives a rotation that makes the eye line horizontal
    angle = np.deg2rad(30)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    tilted = Face(face.box, 1.0, (face.keypoints - [100, 80]) @ rot.T + [100, 80])
    mt = crop_matrix(tilted, 64)
    eyes = tilted.keypoints[:2] @ mt[:, :2].T + mt[:, 2]
    assert abs(eyes[0, 1] - eyes[1, 1]) < 1e-6 and eyes[0, 0] < eyes[1, 0]


def test_paste_back_inverts_the_crop():
    image_probs = np.zeros((2, 120, 160), np.float32)
    image_probs[1, 40:90, 60:110] = 1
    image_probs[0] = 1 - image_probs[1]
    m = crop_matrix(face_at(85, 60, 25), 64)
    crop = np.stack([warp_to_crop(c, m, 64) for c in image_probs])
    box = crop_box(m, 64, (120, 160))
    back, inside = paste_back(crop, m, box)
    x0, y0, x1, y1 = box
    original = image_probs[:, y0:y1, x0:x1]
    agree = (back.argmax(0) == original.argmax(0))[inside]
    assert inside.mean() > 0.9 and agree.mean() > 0.98


def test_coverage_reaches_half_a_crop_pixel_further_when_values_are_warped_bilinearly():
    from faceparse.face.align import coverage, warp_into_box

    m = np.array([[0.5, 0.0, 1.0], [0.0, 0.5, 1.0]])  # image pixel (x, y) -> crop (x/2+1, y/2+1)
    box = (0, 0, 12, 12)
    near, linear = coverage(m, 4, box, nearest=True), coverage(m, 4, box)
    # image pixels 0..4 sample the crop at 1..3; pixel 5 samples 3.5, half outside the crop,
    # which nearest leaves out and bilinear blends from crop pixel 3
    assert near[:, 0].tolist() == [True] * 5 + [False] * 7
    assert linear[:, 0].tolist() == [True] * 6 + [False] * 6
    values = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    pasted, inside = paste_back(values, m, box, nearest=True)
    assert (inside == near).all()
    assert (pasted == warp_into_box(values, m, box, nearest=True)).all()
    assert pasted[0, 0, 0] == values[0, 1, 1] and pasted[0, 4, 4] == values[0, 3, 3]


def test_a_turned_head_is_centred_towards_its_ears_and_widened_about_the_same_centre():
    from faceparse.face.align import HEAD_SHIFT, covers, widen

    frontal = face_at(100, 80, 20)
    # stand_ins put the ear points on the eyes: a frontal face stays centred as before
    assert np.allclose(crop_matrix(frontal, 64), crop_matrix(frontal, 64, head_shift=0))
    kps = frontal.keypoints.copy()
    kps[4:] = [[60, 90], [70, 90]]  # both ears 35 px behind the eye midpoint, as in profile
    profile = Face(frontal.box, 1.0, kps)
    m = crop_matrix(profile, 64)
    # the centre moves HEAD_SHIFT × 35 px along the eye line; not down, though the ears are lower
    assert np.allclose(m @ [100 - HEAD_SHIFT * 35, 80 + 2.2, 1], [32, 32])
    wide = widen(m, 64, 2.0)
    assert np.allclose(wide @ [100 - HEAD_SHIFT * 35, 80 + 2.2, 1], [32, 32])
    assert np.allclose(wide[:, :2], m[:, :2] / 2)
    assert not covers(m, 64, (200, 300))  # 80 px side: the 300×200 image is not inside
    # around (75.5, 82.2): a 480 px side reaches x = 315.5, a 400 px one only 275.5
    assert covers(widen(m, 64, 6.0), 64, (200, 300))
    assert not covers(widen(m, 64, 5.0), 64, (200, 300))
