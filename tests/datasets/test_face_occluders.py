"""Tests of faceparse.datasets.face_occluders."""

from __future__ import annotations

import numpy as np
from face_points import canonical_points

from faceparse.datasets.face_occluders import KINDS, draw_occluder, occlude_face
from faceparse.face.landmarks import face_oval, polygon_mask

IMAGE = np.full((220, 200, 3), 120, np.uint8)


def test_each_kind_is_reproducible_changes_only_its_mask_and_lies_on_the_face():
    points = canonical_points()
    face = polygon_mask(points, face_oval(), IMAGE.shape[:2])
    for kind in KINDS:
        a, mask = draw_occluder(IMAGE, points, kind, np.random.default_rng(3))
        b, again = draw_occluder(IMAGE, points, kind, np.random.default_rng(3))
        assert np.array_equal(a, b) and np.array_equal(mask, again), kind
        assert np.array_equal(a[~mask], IMAGE[~mask]), kind
        assert (mask & face).sum() > 0.02 * face.sum(), kind


def test_landmark_placed_occluders_cover_their_part():
    points = canonical_points()
    eye_row = int(points[[33, 263], 1].mean())
    chin_row = int(points[152, 1])
    _, glasses = draw_occluder(IMAGE, points, "sunglasses", np.random.default_rng(0))
    ys, _ = np.nonzero(glasses)
    assert abs(ys.mean() - eye_row) < 12
    _, mask = draw_occluder(IMAGE, points, "mask", np.random.default_rng(0))
    assert mask[chin_row - 5, int(points[152, 0])] and not mask[eye_row, int(points[33, 0])]


def test_share_is_the_covered_fraction_of_the_face_outline_and_falls_in_range():
    points = canonical_points()
    face = polygon_mask(points, face_oval(), IMAGE.shape[:2])
    for seed in range(6):
        got = occlude_face(IMAGE, points, np.random.default_rng(seed), share_range=(0.1, 0.5))
        assert got.share == (got.mask & face).sum() / face.sum()
        assert 0.1 <= got.share <= 0.5 and 1 <= len(got.kinds) <= 3
        assert np.array_equal(got.image[~got.mask], IMAGE[~got.mask])


def test_occluded_samples_are_reproducible_and_ignore_the_covered_labels(fasseg_root):
    from faceparse.datasets import open_dataset
    from faceparse.datasets.face_occluders import occluded_samples
    from faceparse.labels import IGNORE_INDEX

    test = open_dataset("fasseg", fasseg_root, "test")
    samples = [test[0], test[1]]
    first, again = occluded_samples(samples, 3), occluded_samples(samples, 3)
    assert len(first) == 2
    for (s, copy, hidden), (_, copy2, _) in zip(first, again, strict=True):
        assert np.array_equal(copy.image, copy2.image)
        assert 0.1 <= copy.share <= 0.5
        assert (hidden[copy.mask] == IGNORE_INDEX).all()
        assert np.array_equal(hidden[~copy.mask], s.label[~copy.mask])
    # sample i is drawn from [seed, first_index + i]: an offset gives other copies
    shifted = occluded_samples(samples, 3, first_index=1000)
    assert not np.array_equal(shifted[0][1].mask, first[0][1].mask)
