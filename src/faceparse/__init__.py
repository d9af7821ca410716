"""faceparse: face parsing from RGB and depth."""

__version__ = "0.1.0"
