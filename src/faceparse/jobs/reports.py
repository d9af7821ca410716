"""Result tables in markdown files: a generated section after a marker line is replaced on each
run, and whatever a person wrote above the marker stays."""

from __future__ import annotations

import datetime
import shlex
from collections.abc import Sequence
from pathlib import Path

from ..imageio import write_text_atomic


def write_section(path: Path, marker: str, body: str, title: str = "# Results") -> Path:
    """Replace what follows `marker` in `path` (created with `title` if missing) with `body`."""
    text = path.read_text() if path.is_file() else f"{title}\n\n{marker}\n"
    if marker not in text:
        text += f"\n{marker}\n"
    return write_text_atomic(path, f"{text.split(marker)[0]}{marker}\n\n{body}\n")


def provenance(script: str, argv: Sequence[str]) -> str:
    """The lines a result section starts with: the command that wrote it, machine and date."""
    from .speed import machine_line  # measures the machine: only when a result is written

    command = shlex.join([".venv/bin/python", script, *argv])
    return f"Command: `{command}`  \nMachine: {machine_line()}  \nDate: {datetime.date.today()}  \n"


def table_head(*cells: str) -> list[str]:
    """A markdown table's header and rule."""
    return ["| " + " | ".join(cells) + " |", "|---" * len(cells) + "|"]


def publish(page: Path, marker: str, table: str, script: str, argv: Sequence[str], notes: str = ""):
    """Print a result table and write it, after its provenance and notes, into its page."""
    print(table)
    body = provenance(script, argv) + (f"{notes}\n\n" if notes else "\n") + table
    return write_section(page, marker, body)
