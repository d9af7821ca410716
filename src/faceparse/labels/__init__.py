"""Label spaces: class orders, palettes, flip pairs and conversions between them."""

from .catalog import (
    CELEBAMASK_HQ,
    CELEBAMASK_HQ_BISENET,
    CELEBAMASK_HQ_FARL,
    FASSEG,
    HELEN,
    LABEL_SPACES,
    LAPA,
    get_label_space,
)
from .mapping import CROSS_FAMILY_MAPS, convert_labels, mapping_lut, name_mapping
from .space import IGNORE_INDEX, LabelSpace

__all__ = [
    "CELEBAMASK_HQ",
    "CELEBAMASK_HQ_BISENET",
    "CELEBAMASK_HQ_FARL",
    "CROSS_FAMILY_MAPS",
    "FASSEG",
    "HELEN",
    "IGNORE_INDEX",
    "LABEL_SPACES",
    "LAPA",
    "LabelSpace",
    "convert_labels",
    "get_label_space",
    "mapping_lut",
    "name_mapping",
]
