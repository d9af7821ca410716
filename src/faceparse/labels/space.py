"""`LabelSpace`: an ordered list of class names and everything that depends on the order."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import UnknownNameError

# Pixels a metric or loss must skip (unlabelled, padding). Never a class id.
IGNORE_INDEX = 255

# Which side `l_*` names, for a frontal face: the image's left, or the subject's own left (the
# image's right). Spaces disagree (CelebAMask-HQ's official maps against LaPa's), so each states
# its own and conversions between the two swap the sides.
SIDE_CONVENTIONS = ("image", "subject")

# Classes whose left/right versions swap under a horizontal flip, by canonical name.
MIRRORED_NAMES: tuple[tuple[str, str], ...] = (
    ("l_brow", "r_brow"),
    ("l_eye", "r_eye"),
    ("l_ear", "r_ear"),
)


@dataclass(frozen=True)
class LabelSpace:
    """An explicit class order. Label id `i` in a map of this space means `classes[i]`.

    `classes` use one canonical vocabulary across all spaces (so two spaces can be mapped by name);
    `native_names` records how the source project spells them, where it differs.
    """

    name: str
    classes: tuple[str, ...]
    palette: tuple[tuple[int, int, int], ...]
    # The Helen "overall" F1 merges these classes and counts confusions among them as correct.
    overall_classes: tuple[str, ...]
    description: str
    native_names: tuple[str, ...] = ()
    sides: str = "image"  # SIDE_CONVENTIONS; moot where the space has no sided classes
    flip_pairs: tuple[tuple[int, int], ...] = field(init=False)

    def __post_init__(self) -> None:
        if len(self.palette) != len(self.classes):
            raise ValueError(f"{self.name}: {len(self.palette)} colours for {len(self.classes)}")
        if len(set(self.classes)) != len(self.classes):
            raise ValueError(f"{self.name}: duplicate class names")
        if self.native_names and len(self.native_names) != len(self.classes):
            raise ValueError(f"{self.name}: native_names must match classes one to one")
        if self.sides not in SIDE_CONVENTIONS:
            raise ValueError(f"{self.name}: sides is one of {SIDE_CONVENTIONS}, got {self.sides!r}")
        unknown = set(self.overall_classes) - set(self.classes)
        if unknown:
            raise ValueError(f"{self.name}: overall_classes not in the space: {sorted(unknown)}")
        pairs = tuple(
            (self.classes.index(a), self.classes.index(b))
            for a, b in MIRRORED_NAMES
            if a in self.classes and b in self.classes
        )
        object.__setattr__(self, "flip_pairs", pairs)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def index(self, class_name: str) -> int:
        try:
            return self.classes.index(class_name)
        except ValueError:
            raise UnknownNameError(f"class of {self.name}", class_name, self.classes) from None

    @property
    def overall_ids(self) -> tuple[int, ...]:
        return tuple(self.index(c) for c in self.overall_classes)

    @property
    def has_sides(self) -> bool:
        return bool(self.flip_pairs)

    def side_note(self) -> str:
        """Where `l_*` lies, in words (for `faceparse labels` and the docs)."""
        if not self.has_sides:
            return "no left/right classes"
        if self.sides == "image":
            return "l_* lies on the image's left for a frontal face"
        return "l_* is the subject's own left: on the image's right for a frontal face"

    def flip_lut(self) -> np.ndarray:
        """A 256-entry lookup table that swaps left/right ids (for horizontally flipped labels)."""
        lut = np.arange(256, dtype=np.uint8)
        for a, b in self.flip_pairs:
            lut[a], lut[b] = b, a
        return lut

    def palette_array(self) -> np.ndarray:
        """(256, 3) uint8 colours; ids outside the space (and IGNORE_INDEX) are drawn grey."""
        colours = np.full((256, 3), 128, dtype=np.uint8)
        colours[: self.num_classes] = np.asarray(self.palette, dtype=np.uint8)
        return colours

    def colorize(self, label: np.ndarray) -> np.ndarray:
        """H×W ids -> H×W×3 uint8 RGB."""
        return np.take(self.palette_array(), label, axis=0)  # 3× faster than palette[label]

    def describe(self) -> str:
        """One line per id, as users should read the order."""
        rows = []
        for i, c in enumerate(self.classes):
            native = f"  (native: {self.native_names[i]})" if self.native_names else ""
            rows.append(f"{i:>3}  {c}{native}")
        return "\n".join([*rows, f"sides: {self.side_note()}"])
