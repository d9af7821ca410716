"""Converting label maps between spaces.

Two spaces with the same classes (the three CelebAMask-HQ orders; LaPa and Helen) convert by class
name, losslessly. Between families the mapping is many-to-one and chosen for cross-dataset
evaluation; each choice is written out below so it can be read and cited:

* 19 -> 11 (CelebAMask-HQ -> LaPa/Helen): ears and eyeglasses become skin (LaPa labels ears as
  face skin, and glasses cover skin); mouth -> inner_mouth; neck, necklace, earring, hat and cloth
  become background (LaPa's skin is the face only).
* 11 -> 6 (LaPa/Helen -> FASSEG): brows join hair and both lips and the inner mouth join mouth,
  as in FASSEG's own labels.
* 19 -> 6 (CelebAMask-HQ -> FASSEG): as 19 -> 11 -> 6 except that the neck is skin, because
  FASSEG labels the neck as skin; hat and cloth stay background.

Between spaces whose side conventions differ (`LabelSpace.sides`: CelebAMask-HQ names the
subject's left, LaPa and Helen the image's left) every l_* class becomes the other space's r_*.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .catalog import get_label_space
from .space import IGNORE_INDEX, MIRRORED_NAMES, LabelSpace

_FAMILY_OF = {
    "celebamask-hq": "celebamask19",
    "celebamask-hq-bisenet": "celebamask19",
    "celebamask-hq-farl": "celebamask19",
    "lapa": "parts11",
    "helen": "parts11",
    "fasseg": "fasseg6",
}

_19_TO_11 = {
    "background": "background", "skin": "skin", "nose": "nose", "eye_g": "skin",
    "l_eye": "l_eye", "r_eye": "r_eye", "l_brow": "l_brow", "r_brow": "r_brow",
    "l_ear": "skin", "r_ear": "skin", "mouth": "inner_mouth", "u_lip": "u_lip", "l_lip": "l_lip",
    "hair": "hair", "hat": "background", "ear_r": "background", "neck_l": "background",
    "neck": "background", "cloth": "background",
}  # fmt: skip

_11_TO_6 = {
    "background": "background", "skin": "skin", "l_brow": "hair", "r_brow": "hair",
    "l_eye": "eyes", "r_eye": "eyes", "nose": "nose", "u_lip": "mouth", "inner_mouth": "mouth",
    "l_lip": "mouth", "hair": "hair",
}  # fmt: skip

_19_TO_6 = {c: _11_TO_6[_19_TO_11[c]] for c in _19_TO_11} | {"neck": "skin"}

# (source family, target family) -> {source class name: target class name}
CROSS_FAMILY_MAPS: dict[tuple[str, str], dict[str, str]] = {
    ("celebamask19", "parts11"): _19_TO_11,
    ("parts11", "fasseg6"): _11_TO_6,
    ("celebamask19", "fasseg6"): _19_TO_6,
}


def name_mapping(src: str | LabelSpace, dst: str | LabelSpace) -> dict[str, str]:
    """{source class name: target class name} for converting `src` labels into `dst`."""
    src, dst = get_label_space(src), get_label_space(dst)
    fs, fd = _FAMILY_OF[src.name], _FAMILY_OF[dst.name]
    if fs == fd:
        names = {c: c for c in src.classes}
    else:
        try:
            names = CROSS_FAMILY_MAPS[(fs, fd)]
        except KeyError:
            raise ConfigError(
                f"no mapping from {src.name!r} to {dst.name!r}: labels can only lose detail "
                f"(19 -> 11 -> 6 classes), never gain it"
            ) from None
    if src.has_sides and dst.has_sides and src.sides != dst.sides:
        names = {c: other_side(t) for c, t in names.items()}
    return names


def other_side(name: str) -> str:
    """'l_eye' <-> 'r_eye'; names without a side (l_lip is the lower lip) unchanged."""
    for a, b in MIRRORED_NAMES:
        if name in (a, b):
            return b if name == a else a
    return name


def mapping_lut(src: str | LabelSpace, dst: str | LabelSpace) -> np.ndarray:
    """256-entry uint8 lookup table: `lut[label]` converts a `src` map to `dst`.

    IGNORE_INDEX stays IGNORE_INDEX; ids outside `src` also become IGNORE_INDEX.
    """
    src, dst = get_label_space(src), get_label_space(dst)
    names = name_mapping(src, dst)
    lut = np.full(256, IGNORE_INDEX, dtype=np.uint8)
    for i, c in enumerate(src.classes):
        lut[i] = dst.index(names[c])
    return lut


def convert_labels(label: np.ndarray, src: str | LabelSpace, dst: str | LabelSpace) -> np.ndarray:
    """Convert an integer label map (any shape) from space `src` to space `dst`."""
    if label.dtype != np.uint8:
        if label.size and (label.min() < 0 or label.max() > 255):
            raise ValueError("label ids must lie in 0..255")
        label = label.astype(np.uint8)
    return mapping_lut(src, dst)[label]
