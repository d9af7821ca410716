"""Split lists (`train_list.txt`, …) as the released layouts write them."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError


def read_name_list(path: Path) -> list[str]:
    """A split list: one name per line; blank lines and '#' comments skipped."""
    if not path.is_file():
        raise DataError(path, "missing", "split list not found")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]
