"""Result tables in markdown files: a generated section after a marker line is replaced on each
run, and whatever a person wrote above the marker stays."""

from __future__ import annotations

from pathlib import Path

from ..imageio import write_text_atomic


def write_section(path: Path, marker: str, body: str, title: str = "# Results") -> Path:
    """Replace what follows `marker` in `path` (created with `title` if missing) with `body`."""
    text = path.read_text() if path.is_file() else f"{title}\n\n{marker}\n"
    if marker not in text:
        text += f"\n{marker}\n"
    return write_text_atomic(path, f"{text.split(marker)[0]}{marker}\n\n{body}\n")
