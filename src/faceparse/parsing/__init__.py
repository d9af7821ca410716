"""Parsing photos: detect every face (faceparse.face), crop it, parse the crop with a trained
network or the face-mesh geometry, and paste the labels back. Batch jobs over files live in
faceparse.jobs."""

from .face_parser import MODEL_NAMES, FaceParser, ParseOptions, ParseResult
from .landmark_parser import LandmarkParser, landmark_labels

__all__ = [
    "MODEL_NAMES",
    "FaceParser",
    "LandmarkParser",
    "ParseOptions",
    "ParseResult",
    "landmark_labels",
]
