"""The JSON-lines manifests batch jobs keep (one entry per input, appended as each is done), so
that a rerun resumes where the last run stopped."""

from __future__ import annotations

import json
from pathlib import Path


def read_manifest(path: Path) -> list[dict]:
    """The entries of a manifest, oldest first ([] without one). A line that is not JSON — the
    last one, torn when a job was killed mid-write — is skipped: its input is done again."""
    entries = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return entries
