"""Parser factories for the Ray tests: importable by Ray's worker processes (the tests put this
folder on their PYTHONPATH), picklable as functools.partial of module-level names."""

from __future__ import annotations

import os
from pathlib import Path

from stand_ins import CentreDisc

from faceparse.parsing import FaceParser, ParseOptions


def whole_image_parser() -> FaceParser:
    return FaceParser(CentreDisc(), ParseOptions(detect=False))


class DiesOn:
    """A stand-in parser whose process dies (as a native crash would) on inputs whose name holds
    `name`: every time, or only the first time when `once_marker` is a file path to leave."""

    def __init__(self, name: str, once_marker: str | None = None):
        self.name, self.once_marker = name, once_marker
        self.inner = whole_image_parser()
        self.space = self.inner.space

    def __call__(self, image, depth=None):
        if self.name in str(image):
            marker = Path(self.once_marker) if self.once_marker else None
            if marker is None or not marker.exists():
                if marker is not None:
                    marker.touch()
                os._exit(1)
        return self.inner(image, depth=depth)
