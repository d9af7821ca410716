"""Parsing photos: detect every face (faceparse.face), crop it, parse the crop with a trained
network or the face-mesh geometry, and paste the labels back. Batch jobs over files live in
faceparse.jobs.

Names load when first used, so the CLI can read the model catalog (`catalog`) without torch.
"""

from importlib import import_module

_HOMES = {
    "FaceParser": ".face_parser",
    "ParseOptions": ".options",
    "ParseResult": ".result",
    "FaceCrop": ".views",
    "LandmarkParser": ".landmark_parser",
    "landmark_labels": ".landmark_parser",
    "CATALOG": ".catalog",
    "MODEL_NAMES": ".catalog",
}
__all__ = list(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
