"""Tests of faceparse.datasets.transforms."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.datasets.synthetic import synthetic_face
from faceparse.datasets.transforms import (
    ColorJitter,
    Compose,
    RandomAffine,
    RandomHorizontalFlip,
    Resize,
    hflip,
    training_transform,
)
from faceparse.labels import CELEBAMASK_HQ, LAPA


@pytest.fixture
def face():
    return synthetic_face(np.random.default_rng(5), size=96, space=LAPA)


def _centroid_x(label, class_id):
    return np.nonzero(label == class_id)[1].mean()


def test_flip_swaps_left_and_right_labels(face):
    l_eye, r_eye = LAPA.index("l_eye"), LAPA.index("r_eye")
    assert _centroid_x(face.label, l_eye) < _centroid_x(face.label, r_eye)
    f = hflip(face)
    # after mirroring, the eye on the image's left is still called l_eye
    assert _centroid_x(f.label, l_eye) < _centroid_x(f.label, r_eye)
    np.testing.assert_array_equal(f.image, face.image[:, ::-1])
    np.testing.assert_array_equal(f.depth, face.depth[:, ::-1])
    assert (f.label == l_eye).sum() == (face.label == r_eye).sum()
    back = hflip(f)
    np.testing.assert_array_equal(back.label, face.label)


def test_random_flip_probability(face):
    rng = np.random.default_rng(0)
    never = RandomHorizontalFlip(p=0.0)
    always = RandomHorizontalFlip(p=1.0)
    np.testing.assert_array_equal(never(face, rng).image, face.image)
    np.testing.assert_array_equal(always(face, rng).image, face.image[:, ::-1])


def test_affine_keeps_image_label_depth_aligned():
    face = synthetic_face(np.random.default_rng(5), size=96, space=CELEBAMASK_HQ)
    not_head = [CELEBAMASK_HQ.index("background"), CELEBAMASK_HQ.index("cloth")]
    # synthetic depth is non-zero only on head and neck pixels; warping must keep that exact
    assert not ((face.depth > 0) & np.isin(face.label, not_head)).any()
    t = RandomAffine(80, scale=(0.7, 1.3), max_rotation_deg=30)
    out = t(face, np.random.default_rng(1))
    assert out.image.shape == (80, 80, 3) and out.label.shape == out.depth.shape == (80, 80)
    assert not ((out.depth > 0) & np.isin(out.label, not_head)).any()
    assert (out.depth > 0).sum() > 0.2 * 80 * 80
    assert set(np.unique(out.label)) <= set(np.unique(face.label))


def test_identity_affine_is_identity(face):
    t = RandomAffine(96, scale=(1, 1), max_rotation_deg=0, max_shift=0)
    out = t(face, np.random.default_rng(0))
    np.testing.assert_array_equal(out.label, face.label)


def test_color_jitter_changes_rgb_only(face):
    out = ColorJitter()(face, np.random.default_rng(3))
    assert not np.array_equal(out.image, face.image)
    assert out.label is face.label and out.depth is face.depth


def test_seeded_augmentation_is_reproducible(face):
    t = training_transform(64)
    a = t(face, np.random.default_rng(9))
    b = t(face, np.random.default_rng(9))
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.label, b.label)


def test_resize_nearest_for_labels():
    face = synthetic_face(np.random.default_rng(2), size=64, space=CELEBAMASK_HQ)
    out = Compose([Resize((32, 48))])(face, np.random.default_rng(0))
    assert out.image.shape == (32, 48, 3)
    assert set(np.unique(out.label)) <= set(np.unique(face.label))  # no blended ids
