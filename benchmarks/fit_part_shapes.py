"""Fit the landmark parser's part shapes to hand labels: FASSEG's eyes and nose.

MediaPipe's face mesh outlines the eye opening and a wide nose; people label the eye with its
lids and lashes and a narrower nose. For each candidate shape (`LandmarkParserConfig.eye_scale`,
`nose_width`) the mesh outlines are rasterised on every FASSEG train photo (V2 train and the V3
persons not held out) and scored against the hand labels (dataset-level F1); the best on train
is reported on V2 test, which chose nothing.

    .venv/bin/python benchmarks/fit_part_shapes.py [--shared ../shared]

Prints the table and writes docs/results/PART_SHAPES.md.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

from faceparse.datasets import open_dataset
from faceparse.datasets.fasseg import HELD_OUT_PERSONS, held_out
from faceparse.face.landmarks import FaceMeshDetector
from faceparse.jobs.reports import publish, table_head
from faceparse.labels import FASSEG
from faceparse.parsing.landmark_parser import (
    _L_EYE,
    _R_EYE,
    LandmarkParserConfig,
    _fill,
    eye_outline,
    nose_outline,
)

EYE_ALONG = (0.95, 1.0, 1.05, 1.1, 1.2)
EYE_ACROSS = (1.0, 1.2, 1.4, 1.5, 1.6, 1.8, 2.0)
NOSE_WIDTH = (0.8, 0.85, 0.9, 0.95, 1.0, 1.1)


def meshes(fasseg: Path) -> dict[str, list]:
    """{"train"|"test": [(points, FASSEG labels), ...]} for photos where the mesh finds a face."""
    detector = FaceMeshDetector(max_faces=1)
    out: dict[str, list] = {"train": [], "test": []}
    for split, subsets in (("train", ("V2", "V3")), ("test", ("V2",))):
        ds = open_dataset("fasseg", fasseg, split, subsets=subsets)
        for i, record in enumerate(ds.records):
            if held_out(record.name):
                continue
            sample = ds[i]
            found = detector(sample.image)
            if found is not None:
                out[split].append((found.points, sample.label))
    detector.close()
    return out


def part_f1(faces: list, outlines, cls: str) -> float:
    """Dataset-level F1 of the union of `outlines(points)` against the FASSEG class."""
    tp = total = 0
    for points, label in faces:
        mask = np.zeros(label.shape, np.uint8)
        for outline in outlines(points):
            _fill(mask, outline, 1)
        truth = label == FASSEG.index(cls)
        tp += int((mask.astype(bool) & truth).sum())
        total += int(mask.sum() + truth.sum())
    return 2 * tp / max(total, 1)


def eyes(scale):
    return lambda p: [eye_outline(p, _R_EYE, scale), eye_outline(p, _L_EYE, scale)]


def nose(width):
    return lambda p: [nose_outline(p, width)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    args = ap.parse_args()
    faces = meshes(args.shared / "data" / "fasseg")
    candidates = {
        "eyes": [(s, eyes(s)) for s in itertools.product(EYE_ALONG, EYE_ACROSS)],
        "nose": [(w, nose(w)) for w in NOSE_WIDTH],
    }
    shipped = LandmarkParserConfig()
    baseline = {"eyes": (1.0, 1.0), "nose": 1.0}
    chosen = {"eyes": shipped.eye_scale, "nose": shipped.nose_width}
    build = {"eyes": eyes, "nose": nose}
    lines = table_head("part", "shape", "train F1", "V2 test F1")
    for part, options in candidates.items():
        scored = [(part_f1(faces["train"], f, part), shape) for shape, f in options]
        best_f1, best = max(scored, key=lambda t: t[0])
        rows = [("mesh as it is", baseline[part]), ("best on train", best)]
        rows.append(("shipped (LandmarkParserConfig)", chosen[part]))
        for name, shape in rows:
            f = build[part](shape)
            lines.append(
                f"| {part} | {name}: {shape} | {part_f1(faces['train'], f, part):.3f} "
                f"| {part_f1(faces['test'], f, part):.3f} |"
            )
    lines += [
        "",
        f"Photos with a face mesh: {len(faces['train'])} train, {len(faces['test'])} test. "
        "Eye shape: (along, across) the corner line; nose: width across its axis.",
    ]
    publish(
        Path("docs/results/PART_SHAPES.md"),
        "# Part shapes fitted to hand labels",
        "\n".join(lines),
        "benchmarks/fit_part_shapes.py",
        sys.argv[1:],
        f"Held-out FASSEG V3 persons (not used): {', '.join(HELD_OUT_PERSONS)}.",
    )


if __name__ == "__main__":
    main()
