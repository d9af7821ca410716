"""The README's opening figure: what the default parser makes of a real photo (scikit-image's
astronaut, public domain), without and with rendered depth.

    .venv/bin/python benchmarks/readme_figure.py      # -> docs/figures/astronaut.png
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from skimage import data  # noqa: E402

from faceparse import FaceParser  # noqa: E402
from faceparse.visualize import depth_to_rgb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "figures" / "astronaut.png"
SHARED_MODELS = ROOT.parent / "shared" / "models"  # with the hair segmenter, where present


def main() -> None:
    if SHARED_MODELS.is_dir():
        os.environ.setdefault("FACEPARSE_MODEL_DIR", str(SHARED_MODELS))
    photo = data.astronaut()
    parser = FaceParser.default()
    plain, with_depth = parser(photo), parser(photo, depth="auto")
    panels = [
        ("photo", photo),
        ("labels, RGB parser (19 classes)", plain.overlay(0.6)),
        ("depth rendered from the fitted head", depth_to_rgb(with_depth.depth)),
        ("labels, RGB + depth parsers", with_depth.overlay(0.6)),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.9))
    for ax, (title, image) in zip(axes, panels, strict=True):
        ax.imshow(image[:300, 60:420])  # her head and shoulders
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=100)
    print(OUT, with_depth.notes)


if __name__ == "__main__":
    main()
