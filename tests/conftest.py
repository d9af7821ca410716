from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/layouts.py

# ../shared beside the checkout (CI puts it there); override with FACEPARSE_SHARED.
SHARED = Path(os.environ.get("FACEPARSE_SHARED", Path(__file__).parents[2] / "shared"))


@pytest.fixture
def fasseg_root() -> Path:
    root = SHARED / "data" / "fasseg"
    if not (root / "V2").is_dir():
        pytest.skip(f"FASSEG not found at {root} (../shared/data/fasseg is absent)")
    return root
