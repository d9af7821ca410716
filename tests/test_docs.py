"""Every faceparse module and name that README.md and docs/ mention exists (issue #24): a doc
that names `faceparse.x.y` or shows `from faceparse.x import y` is checked against the code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
DOTTED = re.compile(r"\bfaceparse(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
FROM_IMPORT = re.compile(r"^\s*from (faceparse[\w.]*) import ([\w, ()]+)$", re.M)


def resolves(dotted: str) -> bool:
    """`faceparse.a.b.c`: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def references() -> list[tuple[str, str]]:
    found = set()
    for page in PAGES:
        text = page.read_text()
        where = str(page.relative_to(ROOT))
        for m in DOTTED.finditer(text):
            ref = m.group(0).rstrip(".")
            if not ref.endswith(("_", ".py", ".md")):
                found.add((where, ref))
        for module, names in FROM_IMPORT.findall(text):
            for name in names.replace("(", "").replace(")", "").split(","):
                if name.strip():
                    found.add((where, f"{module}.{name.strip()}"))
    return sorted(found)


def test_the_docs_name_enough_to_check():
    assert len(references()) > 40


@pytest.mark.parametrize(("page", "ref"), references(), ids=lambda v: v)
def test_every_module_and_name_in_the_docs_exists(page, ref):
    assert resolves(ref), f"{page} names {ref}, which does not exist"


def test_the_docs_index_lists_every_results_page():
    index = (ROOT / "docs" / "README.md").read_text()
    missing = [
        p.name
        for p in (ROOT / "docs" / "results").glob("*.md")
        if f"(results/{p.name})" not in index
    ]
    assert not missing, f"run benchmarks/docs_index.py: docs/README.md lacks {missing}"
