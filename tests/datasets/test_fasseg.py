"""Tests of faceparse.datasets.fasseg."""

from __future__ import annotations

import numpy as np
from layouts import write_fasseg

from faceparse.datasets import open_dataset
from faceparse.labels import FASSEG


def test_fasseg_snaps_antialiased_colours(tmp_path):
    labels = write_fasseg(tmp_path)
    test = open_dataset("fasseg", tmp_path, "test")
    assert test.names == ["V2/Test/1", "V2/Test/2"]
    both = open_dataset("fasseg", tmp_path, "train", subsets=("V2", "V3"))
    assert len(both) == 3 + 4
    assert "V3/+45/personne0011+0+45" in both.names
    for s in (test[0], both[5]):
        assert s.space is FASSEG
        truth = labels[s.name]
        agree = (s.label == truth).mean()
        assert agree > 0.97  # only blurred edge pixels may snap to a neighbour
        assert set(np.unique(s.label)) == set(np.unique(truth))


def test_real_fasseg(fasseg_root):
    test = open_dataset("fasseg", fasseg_root, "test")
    train = open_dataset("fasseg", fasseg_root, "train", subsets=("V2", "V3"))
    assert len(test) == 50 and len(train) == 20 + 13 * 14
    s = test[0]
    assert s.label.shape == s.image.shape[:2] and s.image.shape[0] == 512
    ids, counts = np.unique(s.label, return_counts=True)
    assert ids.tolist() == [0, 1, 2, 3, 4, 5]
    # skin is the largest class of a frontal face crop, eyes the smallest
    frac = dict(zip(ids.tolist(), counts / counts.sum(), strict=True))
    assert frac[2] > 0.25 and frac[3] < 0.02


def test_held_out_persons_are_v3_photos_of_the_named_persons():
    from faceparse.datasets.fasseg import held_out

    assert held_out("V3/+45/personne06149+0+45")
    assert not held_out("V3/+45/personne01149+0+45")
    assert not held_out("V2/Train/personne06")  # V2 has no held-out persons
    assert held_out("V3/0/personne01146+0+0", persons=("personne01",))


def test_real_fasseg_sets_the_held_out_persons_apart(fasseg_root):
    from faceparse.datasets.fasseg import HELD_OUT_PERSONS, v3_person

    kw = {"subsets": ("V2", "V3")}
    train = open_dataset("fasseg", fasseg_root, "train", held_out="exclude", **kw)
    val = open_dataset("fasseg", fasseg_root, "train", held_out="only", **kw)
    assert len(train) == 20 + 5 * 26 and len(val) == 2 * 26  # 13 yaws × 2 sessions a person
    assert {v3_person(n) for n in val.names} == set(HELD_OUT_PERSONS)
    assert not {v3_person(n) for n in train.names if n.startswith("V3/")} & set(HELD_OUT_PERSONS)


def test_an_unknown_held_out_choice_is_named(tmp_path):
    import pytest

    from faceparse.errors import UnknownNameError

    write_fasseg(tmp_path)
    with pytest.raises(UnknownNameError, match="held_out"):
        open_dataset("fasseg", tmp_path, "train", held_out="skip")
