"""The layer contracts of docs/ARCHITECTURE.md hold, and they would catch an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from paths import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(package_parent: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [str(LINT_IMPORTS), str(REPO / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_layer_contracts_hold():
    result = lint_imports(REPO / "src", REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_them(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(REPO / "src" / "faceparse", copy / "faceparse")
    labels = copy / "faceparse" / "labels" / "catalog.py"
    labels.write_text(labels.read_text() + "\nfrom ..cli import app  # upward, on purpose\n")
    parsing = copy / "faceparse" / "parsing" / "crop_parsers.py"
    parsing.write_text(parsing.read_text() + "\nfrom ..training import trainer  # sideways\n")
    result = lint_imports(copy, tmp_path)
    assert result.returncode != 0
    assert "faceparse.labels is not allowed to import faceparse.cli" in result.stdout
    assert "faceparse.parsing is not allowed to import faceparse.training" in result.stdout


def test_no_module_imports_itself_through_others():
    import grimp

    graph = grimp.build_graph("faceparse")
    cycles = {
        tuple(sorted((module, imported)))
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module, as_packages=False)
    }
    assert cycles == set()
