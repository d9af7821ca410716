"""Tests of faceparse.labels.catalog."""

from __future__ import annotations

import pytest

from faceparse.labels import (
    CELEBAMASK_HQ,
    CELEBAMASK_HQ_BISENET,
    CELEBAMASK_HQ_FARL,
    FASSEG,
    HELEN,
    LABEL_SPACES,
    LAPA,
    get_label_space,
)


def test_official_orders_are_exact():
    assert CELEBAMASK_HQ.classes[:6] == ("background", "skin", "nose", "eye_g", "l_eye", "r_eye")
    assert CELEBAMASK_HQ.index("hair") == 13 and CELEBAMASK_HQ.index("cloth") == 18
    assert CELEBAMASK_HQ_BISENET.index("nose") == 10 and CELEBAMASK_HQ_BISENET.index("hair") == 17
    assert CELEBAMASK_HQ_FARL.native_names[2] == "face" and CELEBAMASK_HQ_FARL.index("skin") == 2
    assert LAPA.classes == HELEN.classes
    assert LAPA.index("inner_mouth") == 8 and LAPA.index("hair") == 10
    assert FASSEG.classes == ("background", "hair", "skin", "eyes", "nose", "mouth")
    assert all(s.num_classes == len(s.palette) for s in LABEL_SPACES.values())


def test_unknown_space_is_a_clear_error():
    with pytest.raises(KeyError, match="choose from celebamask-hq"):
        get_label_space("celeba")
