"""Every error faceparse raises on purpose derives from `FaceparseError`, so callers (the CLI, the
server, a batch job) catch one root and show its message; anything else is a bug.

The subclasses say whose fault it is: the data, a model file, a config, or a name nobody knows.
They also derive from the built-in type that callers caught before the root existed.
"""

from __future__ import annotations

import os
from pathlib import Path


class FaceparseError(Exception):
    """Something the user can fix; the message names the file or value and what is wrong."""


class DataError(FaceparseError, ValueError):
    """A data file (photo, label map, depth map, video) that cannot be used. `kind` groups
    problems in reports."""

    KINDS = (
        "missing",
        "unreadable",
        "format",
        "label_ids",
        "size_mismatch",
        "too_large",
        "unwritable",
    )

    def __init__(self, path: str | os.PathLike, kind: str, reason: str):
        assert kind in self.KINDS, kind
        self.path = Path(path)
        self.kind = kind
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ModelFileError(FaceparseError, RuntimeError):
    """A model file (parser weights, checkpoint, head model, ONNX teacher) is missing or
    malformed; raised before any work starts."""


class ConfigError(FaceparseError, ValueError):
    """A configuration value of the wrong type or out of range."""


class UnknownNameError(FaceparseError, KeyError, ValueError):
    """A name (dataset, label space, model, mode) that is not one of the known ones."""

    def __init__(self, what: str, name: object, known):
        self.name = name
        super().__init__(f"unknown {what} {name!r}; choose from {', '.join(map(str, known))}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])
