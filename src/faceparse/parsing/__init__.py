"""Parsing photos: face detection, alignment, crop parsers (trained networks or face-mesh
geometry), paste-back, and batch jobs over images and videos."""

from ..face.detect import Face, FaceDetector
from .face_parser import FaceParser, ParseOptions, ParseResult
from .landmark_parser import LandmarkParser, landmark_labels

__all__ = [
    "Face",
    "FaceDetector",
    "FaceParser",
    "LandmarkParser",
    "ParseOptions",
    "ParseResult",
    "landmark_labels",
]
