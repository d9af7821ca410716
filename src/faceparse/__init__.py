"""faceparse: face parsing from RGB and depth.

from faceparse import FaceParser
result = FaceParser.default()("photo.jpg")
report = faceparse.evaluate(FaceParser.default(), dataset)   # scores on labelled photos
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy, so `import faceparse` stays light for the label and dataset tools.
    if name in ("FaceParser", "ParseResult", "ParseOptions"):
        from . import parsing

        return getattr(parsing, name)
    if name in ("evaluate", "ParserReport"):
        from .jobs import scoring

        return getattr(scoring, name)
    raise AttributeError(f"module 'faceparse' has no attribute {name!r}")
