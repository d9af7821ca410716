"""Fixtures shared across the test tree; helper modules live in tests/helpers/."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "helpers"))

from hostile_corpus import write_corpus  # noqa: E402
from paths import MODELS, SHARED, SMOKE  # noqa: E402

# Depth rendering uses the shared model folder where there is one (with the hair segmenter the
# package does not ship); without it, the mesh files shipped in the package.
if MODELS.is_dir():
    os.environ.setdefault("FACEPARSE_MODEL_DIR", str(MODELS))


@pytest.fixture
def fasseg_root() -> Path:
    root = SHARED / "data" / "fasseg"
    if not (root / "V2").is_dir():
        pytest.skip(f"FASSEG not found at {root} (../shared/data/fasseg is absent)")
    return root


@pytest.fixture(scope="session")
def student_checkpoint(tmp_path_factory) -> Path:
    """A 3-step student run on generated faces, trained through the CLI."""
    from typer.testing import CliRunner

    from faceparse.cli import app

    out = tmp_path_factory.mktemp("student")
    args = ["train", str(SMOKE), "--set", f"out={out}", "--set", "model.parser=student"]
    args += ["--set", "optim.steps=3", "--set", "data.val_split=null"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return out / "last.pt"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The hostile-input corpus (helpers/hostile_corpus.py): (folder, cases)."""
    folder = tmp_path_factory.mktemp("hostile")
    return folder, write_corpus(folder)


@pytest.fixture(scope="session")
def default_parser():
    """The shipped parser, loaded once for the whole run."""
    from faceparse.parsing import FaceParser

    parser = FaceParser.default()
    yield parser
    parser.close()
