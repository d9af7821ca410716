"""Every label space faceparse knows, in the exact order of its source.

Orders differ between projects that use the same CelebAMask-HQ classes; mixing them up is the most
common user error, so each order is its own named space and conversion is always explicit
(`faceparse.labels.convert_labels`).
"""

from __future__ import annotations

from ..errors import UnknownNameError
from .space import LabelSpace

# One colour per canonical class name, shared by all spaces so a class looks the same everywhere.
_COLOURS: dict[str, tuple[int, int, int]] = {
    "background": (0, 0, 0),
    "skin": (230, 180, 140),
    "nose": (255, 140, 0),
    "eye_g": (170, 170, 255),
    "l_eye": (0, 0, 255),
    "r_eye": (0, 150, 255),
    "l_brow": (140, 70, 20),
    "r_brow": (210, 110, 50),
    "l_ear": (255, 0, 255),
    "r_ear": (180, 0, 180),
    "mouth": (110, 0, 60),
    "inner_mouth": (110, 0, 60),
    "u_lip": (255, 0, 0),
    "l_lip": (200, 0, 90),
    "hair": (255, 215, 0),
    "hat": (0, 128, 128),
    "ear_r": (0, 255, 128),
    "neck_l": (128, 255, 0),
    "neck": (255, 150, 200),
    "cloth": (0, 180, 0),
}


def _space(name: str, classes: tuple[str, ...], overall: tuple[str, ...], description: str, **kw):
    palette = kw.pop("palette", None) or tuple(_COLOURS[c] for c in classes)
    return LabelSpace(name, classes, palette, overall, description, **kw)


_CELEBA_OVERALL = ("l_brow", "r_brow", "l_eye", "r_eye", "nose", "u_lip", "l_lip", "mouth")
_PARTS_OVERALL = ("l_brow", "r_brow", "l_eye", "r_eye", "nose", "u_lip", "inner_mouth", "l_lip")

CELEBAMASK_HQ = _space(
    "celebamask-hq",
    (
        "background",
        "skin",
        "nose",
        "eye_g",
        "l_eye",
        "r_eye",
        "l_brow",
        "r_brow",
        "l_ear",
        "r_ear",
        "mouth",
        "u_lip",
        "l_lip",
        "hair",
        "hat",
        "ear_r",
        "neck_l",
        "neck",
        "cloth",
    ),  # fmt: skip
    _CELEBA_OVERALL,
    "CelebAMask-HQ 19 classes in the official order (the order of its g_mask.py merge).",
    # all 8 official label maps checked (issue #25): l_eye, l_brow, l_ear on the image's right
    sides="subject",
)

CELEBAMASK_HQ_BISENET = _space(
    "celebamask-hq-bisenet",
    (
        "background",
        "skin",
        "l_brow",
        "r_brow",
        "l_eye",
        "r_eye",
        "eye_g",
        "l_ear",
        "r_ear",
        "ear_r",
        "nose",
        "mouth",
        "u_lip",
        "l_lip",
        "neck",
        "neck_l",
        "cloth",
        "hair",
        "hat",
    ),  # fmt: skip
    _CELEBA_OVERALL,
    "CelebAMask-HQ 19 classes in the order of face-parsing.PyTorch (BiSeNet, '79999_iter.pth').",
    sides="subject",  # trained on the official maps
)

# facer names sides from the subject's point of view, as CelebAMask-HQ does: its LaPa order
# calls LaPa's id 2 (on the image's left) 'rb', and its CelebAMask-HQ order's 'rb' is the
# official r_brow.
CELEBAMASK_HQ_FARL = _space(
    "celebamask-hq-farl",
    (
        "background",
        "neck",
        "skin",
        "cloth",
        "r_ear",
        "l_ear",
        "r_brow",
        "l_brow",
        "r_eye",
        "l_eye",
        "nose",
        "mouth",
        "l_lip",
        "u_lip",
        "hair",
        "eye_g",
        "hat",
        "ear_r",
        "neck_l",
    ),  # fmt: skip
    _CELEBA_OVERALL,
    "CelebAMask-HQ 19 classes in the order of FaRL / facer ('farl/celebm/448').",
    sides="subject",
    native_names=(
        "background",
        "neck",
        "face",
        "cloth",
        "rr",
        "lr",
        "rb",
        "lb",
        "re",
        "le",
        "nose",
        "imouth",
        "llip",
        "ulip",
        "hair",
        "eyeg",
        "hat",
        "earr",
        "neck_l",
    ),  # fmt: skip
)

_PARTS_11 = (
    "background", "skin", "l_brow", "r_brow", "l_eye", "r_eye", "nose", "u_lip", "inner_mouth",
    "l_lip", "hair",
)  # fmt: skip

LAPA = _space(
    "lapa",
    _PARTS_11,
    _PARTS_OVERALL,
    "LaPa 11 classes (0 background, 1 skin, 2 l_brow, ... 10 hair), LaPa's label ids.",
    sides="image",  # a LaPa label map has ids 2 and 4 on the image's left
)

HELEN = _space(
    "helen",
    _PARTS_11,
    _PARTS_OVERALL,
    "Helen 11 classes in its file order lbl00..lbl10 (same classes and order as LaPa).",
    # Taken to be LaPa's (LaPa adopted Helen's classes): not checked on a Helen label map here,
    # since none is at hand; a Helen user should check one frontal face before trusting sides.
    sides="image",
    native_names=(
        "background",
        "face skin",
        "left eyebrow",
        "right eyebrow",
        "left eye",
        "right eye",
        "nose",
        "upper lip",
        "inner mouth",
        "lower lip",
        "hair",
    ),  # fmt: skip
)

FASSEG = _space(
    "fasseg",
    ("background", "hair", "skin", "eyes", "nose", "mouth"),
    ("eyes", "nose", "mouth"),
    "FASSEG 6 classes; hair includes the brows, mouth both lips. Palette: its label colours.",
    palette=((255, 0, 0), (127, 0, 0), (255, 255, 0), (0, 0, 255), (0, 255, 255), (0, 255, 0)),
)

LABEL_SPACES: dict[str, LabelSpace] = {
    s.name: s
    for s in (CELEBAMASK_HQ, CELEBAMASK_HQ_BISENET, CELEBAMASK_HQ_FARL, LAPA, HELEN, FASSEG)
}


def get_label_space(space: str | LabelSpace) -> LabelSpace:
    if isinstance(space, LabelSpace):
        return space
    try:
        return LABEL_SPACES[space]
    except KeyError:
        raise UnknownNameError("label space", space, LABEL_SPACES) from None
