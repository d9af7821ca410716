"""The JSON-lines manifests batch jobs keep (one entry per input, appended as each is done), so
that a rerun resumes where the last run stopped. Every job speaks one vocabulary: an entry's
`status` is ok, no_face or failed (with its `reason`), and a job's counts add `kept` for the
inputs an earlier run finished.

    with Manifest(out / "manifest.jsonl") as manifest:
        for item in items:
            if manifest.done(item.name):
                manifest.keep(); continue
            manifest.record({"name": item.name, "status": "ok", ...})
    manifest.counts   # {"ok": 3, "no_face": 1, "failed": 0, "kept": 5}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from pathlib import Path

from ..errors import FaceparseError

STATUSES = ("ok", "no_face", "failed")
# Statuses manifests were written with before the one vocabulary, read as today's.
_EARLIER = {"fitted": "ok", "no_fit": "ok", "error": "failed"}


def read_manifest(path: Path) -> list[dict]:
    """The entries of a manifest, oldest first ([] without one). A line that is not JSON — the
    last one, torn when a job was killed mid-write — is skipped: its input is done again."""
    entries = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if entry.get("status") in ("fitted", "no_fit"):
                entry["head_fit"] = entry["status"] == "fitted"
            if entry.get("status") in _EARLIER:
                entry["status"] = _EARLIER[entry["status"]]
            entries.append(entry)
    return entries


class Manifest:
    """A job's manifest: the latest entry per key (`key(entry)`, the input's name by default)
    from earlier runs, and this run's entries appended, flushed one by one."""

    def __init__(self, path: Path, key: Callable[[dict], Hashable] = lambda e: e["name"]):
        self.path, self.key = Path(path), key
        self.entries: dict[Hashable, dict] = {key(e): e for e in read_manifest(self.path)}
        self.counts = {**dict.fromkeys(STATUSES, 0), "kept": 0}
        self._file = None

    def __enter__(self) -> Manifest:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed in __exit__)
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def done(self, key: Hashable) -> dict | None:
        """The latest entry for `key`, from any run, or None."""
        return self.entries.get(key)

    def keep(self) -> None:
        """Count an input an earlier run finished."""
        self.counts["kept"] += 1

    def record(self, entry: dict) -> None:
        if entry.get("status") not in STATUSES:
            raise FaceparseError(f"{self.path}: status {entry.get('status')!r} not in {STATUSES}")
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()
        self.entries[self.key(entry)] = entry
        self.counts[entry["status"]] += 1

    def with_status(self, status: str) -> list[dict]:
        return [e for e in self.entries.values() if e["status"] == status]
