import numpy as np
import pytest
from cartoon_faces import face_labels

from faceparse.datasets.accessories import CLASS_OF, KINDS, add_accessory, add_random_accessories
from faceparse.labels import CELEBAMASK_HQ

C = CELEBAMASK_HQ.index


def test_each_kind_draws_its_class_and_changes_the_pixels_it_labels():
    image = np.full((128, 128, 3), 128, np.uint8)
    labels = face_labels()
    for kind in KINDS:
        drawn = add_accessory(image, labels, kind, np.random.default_rng(0))
        assert drawn is not None, kind
        new_image, new_labels = drawn
        mask = new_labels == C(CLASS_OF[kind])
        assert mask.sum() > 10, kind
        assert (labels[mask] != C(CLASS_OF[kind])).all()
        changed = (new_image != image).any(2)
        assert changed[mask].mean() > 0.9, kind  # what is labelled was drawn
        # Only the accessory's class is added: every other pixel keeps its label.
        assert ((new_labels == labels) | mask).all(), kind


def test_clear_lenses_keep_the_eyes_dark_ones_hide_them():
    image = np.full((128, 128, 3), 128, np.uint8)
    labels = face_labels()
    eyes = np.isin(labels, [C("l_eye"), C("r_eye")])
    _, clear = add_accessory(image, labels, "glasses", np.random.default_rng(1))
    _, dark = add_accessory(image, labels, "sunglasses", np.random.default_rng(1))
    assert (clear[eyes] != C("eye_g")).mean() > 0.8
    assert (dark[eyes] == C("eye_g")).mean() > 0.9


def test_missing_parts_mean_no_accessory():
    image = np.zeros((128, 128, 3), np.uint8)
    rng = np.random.default_rng(0)
    no_eyes = face_labels()
    no_eyes[np.isin(no_eyes, [C("l_eye"), C("r_eye")])] = C("skin")
    assert add_accessory(image, no_eyes, "glasses", rng) is None
    assert add_accessory(image, face_labels(neck=False), "necklace", rng) is None
    assert add_accessory(image, face_labels(ears=False), "earring", rng) is None


@pytest.mark.parametrize("seed", [0, 5])
def test_same_seed_same_accessories(seed):
    image = np.full((128, 128, 3), 100, np.uint8)
    a = add_random_accessories(image, face_labels(), np.random.default_rng(seed))
    b = add_random_accessories(image, face_labels(), np.random.default_rng(seed))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
