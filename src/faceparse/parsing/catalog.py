"""The named models: the one table of what `--model NAME` (CLI, server, `FaceParser.load`) can
be, what each one is, and the files it is made of. Anything else given as a model is a parser
file (.safetensors) or a training checkpoint (.pt).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_RGB = "rgb_celebamask.safetensors"
DEFAULT_DEPTH = "depth_lapa.safetensors"  # LaPa classes: lifted to the RGB parser's 19
LAPA_RGB = "rgb_lapa.safetensors"


@dataclass(frozen=True)
class NamedModel:
    name: str
    about: str  # one line, for help texts
    # files shipped in faceparse/weights/; None for the landmark-geometry parser, which has none
    rgb_file: str | None = None
    depth_file: str | None = None

    @property
    def is_landmarks(self) -> bool:
        return self.rgb_file is None


CATALOG: dict[str, NamedModel] = {
    m.name: m
    for m in (
        NamedModel(
            "default",
            "shipped RGB and depth parsers, CelebAMask-HQ 19 classes",
            DEFAULT_RGB,
            DEFAULT_DEPTH,
        ),
        NamedModel(
            "lapa", "shipped RGB and depth parsers, LaPa 11 classes", LAPA_RGB, DEFAULT_DEPTH
        ),
        NamedModel("landmarks", "face-mesh geometry, LaPa 11 classes, no training"),
    )
}
MODEL_NAMES = tuple(CATALOG)
SHIPPED_FILES = tuple(
    dict.fromkeys(f for m in CATALOG.values() for f in (m.rgb_file, m.depth_file) if f)
)


def models_help() -> str:
    """'default (…), lapa (…), landmarks (…)': the named models for a help text."""
    return ", ".join(f"{m.name} ({m.about})" for m in CATALOG.values())
