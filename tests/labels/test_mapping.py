"""Tests of faceparse.labels.mapping."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.labels import (
    CELEBAMASK_HQ,
    CELEBAMASK_HQ_BISENET,
    CELEBAMASK_HQ_FARL,
    FASSEG,
    IGNORE_INDEX,
    LABEL_SPACES,
    LAPA,
    convert_labels,
    mapping_lut,
)


def test_bisenet_order_converts_by_name_and_round_trips():
    official = np.arange(19, dtype=np.uint8).reshape(1, 19)
    bisenet = convert_labels(official, CELEBAMASK_HQ, CELEBAMASK_HQ_BISENET)
    # official 2 (nose) is BiSeNet 10; official 13 (hair) is BiSeNet 17
    assert bisenet[0, 2] == 10 and bisenet[0, 13] == 17
    back = convert_labels(bisenet, CELEBAMASK_HQ_BISENET, CELEBAMASK_HQ)
    np.testing.assert_array_equal(back, official)


def test_farl_sides_follow_subject_view():
    # facer's 'rb' (subject's right brow) is CelebAMask-HQ's r_brow (id 7): both name the
    # subject's sides, so nothing swaps
    farl_rb = CELEBAMASK_HQ_FARL.native_names.index("rb")
    out = convert_labels(np.array([farl_rb], np.uint8), CELEBAMASK_HQ_FARL, CELEBAMASK_HQ)
    assert out[0] == CELEBAMASK_HQ.index("r_brow") == 7
    assert CELEBAMASK_HQ_FARL.sides == CELEBAMASK_HQ.sides == "subject"


def _frontal_face(space) -> np.ndarray:
    """A 1×4 strip across a frontal face in `space`, as its own maps would draw it: brow and
    eye on the image's left, then on the image's right."""
    left, right = ("l", "r") if space.sides == "image" else ("r", "l")
    names = (f"{left}_brow", f"{left}_eye", f"{right}_eye", f"{right}_brow")
    return np.array([[space.index(n) for n in names]], np.uint8)


def test_sides_swap_between_celebamask_and_lapa_on_a_hand_built_face():
    # CelebAMask-HQ's official maps put l_eye on the image's right; LaPa's id 4 (l_eye) lies on
    # the image's left
    assert _frontal_face(CELEBAMASK_HQ).tolist() == [[7, 5, 4, 6]]
    assert _frontal_face(LAPA).tolist() == [[2, 4, 5, 3]]
    converted = convert_labels(_frontal_face(CELEBAMASK_HQ), CELEBAMASK_HQ, LAPA)
    assert converted.tolist() == _frontal_face(LAPA).tolist()
    for space in (CELEBAMASK_HQ_BISENET, CELEBAMASK_HQ_FARL):
        same = convert_labels(_frontal_face(CELEBAMASK_HQ), CELEBAMASK_HQ, space)
        assert same.tolist() == _frontal_face(space).tolist()
    # the face parts of either map merge into FASSEG's eyes and hair alike
    fasseg = [FASSEG.index(c) for c in ("hair", "eyes", "eyes", "hair")]
    for space in (CELEBAMASK_HQ, LAPA):
        assert convert_labels(_frontal_face(space), space, FASSEG).tolist() == [fasseg]


def test_every_space_states_its_side_convention():
    for space in LABEL_SPACES.values():
        assert space.sides in ("image", "subject")
        assert "sides:" in space.describe()
    assert "image's right" in CELEBAMASK_HQ.side_note() and "no left/right" in FASSEG.side_note()


def test_cross_family_mappings():
    lut = mapping_lut(CELEBAMASK_HQ, LAPA)
    assert lut[CELEBAMASK_HQ.index("l_ear")] == LAPA.index("skin")
    assert lut[CELEBAMASK_HQ.index("mouth")] == LAPA.index("inner_mouth")
    assert lut[CELEBAMASK_HQ.index("neck")] == LAPA.index("background")
    assert lut[CELEBAMASK_HQ.index("r_eye")] == LAPA.index("l_eye")  # both on the image's left
    lut = mapping_lut(LAPA, FASSEG)
    assert lut[LAPA.index("l_brow")] == FASSEG.index("hair")
    assert lut[LAPA.index("u_lip")] == lut[LAPA.index("inner_mouth")] == FASSEG.index("mouth")
    # 19 -> 6 differs from 19 -> 11 -> 6 on the neck: FASSEG labels the neck as skin
    assert mapping_lut(CELEBAMASK_HQ, FASSEG)[CELEBAMASK_HQ.index("neck")] == FASSEG.index("skin")
    via11 = mapping_lut(LAPA, FASSEG)[mapping_lut(CELEBAMASK_HQ, LAPA)]
    direct = mapping_lut(CELEBAMASK_HQ, FASSEG)
    differs = [c for i, c in enumerate(CELEBAMASK_HQ.classes) if via11[i] != direct[i]]
    assert differs == ["neck"]
    # BiSeNet order maps to LaPa by names too
    assert mapping_lut(CELEBAMASK_HQ_BISENET, LAPA)[10] == LAPA.index("nose")


def test_every_table_covers_its_source_and_lands_in_its_target():
    for src in LABEL_SPACES.values():
        for dst in LABEL_SPACES.values():
            try:
                lut = mapping_lut(src, dst)
            except ValueError:
                continue
            assert (lut[: src.num_classes] < dst.num_classes).all(), (src.name, dst.name)


def test_mapping_never_invents_detail_and_keeps_ignore():
    with pytest.raises(ValueError, match="never gain"):
        mapping_lut(FASSEG, LAPA)
    lab = np.array([[0, IGNORE_INDEX, 200]], np.uint8)
    np.testing.assert_array_equal(convert_labels(lab, LAPA, FASSEG), [[0, 255, 255]])


def test_flip_lut_swaps_pairs_only():
    lut = LAPA.flip_lut()
    assert lut[2] == 3 and lut[3] == 2 and lut[4] == 5 and lut[5] == 4
    assert lut[6] == 6 and lut[IGNORE_INDEX] == IGNORE_INDEX
    assert set(CELEBAMASK_HQ.flip_pairs) == {(6, 7), (4, 5), (8, 9)}
    assert FASSEG.flip_pairs == ()
