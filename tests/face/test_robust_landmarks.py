"""Tests of faceparse.face.robust_landmarks (crop geometry and fusion; the network's ONNX run is
tested with a trained file in tests/training/test_landmark_distill.py)."""

from __future__ import annotations

import numpy as np
from face_points import canonical_points

from faceparse.face.detect import Face
from faceparse.face.robust_landmarks import crop_frame, fuse_landmarks


def _face(points):
    x0, y0 = points[:, :2].min(0)
    x1, y1 = points[:, :2].max(0)
    # MediaPipe's keypoints: the subject's right eye first (landmark 33, on the image's left)
    right, left = points[33, :2], points[263, :2]
    return Face((x0, y0, x1, y1), 0.9, np.array([right, left, right, right, right, right]))


def test_crop_units_round_trip_and_put_the_face_in_the_crop():
    points = canonical_points()
    frame = crop_frame(_face(points), size=96)
    units = frame.to_crop_units(points)
    assert units[:, :2].min() > 0.1 and units[:, :2].max() < 0.9
    assert np.isclose(units[:, 2].mean(), 0)
    back = frame.to_image(units)
    assert np.allclose(back[:, :2], points[:, :2])
    assert np.allclose(back[:, 2], points[:, 2] - points[:, 2].mean())


def test_crop_turns_a_tilted_face_level():
    points = canonical_points()
    c = points[:, :2].mean(0)
    a = np.radians(20)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    tilted = points.copy()
    tilted[:, :2] = (points[:, :2] - c) @ rot.T + c
    units = crop_frame(_face(tilted), size=96).to_crop_units(tilted)
    assert abs(units[33, 1] - units[263, 1]) < 1e-9


def test_fusion_keeps_mediapipe_where_they_agree_and_the_student_where_they_do_not():
    student = canonical_points()
    mediapipe = student + [0.5, 0, 0]  # agrees within a fraction of a pixel
    mediapipe[1] += [40, 0, 0]  # the nose tip dragged away
    fused = fuse_landmarks(mediapipe, student)
    assert np.allclose(fused[2, :2], mediapipe[2, :2], atol=0.05)
    assert np.allclose(fused[1, :2], student[1, :2])


def test_the_shipped_mesh_agrees_with_mediapipe_on_a_clean_photo(fasseg_root):
    from faceparse.datasets import open_dataset
    from faceparse.depth.render import ROBUST_MESH_FILE
    from faceparse.face.landmarks import FaceMeshDetector
    from faceparse.face.robust_landmarks import RobustFaceMesh
    from faceparse.metrics.landmarks import landmark_nme

    image = open_dataset("fasseg", fasseg_root, "test")[0].image
    robust = RobustFaceMesh(ROBUST_MESH_FILE)(image)
    mediapipe = FaceMeshDetector()(image)
    # ROBUST_FIT.md: 0.034 on average over the clean check photos
    assert landmark_nme(robust.points, mediapipe.points) < 0.06
    fused = fuse_landmarks(mediapipe.points, robust.points)
    assert landmark_nme(fused, mediapipe.points) < landmark_nme(robust.points, mediapipe.points)
